"""Reads that join several models. Each owns its select_related/annotations so
that a page's query count does not grow with its rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum

from core.models import Consent, Membership
from core.search import French
from relais.models import (
    ContactLog,
    ListedRelais,
    Quartier,
    Relais,
    RelaisResidence,
    RelaisStatusChange,
    Residence,
)


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


@dataclass
class Dashboard:
    by_status: dict[str, int]
    residences: int
    dwellings: int
    covered_residences: int
    covered_dwellings: int
    uncovered: list[Residence]

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


def dashboard(user) -> Dashboard:
    """Coverage of the organisation's residences (the relais at risk, beside it on
    the staff's dashboard, are engagement's: engagement/selectors.py)."""
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
    return Dashboard(
        by_status={status: by_status.get(status, 0) for status in Relais.Status.values},
        residences=totals["n_residences"] or 0,
        dwellings=totals["n_dwellings"] or 0,
        covered_residences=totals["n_covered_residences"] or 0,
        covered_dwellings=totals["n_covered_dwellings"] or 0,
        uncovered=uncovered,
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
