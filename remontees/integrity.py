"""Impossible remontée histories (core/integrity.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import OuterRef, Subquery

from core.integrity import Problem, of, reporter
from core.models import Organisation
from remontees.models import CLOSED, Remontee, RemonteeEvent

R = Remontee.Status


def check(organisation: Organisation | None) -> Iterator[Problem]:
    last = RemonteeEvent.objects.filter(remontee=OuterRef("pk")).order_by("-at", "-pk")
    rows = (
        of(Remontee.objects.select_related("organisation"), organisation)
        .annotate(last_status=Subquery(last.values("status")[:1]), last_at=Subquery(last.values("at")[:1]))
        .order_by("organisation", "pk")
    )
    for remontee in rows:
        problem = reporter("remontees", remontee.organisation, f"remontée n° {remontee.pk} (/remontees/{remontee.pk}/)")

        created = remontee.created_at
        for field, label in (("answered_at", "première réponse"), ("closed_at", "clôture")):
            when = getattr(remontee, field)
            if when and when < created:
                yield problem(
                    "dates_desordre",
                    f"{label} le {when:%d/%m/%Y}, avant la remontée elle-même ({created:%d/%m/%Y}).",
                    f"corrigez la date de {label} : elle ne peut précéder le {created:%d/%m/%Y}.",
                )
        if remontee.last_at and remontee.last_at < created:
            yield problem(
                "dates_desordre",
                f"une étape de son suivi est datée du {remontee.last_at:%d/%m/%Y}, avant la remontée "
                f"({created:%d/%m/%Y}).",
                "corrigez la date de cette étape du suivi.",
            )
        if remontee.last_status and remontee.last_status != remontee.status:
            yield problem(
                "statut_contredit",
                f"statut « {remontee.get_status_display()} » alors que la dernière étape du suivi dit "
                f"« {R(remontee.last_status).label} ».",
                "changez le statut depuis la page de la remontée : le changement s'ajoute au suivi.",
            )
        if (remontee.status in CLOSED) != (remontee.closed_at is not None):
            yield problem(
                "cloture_contredite",
                f"statut « {remontee.get_status_display()} » "
                + ("sans date de clôture." if remontee.closed_at is None else "avec une date de clôture."),
                "changez le statut depuis la page de la remontée : la date de clôture suit le statut.",
            )
