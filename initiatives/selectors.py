"""Reads for the initiatives' pages, scoped to the user asking; each owns its
select_related/prefetch, so that a page's query count does not grow with its rows."""

from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from core.access import access_for
from initiatives.models import (
    Equipment,
    GrantRequest,
    Initiative,
    InitiativePhoto,
    LogisticsLine,
    LogisticsRequest,
    Room,
)
from relais.models import Relais, Residence

# The catalogue and the map


def catalogue(user) -> QuerySet[Initiative]:
    """The initiatives, newest first, each with its kind, quartier and places."""
    return (
        Initiative.objects.for_user(user)
        .select_related("kind", "quartier")
        .prefetch_related(Prefetch("residences", queryset=Residence.objects.only("pk", "name"), to_attr="places"))
        .order_by("-starts_on", "-pk")
    )


def map_markers(user) -> list[dict]:
    """The map's markers: residences with coordinates (covered by an active relais
    or not) and the initiatives of the last year placed at them. Figures only: no
    names of people."""
    residences = (
        Residence.objects.for_user(user, figures=True)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .annotate(
            active_relais=Count(
                "relais_links__relais",
                filter=Q(relais_links__relais__status=Relais.Status.ACTIF),
                distinct=True,
            )
        )
        .order_by("pk")
    )
    year_ago = timezone.localdate() - datetime.timedelta(days=365)
    recent = (
        Initiative.objects.for_user(user)
        .filter(starts_on__gte=year_ago)
        .exclude(status=Initiative.Status.ANNULEE)
        .select_related("kind")
        .prefetch_related(Prefetch("residences", queryset=Residence.objects.only("pk")))
        .order_by("-starts_on")
    )
    by_residence: dict[int, list] = {}
    for initiative in recent:
        entry = {
            "id": initiative.pk,
            "title": initiative.title,
            "kind": initiative.kind.name,
            "date": initiative.starts_on.isoformat(),
            "status": initiative.get_status_display(),
            "url": reverse("initiatives:detail", args=[initiative.pk]),
        }
        for residence in initiative.residences.all():
            by_residence.setdefault(residence.pk, []).append(entry)
    return [
        {
            "id": r.pk,
            "name": r.name,
            "lat": float(r.latitude),
            "lng": float(r.longitude),
            "dwellings": r.dwellings,
            "active_relais": r.active_relais,
            "initiatives": by_residence.get(r.pk, []),
        }
        for r in residences
    ]


# One initiative


def relais_initiatives(user, *, today: datetime.date) -> list[Initiative]:
    """A relais' initiatives, newest first, each saying whether they may report it."""
    rows = list(Initiative.objects.for_user(user).select_related("kind").order_by("-starts_on")[:50])
    for row in rows:
        row.reportable = not row.relais_report_refusal(today)
    return rows


def initiative_page(user, initiative: Initiative) -> dict:
    """What the page of an initiative shows besides the initiative: its places,
    organisers (as this user may see them), partners, logistics, grants and photos."""
    access = access_for(user)
    organisers = initiative.organisers.all()
    if access.is_relais:
        # Other relais are named to a relais only if they agreed to be presented to their neighbours.
        listed = Q(consents__scope="annuaire", consents__withdrawn_on=None)
        organisers = organisers.filter(Q(user=user) | listed).distinct()
    return {
        "residences": initiative.residences.all(),
        "organisers": organisers if not access.is_partner else None,
        "partners": initiative.partners.all(),
        "logistics": (
            LogisticsRequest.objects.for_user(user)
            .filter(initiative=initiative)
            .select_related("room")
            .prefetch_related(Prefetch("lines", queryset=LogisticsLine.objects.select_related("equipment")))
        ),
        "grants": GrantRequest.objects.for_user(user).filter(initiative=initiative).prefetch_related("budget_lines"),
        "photos": InitiativePhoto.objects.for_user(user).filter(initiative=initiative),
    }


# Logistics


def equipment(user) -> QuerySet[Equipment]:
    return Equipment.objects.for_user(user)


def rooms(user) -> QuerySet[Room]:
    return Room.objects.for_user(user)


def pending_logistics(user) -> QuerySet[LogisticsRequest]:
    """The requests waiting for an answer, soonest first, with what they ask for."""
    return (
        LogisticsRequest.objects.for_user(user)
        .filter(status=LogisticsRequest.Status.DEMANDEE)
        .select_related("initiative", "room")
        .prefetch_related(Prefetch("lines", queryset=LogisticsLine.objects.select_related("equipment")))
        .order_by("starts_on")
    )


def logistics_lines(logistics: LogisticsRequest) -> list[LogisticsLine]:
    """The lines of a request (already read through its door), with their equipment."""
    return list(logistics.lines.select_related("equipment"))


def logistics_export(user) -> QuerySet[LogisticsRequest]:
    """Every logistics request, newest first, with its initiative, room and lines."""
    return (
        LogisticsRequest.objects.for_user(user)
        .select_related("initiative", "room")
        .prefetch_related(Prefetch("lines", queryset=LogisticsLine.objects.select_related("equipment")))
        .order_by("-requested_at", "-pk")
    )


# Small grants


def grants_of_year(user, year: int) -> QuerySet[GrantRequest]:
    return (
        GrantRequest.objects.for_user(user)
        .filter(requested_at__year=year)
        .select_related("initiative")
        .order_by("-requested_at")
    )


def grant_totals(user, year: int) -> dict:
    """Requested and granted in a year."""
    rows = (
        GrantRequest.objects.for_user(user)
        .filter(requested_at__year=year)
        .aggregate(
            count=Count("pk"),
            requested=Sum("amount_requested"),
            granted=Sum("amount_granted", filter=Q(status=GrantRequest.Status.ACCORDEE)),
            accepted=Count("pk", filter=Q(status=GrantRequest.Status.ACCORDEE)),
            refused=Count("pk", filter=Q(status=GrantRequest.Status.REFUSEE)),
        )
    )
    return {k: v or 0 for k, v in rows.items()}
