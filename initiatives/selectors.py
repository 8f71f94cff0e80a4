"""Reads for the initiatives' pages, scoped to the user asking; each owns its
select_related/prefetch, so that a page's query count does not grow with its rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from core.access import access_for
from core.formats import euros
from core.forms import is_id
from core.french import date_range, plural
from core.waiting import Waiting, WaitingGroup, waiting_group
from initiatives.models import (
    Equipment,
    GrantRequest,
    Initiative,
    InitiativePhoto,
    LogisticsLine,
    LogisticsRequest,
    NeighbourAttendance,
    Room,
    SharedInitiative,
    SharedPhoto,
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
        organisers = _listed_organisers(user, initiative)
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
        "announced": announced(user, initiative),
    }


@dataclass(frozen=True)
class Announced:
    """Neighbours who said on the public page they would come: how many answers,
    how many people in all, and the names (empty after the event, when the names
    have gone, and for a reader who may not see them)."""

    answers: int
    people: int
    names: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.answers > 0

    @property
    def report_hint(self) -> str:
        """What the report form says of them ("" when nobody answered)."""
        if not self:
            return ""
        people = plural(self.people, "personne avait", "personnes avaient")
        return (
            f"Sur la page publique, {people} annoncé venir ({plural(self.answers, 'réponse')}) : "
            "le nombre de participants part de là, corrigez-le d'après ce que vous avez compté."
        )


def announced(user, initiative: Initiative, *, names: bool = True) -> Announced:
    """What the public page's « Je viendrai » gathered for `initiative`, as `user`
    may read it (staff and the event's organisers; partners see nothing). One query."""
    rows = list(
        NeighbourAttendance.objects.for_user(user).filter(initiative=initiative).values_list("name", "household")
    )
    return Announced(
        answers=len(rows),
        people=sum(household for _, household in rows),
        names=tuple(f"{name} ({household})" for name, household in rows if name) if names else (),
    )


def announced_by_initiative(user, initiative_ids: list[int]) -> dict[int, list[NeighbourAttendance]]:
    """Who said they would come, for several initiatives at once. One query."""
    found: dict[int, list[NeighbourAttendance]] = {pk: [] for pk in initiative_ids}
    for row in NeighbourAttendance.objects.for_user(user).filter(initiative_id__in=initiative_ids).order_by("pk"):
        found[row.initiative_id].append(row)
    return found


# What relais learn from each other


def shared_catalogue(user) -> QuerySet[SharedInitiative]:
    """The initiatives done in the organisation, newest first, with their places
    and the photos shown with consent: the relais' catalogue."""
    return (
        SharedInitiative.objects.for_user(user)
        .select_related("kind")
        .prefetch_related(
            Prefetch("residences", queryset=Residence.objects.only("pk", "name"), to_attr="places"),
            Prefetch("photos", queryset=SharedPhoto.objects.for_user(user).order_by("pk"), to_attr="shown_photos"),
        )
        .order_by("-starts_on", "-pk")
    )


def _listed_organisers(user, initiative: Initiative) -> QuerySet[Relais]:
    """The organisers a relais may see named: themselves, and those who agreed
    to be presented to their neighbours."""
    listed = Q(consents__scope="annuaire", consents__withdrawn_on=None)
    return initiative.organisers.filter(Q(user=user) | listed).distinct()


def shared_page(user, initiative: SharedInitiative) -> dict:
    """One initiative of the relais' catalogue: its report, places, the organisers
    who agreed to be named, and the photos shown with consent."""
    return {
        "initiative": initiative,
        "residences": initiative.residences.all(),
        "organisers": _listed_organisers(user, initiative),
        "photos": SharedPhoto.objects.for_user(user).filter(initiative=initiative),
    }


def shared_model(user, pk: str) -> SharedInitiative | None:
    """The initiative a relais chose to do again at home (None if not theirs to read)."""
    return SharedInitiative.objects.for_user(user).select_related("kind").filter(pk=pk).first() if is_id(pk) else None


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


@dataclass
class Lending:
    """What is lent on which days: one row per piece of equipment and per room."""

    days: list[datetime.date]
    rows: list[tuple[str, int | None, list[int]]]  # name, stock (None for a room), amount lent each day
    loans: list[LogisticsRequest]

    @property
    def previous(self) -> datetime.date:
        return self.days[0] - datetime.timedelta(days=len(self.days))

    @property
    def last_day(self) -> datetime.date:
        return self.days[-1]

    @property
    def next(self) -> datetime.date:
        return self.days[-1] + datetime.timedelta(days=1)


def lending_calendar(user, *, start: datetime.date, days: int = 28) -> Lending:
    """The granted loans overlapping `days` days from `start` (three queries)."""
    dates = [start + datetime.timedelta(days=i) for i in range(days)]
    loans = list(
        LogisticsRequest.objects.for_user(user)
        .filter(status=LogisticsRequest.Status.APPROUVEE, starts_on__lte=dates[-1], ends_on__gte=start)
        .select_related("initiative", "room")
        .prefetch_related(Prefetch("lines", queryset=LogisticsLine.objects.select_related("equipment")))
        .order_by("starts_on", "pk")
    )
    stock = list(equipment(user).only("pk", "name", "quantity"))
    lent: dict[tuple[str, int], list[int]] = {("equipment", e.pk): [0] * days for e in stock}
    names = {("equipment", e.pk): (e.name, e.quantity) for e in stock}
    for loan in loans:
        covered = [i for i, day in enumerate(dates) if loan.starts_on <= day <= loan.ends_on]
        for line in loan.lines.all():
            amount = line.granted if line.granted is not None else line.quantity
            row = lent.setdefault(("equipment", line.equipment_id), [0] * days)
            names.setdefault(("equipment", line.equipment_id), (line.equipment.name, line.equipment.quantity))
            for i in covered:
                row[i] += amount
        if loan.room_id and loan.room_starts_at and loan.room_ends_at:
            first = timezone.localdate(loan.room_starts_at)
            last = timezone.localdate(loan.room_ends_at)
            row = lent.setdefault(("room", loan.room_id), [0] * days)
            names.setdefault(("room", loan.room_id), (f"Salle « {loan.room.name} »", None))
            for i, day in enumerate(dates):
                if first <= day <= last:
                    row[i] += 1
    rows = [(*names[key], amounts) for key, amounts in lent.items() if key in names]
    return Lending(days=dates, rows=rows, loans=loans)


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


# What waits for staff (the inbox, inbox/)


def waiting(user, *, limit: int = 10) -> list[WaitingGroup]:
    """Initiatives proposed by relais (still ideas), logistics and grant requests
    waiting for a decision; each group in one query."""
    return [
        waiting_group(
            "initiative-idee",
            "Initiatives proposées",
            Initiative.objects.for_user(user)
            .filter(status=Initiative.Status.IDEE)
            .select_related("kind")
            .order_by("created_at", "pk"),
            limit,
            lambda i: Waiting(
                model="initiatives.initiative",
                pk=i.pk,
                title=i.title,
                detail=f"{i.kind}, {date_range(i.starts_on)}",
                since=i.created_at,
                url=reverse("initiatives:detail", args=[i.pk]),
            ),
        ),
        waiting_group(
            "logistique",
            "Demandes de logistique à décider",
            LogisticsRequest.objects.for_user(user)
            .filter(status=LogisticsRequest.Status.DEMANDEE)
            .select_related("initiative")
            .order_by("requested_at", "pk"),
            limit,
            lambda r: Waiting(
                model="initiatives.logisticsrequest",
                pk=r.pk,
                title=r.initiative.title,
                detail=date_range(r.starts_on, r.ends_on),
                since=r.requested_at,
                url=reverse("initiatives:logistics_decide", args=[r.pk]),
            ),
        ),
        waiting_group(
            "subvention",
            "Demandes de subvention à décider",
            GrantRequest.objects.for_user(user)
            .filter(status=GrantRequest.Status.DEMANDEE)
            .select_related("initiative")
            .order_by("requested_at", "pk"),
            limit,
            lambda g: Waiting(
                model="initiatives.grantrequest",
                pk=g.pk,
                title=g.initiative.title,
                detail=f"{euros(g.amount_requested)} demandés",
                since=g.requested_at,
                url=reverse("initiatives:grant_decide", args=[g.pk]),
            ),
        ),
    ]


def grant_budget(grant: GrantRequest) -> list:
    """A grant request's budget lines (read through its door, with the grant)."""
    return list(grant.budget_lines.all())
