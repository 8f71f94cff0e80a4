"""Reads that join several models. Each owns its select_related/annotations so
that a page's query count does not grow with its rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Window
from django.urls import reverse
from django.utils import formats, timezone

from core.models import Consent, Membership
from core.search import French
from core.waiting import Waiting, WaitingGroup, first_rows
from relais.models import (
    ContactLog,
    ListedRelais,
    Quartier,
    Relais,
    RelaisResidence,
    RelaisStatusChange,
    Residence,
)

NO_CONTACT_DAYS = 90


def _has_active_relais() -> Exists:
    return Exists(RelaisResidence.objects.filter(residence=OuterRef("pk"), relais__status=Relais.Status.ACTIF))


def _last_contact() -> Subquery:
    return Subquery(ContactLog.objects.filter(relais=OuterRef("pk")).order_by("-date").values("date")[:1])


def quartier_list(user) -> QuerySet[Quartier]:
    return Quartier.objects.for_user(user).order_by(French("name"))


def residence_list(user) -> QuerySet[Residence]:
    return (
        Residence.objects.for_user(user)
        .select_related("quartier")
        .annotate(
            covered=_has_active_relais(),
            active_relais=Count("relais_links", filter=Q(relais_links__relais__status=Relais.Status.ACTIF)),
        )
        .order_by(French("name"), "pk")
    )


def relais_list(user) -> QuerySet[Relais]:
    return (
        Relais.objects.for_user(user)
        # A subquery rather than a grouped join over every contact: PostgreSQL
        # reads it for the rows shown only, and the page count needs no grouping.
        .annotate(last_contact=_last_contact())
        # A list of its own on each relais (to_attr): no manager per row.
        .prefetch_related(
            Prefetch("relais_links", queryset=RelaisResidence.objects.select_related("residence"), to_attr="links")
        )
        .order_by(French("last_name"), French("first_name"), "pk")
    )


# Two definitions the engagement issue will refine; the dashboard and the inbox
# read them from here only.


def at_risk(user, *, today: datetime.date | None = None) -> QuerySet[Relais]:
    """Relais at risk of drifting away: active, and no exchange with the team
    (call, visit, meeting, message) for NO_CONTACT_DAYS days, or never."""
    cutoff = (today or timezone.localdate()) - datetime.timedelta(days=NO_CONTACT_DAYS)
    return (
        Relais.objects.for_user(user)
        .filter(status=Relais.Status.ACTIF)
        # Each active relais' last exchange read from the index on (relais,
        # -date): a grouped join read every organisation's exchanges.
        .annotate(last_contact=_last_contact())
        .filter(Q(last_contact__lt=cutoff) | Q(last_contact__isnull=True))
    )


def candidates_waiting(user) -> QuerySet[Relais]:
    """Candidates waiting for the team: every relais still « candidat », the
    longest waiting first."""
    return Relais.objects.for_user(user).filter(status=Relais.Status.CANDIDAT).order_by("status_since", "pk")


def waiting(user, *, limit: int = 10) -> list[WaitingGroup]:
    """Candidates waiting and relais gone quiet, for the inbox (inbox/)."""
    candidates_total, candidates = first_rows(candidates_waiting(user), limit)
    quiet_total, quiet = first_rows(at_risk(user).order_by("last_contact", "last_name", "pk"), limit)
    never = "aucun échange enregistré"
    return [
        WaitingGroup(
            kind="candidat",
            label="Candidat·es en attente",
            total=candidates_total,
            items=[
                Waiting(
                    model="relais.relais",
                    pk=r.pk,
                    title=str(r),
                    detail=f"candidat·e depuis le {formats.date_format(r.status_since, 'j F Y')}",
                    since=r.status_since,
                    url=reverse("relais:relais_detail", args=[r.pk]),
                )
                for r in candidates
            ],
        ),
        WaitingGroup(
            kind="relais-silencieux",
            label=f"Relais sans nouvelles depuis {NO_CONTACT_DAYS} jours",
            total=quiet_total,
            items=[
                Waiting(
                    model="relais.relais",
                    pk=r.pk,
                    title=str(r),
                    detail=(
                        f"dernier échange le {formats.date_format(r.last_contact, 'j F Y')}"
                        if r.last_contact
                        else never
                    ),
                    since=r.last_contact,
                    url=reverse("relais:relais_detail", args=[r.pk]),
                )
                for r in quiet
            ],
        ),
    ]


@dataclass
class Dashboard:
    by_status: dict[str, int]
    residences: int
    dwellings: int
    covered_residences: int
    covered_dwellings: int
    uncovered: list[Residence]
    stale_count: int
    stale: list[Relais]
    cutoff: datetime.date

    def share(self, part: int, whole: int) -> int:
        return round(100 * part / whole) if whole else 0

    @property
    def residences_share(self) -> int:
        return self.share(self.covered_residences, self.residences)

    @property
    def uncovered_count(self) -> int:
        return self.residences - self.covered_residences

    @property
    def dwellings_share(self) -> int:
        return self.share(self.covered_dwellings, self.dwellings)


def dashboard(user, *, today: datetime.date | None = None) -> Dashboard:
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=NO_CONTACT_DAYS)
    # Counts only: partners see how many relais there are, never who they are.
    by_status = dict(
        Relais.objects.for_user(user, figures=True).values_list("status").annotate(n=Count("pk")).order_by()
    )
    residences = Residence.objects.for_user(user).annotate(covered=_has_active_relais())
    totals = residences.aggregate(
        n_residences=Count("pk"),
        n_dwellings=Sum("dwellings"),
        n_covered_residences=Count("pk", filter=Q(covered=True)),
        n_covered_dwellings=Sum("dwellings", filter=Q(covered=True)),
    )
    uncovered = list(
        residences.filter(covered=False).select_related("quartier").order_by("-dwellings", French("name"))[:10]
    )
    stale_qs = at_risk(user, today=today)
    # The first ten, each row carrying how many there are in all (one query).
    stale = list(stale_qs.annotate(total=Window(Count("pk"))).order_by("last_contact", "last_name")[:10])
    return Dashboard(
        by_status={status: by_status.get(status, 0) for status in Relais.Status.values},
        residences=totals["n_residences"] or 0,
        dwellings=totals["n_dwellings"] or 0,
        covered_residences=totals["n_covered_residences"] or 0,
        covered_dwellings=totals["n_covered_dwellings"] or 0,
        uncovered=uncovered,
        stale_count=stale[0].total if stale else 0,
        stale=stale,
        cutoff=cutoff,
    )


@dataclass
class TimelineEntry:
    date: datetime.date
    kind: str
    title: str
    note: str
    by: str


def relais_timeline(user, relais: Relais) -> list[TimelineEntry]:
    """Status changes and contacts of one relais, newest first."""
    entries = [
        TimelineEntry(
            date=change.date,
            kind="statut",
            title=(
                f"{change.get_from_status_display()} → {change.get_to_status_display()}"
                if change.from_status
                else f"Inscrit·e comme {change.get_to_status_display().lower()}"
            )
            + (f" ({change.get_exit_reason_display()})" if change.exit_reason else ""),
            note=change.note,
            by=str(change.changed_by or ""),
        )
        for change in RelaisStatusChange.objects.for_user(user).filter(relais=relais).select_related("changed_by")
    ]
    entries += [
        TimelineEntry(
            date=contact.date,
            kind="contact",
            title=contact.get_kind_display(),
            note=contact.note,
            by=str(contact.author or ""),
        )
        for contact in ContactLog.objects.for_user(user).filter(relais=relais).select_related("author")
    ]
    return sorted(entries, key=lambda e: e.date, reverse=True)


def relais_residences(relais: Relais) -> QuerySet[RelaisResidence]:
    """Where a relais (already read through its door) is relais, with the quartiers."""
    return relais.relais_links.select_related("residence__quartier")


def relais_consents(relais: Relais) -> QuerySet[Consent]:
    """The consents a relais (already read through its door) has given and not withdrawn."""
    return relais.consents.filter(withdrawn_on=None)


def residence_relais(user, residence: Residence) -> QuerySet[RelaisResidence]:
    """The relais of a residence this user may see, by status then name."""
    return (
        RelaisResidence.objects.filter(residence=residence, relais__in=Relais.objects.for_user(user))
        .select_related("relais")
        .order_by("relais__status", "relais__last_name")
    )


def team(user) -> QuerySet[Membership]:
    """The organisation's staff and partners (the relais have their own list)."""
    return (
        Membership.objects.for_user(user)
        .exclude(role=Membership.Role.RELAIS)
        .select_related("user")
        .prefetch_related("quartiers")
        .order_by("role", "user__email")
    )


def residence_history(user, residence: Residence) -> QuerySet[RelaisStatusChange]:
    return (
        RelaisStatusChange.objects.for_user(user)
        .filter(relais__relais_links__residence=residence)
        .select_related("relais", "changed_by")
        .order_by("-date", "-created_at")
    )


def directory(user) -> QuerySet[ListedRelais]:
    """The relais who agreed to be listed, by residence then name, each with
    their residences (two queries whatever their number)."""
    return (
        ListedRelais.objects.for_user(user)
        .prefetch_related(
            Prefetch("relais_links", queryset=RelaisResidence.objects.select_related("residence__quartier"))
        )
        .order_by("first_name", "last_name", "pk")
    )
