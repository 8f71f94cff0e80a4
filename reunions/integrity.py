"""Impossible meeting histories (core/integrity.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.integrity import Problem, of, reporter
from core.models import Organisation
from reunions.models import Invitee, Reunion


def check(organisation: Organisation | None) -> Iterator[Problem]:
    now = timezone.now()
    ticked = Invitee.objects.filter(reunion=OuterRef("pk"), attended__isnull=False)
    rows = (
        of(Reunion.objects.select_related("organisation"), organisation)
        .filter(starts_at__gt=now)
        .exclude(status=Reunion.Status.PREVUE)
        .annotate(ticked=Exists(ticked))
        .order_by("organisation", "pk")
    )
    future_ticked = (
        of(Reunion.objects.select_related("organisation"), organisation)
        .filter(starts_at__gt=now)
        .filter(Exists(ticked))
        .order_by("organisation", "pk")
    )
    for reunion in rows:
        if reunion.status == Reunion.Status.TENUE:
            yield _reporter(reunion)(
                "tenue_avant_date",
                f"« tenue » alors qu'elle a lieu le {timezone.localtime(reunion.starts_at):%d/%m/%Y}.",
                "corrigez sa date (page de la réunion, « Déplacer ») : un compte rendu ne précède pas la réunion.",
            )
    for reunion in future_ticked:
        yield _reporter(reunion)(
            "presence_avant_date",
            f"des présences sont cochées alors qu'elle a lieu le {timezone.localtime(reunion.starts_at):%d/%m/%Y}.",
            "corrigez sa date (« Déplacer »), ou décochez les présences sur la feuille d'émargement.",
        )


def _reporter(reunion: Reunion):
    where = f"réunion n° {reunion.pk} (« {reunion.title} », /reunions/{reunion.pk}/)"
    return reporter("reunions", reunion.organisation, where)
