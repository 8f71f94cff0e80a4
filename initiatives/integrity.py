"""Impossible initiative histories (core/integrity.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from core.integrity import Problem, of, reporter
from core.models import Organisation
from initiatives.models import Initiative, InitiativeStatusChange

I = Initiative.Status  # noqa: E741


def check(organisation: Organisation | None) -> Iterator[Problem]:
    today = timezone.localdate()
    last = InitiativeStatusChange.objects.filter(initiative=OuterRef("pk")).order_by("-at", "-pk")
    rows = (
        of(Initiative.objects.select_related("organisation"), organisation)
        .annotate(last_status=Subquery(last.values("to_status")[:1]))
        .order_by("organisation", "pk")
    )
    for initiative in rows:
        problem = reporter(
            "initiatives",
            initiative.organisation,
            f"initiative n° {initiative.pk} (« {initiative.title} », /initiatives/{initiative.pk}/)",
        )

        if initiative.last_status is None:
            yield problem(
                "sans_historique",
                "aucun historique de statut : le bilan ne peut pas dire où elle en était à la fin d'une période.",
                "changez son statut depuis sa page (l'historique commence alors), ou relancez les migrations.",
            )
        elif initiative.last_status != initiative.status:
            yield problem(
                "statut_contredit",
                f"statut « {initiative.get_status_display()} » alors que son historique dit "
                f"« {I(initiative.last_status).label} ».",
                "changez le statut depuis la page de l'initiative : le changement s'ajoute à l'historique.",
            )
        if initiative.status == I.REALISEE and initiative.starts_on > today:
            yield problem(
                "realisee_avant_date",
                f"« réalisée » alors qu'elle a lieu le {initiative.starts_on:%d/%m/%Y}.",
                "corrigez sa date, ou remettez-la « prévue » : son bilan se fait une fois qu'elle a eu lieu.",
            )
