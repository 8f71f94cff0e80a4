"""Impossible histories of parcours (core/integrity.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F
from django.utils import timezone

from core.integrity import Problem, of, reporter
from core.models import Organisation
from parcours.models import CharterSignature, Milestone, StepTick, TrainingSession
from reunions.models import Reunion


def check(organisation: Organisation | None) -> Iterator[Problem]:
    early = (
        of(CharterSignature.objects.select_related("version__organisation"), organisation, "relais__organisation")
        .filter(signed_at__lt=F("version__published_at"))
        .order_by("pk")
    )
    for signature in early:
        version = signature.version
        where = f"signature n° {signature.pk} (relais n° {signature.relais_id})"
        yield reporter("parcours", version.organisation, where)(
            "signature_avant_publication",
            f"la version {version.number} de la charte est signée le "
            f"{timezone.localtime(signature.signed_at):%d/%m/%Y}, "
            f"avant sa publication le {timezone.localtime(version.published_at):%d/%m/%Y}.",
            "supprimez cette signature : le relais signera la version en vigueur depuis son espace.",
        )
    foreign = (
        of(CharterSignature.objects.select_related("version__organisation"), organisation, "relais__organisation")
        .exclude(version__organisation=F("relais__organisation"))
        .order_by("pk")
    )
    for signature in foreign:
        yield reporter("parcours", signature.version.organisation, f"signature n° {signature.pk}")(
            "signature_autre_organisation",
            "un relais a signé la charte d'une autre organisation que la sienne.",
            "supprimez cette signature.",
        )
    not_training = (
        of(TrainingSession.objects.select_related("reunion__organisation"), organisation, "module__organisation")
        .exclude(reunion__kind=Reunion.Kind.FORMATION)
        .order_by("pk")
    )
    for session in not_training:
        where = f"session n° {session.pk} (/reunions/{session.reunion_id}/)"
        yield reporter("parcours", session.reunion.organisation, where)(
            "session_pas_formation",
            f"la réunion « {session.reunion.title} » est la session d'une formation sans être de type « Formation ».",
            "changez le type de la réunion, ou détachez-la de la formation.",
        )
    foreign_ticks = (
        of(StepTick.objects.select_related("step__organisation"), organisation, "relais__organisation")
        .exclude(step__organisation=F("relais__organisation"))
        .order_by("pk")
    )
    for tick in foreign_ticks:
        yield reporter("parcours", tick.step.organisation, f"étape cochée n° {tick.pk}")(
            "etape_autre_organisation",
            "une étape d'accueil d'une organisation est cochée pour un relais d'une autre.",
            "supprimez cette coche.",
        )
    early_thanks = (
        of(Milestone.objects.select_related("organisation"), organisation).filter(sent_at__isnull=False).order_by("pk")
    )
    for milestone in early_thanks:
        if timezone.localdate(milestone.sent_at) < milestone.reached_on:
            yield reporter("parcours", milestone.organisation, f"remerciement n° {milestone.pk}")(
                "merci_avant_etape",
                f"le remerciement est envoyé le {timezone.localtime(milestone.sent_at):%d/%m/%Y}, "
                f"avant l'étape qu'il salue ({milestone.reached_on:%d/%m/%Y}).",
                "corrigez la date de l'étape.",
            )
