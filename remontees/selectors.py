"""Reads for the remontées' pages, scoped to the user asking; each owns its
select_related, so that a page's query count does not grow with its rows."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.text import Truncator

from core.waiting import Waiting, WaitingGroup, first_rows
from relais.models import Residence
from remontees.models import Remontee, RemonteeEvent
from reunions.models import Reunion


def board(user) -> QuerySet[Remontee]:
    """Every remontée with its theme, residence, relais and who follows it, newest first."""
    return (
        Remontee.objects.for_user(user)
        .select_related("theme", "residence", "relais", "assignee")
        .order_by("-created_at", "-pk")
    )


def status_counts(user) -> dict[str, int]:
    """How many remontées in each status. COUNT(*): read from the
    (organisation, status) index alone."""
    rows = Remontee.objects.for_user(user).values_list("status").annotate(n=Count("*"))
    return dict(rows.values_list("status", "n"))


def raised_at(user, reunion: Reunion) -> QuerySet[Remontee]:
    """What a meeting's round table raised so far, in the order it was said."""
    return (
        Remontee.objects.for_user(user)
        .filter(reunion=reunion)
        .select_related("relais", "residence", "theme")
        .order_by("created_at")
    )


def events(user, remontee: Remontee) -> QuerySet[RemonteeEvent]:
    """A remontée's history: each step and who took it."""
    return RemonteeEvent.objects.for_user(user).filter(remontee=remontee).select_related("by")


def relais_remontees(user) -> QuerySet[Remontee]:
    """A relais' own remontées, newest first."""
    return Remontee.objects.for_user(user).select_related("theme", "residence").order_by("-created_at")[:50]


def residence_page(user, residence: Residence) -> dict[str, list[Remontee]]:
    """« Vous avez dit, nous avons fait » : what was raised for a residence, by
    what became of it."""
    rows = (
        Remontee.objects.for_user(user)
        .filter(residence=residence)
        .select_related("theme")
        .order_by("status", "-created_at")
    )
    return {
        "done": [r for r in rows if r.status == Remontee.Status.RESOLUE],
        "ongoing": [r for r in rows if not r.is_closed],
        "declined": [r for r in rows if r.status == Remontee.Status.NON_RETENUE],
    }


def residence_latest(user, residence: Residence, *, limit: int = 10) -> tuple[list[Remontee], int]:
    """The latest remontées of a residence, and how many it has in all (two queries)."""
    rows = Remontee.objects.for_user(user).filter(residence=residence)
    return list(rows.select_related("theme").order_by("-created_at", "-pk")[:limit]), rows.count()


# What waits for staff (the inbox, inbox/)


def _last_step() -> Subquery:
    """The kind of a remontée's last step, leaving aside who follows it."""
    return Subquery(
        RemonteeEvent.objects.filter(remontee=OuterRef("pk"))
        .exclude(kind=RemonteeEvent.Kind.ATTRIBUEE)
        .order_by("-at", "-pk")
        .values("kind")[:1]
    )


def waiting(user, *, limit: int = 10) -> list[WaitingGroup]:
    """New remontées, and those a relais reopened that nobody has answered since."""
    S = Remontee.Status
    rows = (
        Remontee.objects.for_user(user)
        .annotate(last_step=_last_step())
        .filter(Q(status=S.NOUVELLE) | Q(status=S.EN_COURS, last_step=RemonteeEvent.Kind.ROUVERTE))
        .select_related("theme", "residence", "assignee")
        .order_by("created_at", "pk")
    )
    groups = []
    for kind, label, condition in (
        ("remontee-nouvelle", "Remontées nouvelles", Q(status=S.NOUVELLE)),
        ("remontee-rouverte", "Remontées rouvertes par le relais", ~Q(status=S.NOUVELLE)),
    ):
        total, found = first_rows(rows.filter(condition), limit)
        groups.append(
            WaitingGroup(
                kind=kind,
                label=label,
                total=total,
                items=[
                    Waiting(
                        model="remontees.remontee",
                        pk=r.pk,
                        title=f"{r.theme} — {r.residence}",
                        detail=Truncator(r.description).chars(120),
                        since=r.created_at,
                        url=reverse("remontees:detail", args=[r.pk]),
                        assignee=r.assignee,
                    )
                    for r in found
                ],
            )
        )
    return groups
