"""The figures of a bilan, computed from the other apps.

`bilan_figures(organisation, year)` runs a fixed set of aggregate queries (about
twenty, whatever the number of residences, relais or rows) and returns plain
values: the page, the PDF and the tests read the same dictionary. Everything is
counted for one calendar year in the organisation's time zone; "on 31 December"
means the state at the end of that year (or today, for the year in progress).
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from bilans.charts import bar_chart
from bilans.models import Bilan
from core.models import Organisation
from espace.models import Activity
from initiatives.models import GrantRequest, Initiative, LogisticsLine, LogisticsRequest, Partner
from relais.models import Relais, RelaisResidence, RelaisStatusChange, Residence
from remontees.models import RESOLVED, Remontee
from reunions.models import ActionItem, Invitee, Reunion

S = Relais.Status
ANSWER_WITHIN_DAYS = 30


@dataclass(frozen=True)
class Period:
    """A calendar year, or its first part up to `until` (to compare the year in
    progress with the same months of the year before)."""

    year: int
    until: datetime.date | None = None

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def last_day(self) -> datetime.date:
        return min(datetime.date(self.year, 12, 31), self.until or datetime.date(self.year, 12, 31))

    @property
    def as_of(self) -> datetime.date:
        """The day the year's end-states are read on: 31 December, or today for the year in progress."""
        return min(self.last_day, timezone.localdate())

    @property
    def starts(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime(self.year, 1, 1))

    @property
    def ends(self) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(self.last_day + datetime.timedelta(days=1), datetime.time())
        )

    def datetimes(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.starts, f"{field}__lt": self.ends})

    def dates(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.first_day, f"{field}__lte": self.last_day})


def _percent(part: int | float, whole: int | float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _median_days(durations: list[datetime.timedelta]) -> float | None:
    if not durations:
        return None
    return round(statistics.median(d.total_seconds() for d in durations) / 86400, 1)


def _labelled(rows: dict[str, int], choices) -> list[tuple[str, int]]:
    """Counts keyed by a choice value, as (label, count) in the choices' order, zeros left out."""
    return [(label, rows[value]) for value, label in choices if rows.get(value)]


def _residences(organisation: Organisation) -> list[dict]:
    return list(
        Residence.objects.filter(organisation=organisation)
        .order_by("name")
        .values("pk", "name", "dwellings", "quartier__name", "quartier__is_qpv")
    )


def _relais_and_coverage(
    organisation: Organisation, period: Period, residences: list[dict]
) -> tuple[dict, dict, dict[int, set[int]]]:
    # The status each relais had at the end of the period, read from the history.
    status_then = (
        RelaisStatusChange.objects.filter(relais=OuterRef("pk"), date__lte=period.as_of)
        .order_by("-date", "-created_at", "-pk")
        .values("to_status")[:1]
    )
    people = list(
        Relais.objects.filter(organisation=organisation)
        .annotate(
            status_then=Subquery(status_then),
            has_history=Exists(RelaisStatusChange.objects.filter(relais=OuterRef("pk"))),
        )
        .values("pk", "status_then", "has_history", "status", "status_since", "started_on")
    )
    for p in people:
        # A relais entered without history (an old import) is taken as it is now, from the date it says.
        if not p["has_history"] and p["status_since"] <= period.as_of:
            p["status_then"] = p["status"]
    changes = list(
        RelaisStatusChange.objects.filter(period.dates("date"), relais__organisation=organisation)
        .order_by("date", "created_at", "pk")
        .values("relais_id", "from_status", "to_status", "exit_reason")
    )
    links = list(RelaisResidence.objects.filter(relais__organisation=organisation).values("relais_id", "residence_id"))

    active = {p["pk"] for p in people if p["status_then"] == S.ACTIF}
    # `started_on` is the current spell's start: a relais who came back later has none yet at that date.
    seniority = [
        (period.as_of - p["started_on"]).days
        for p in people
        if p["pk"] in active and p["started_on"] and p["started_on"] <= period.as_of
    ]
    # People, not changes: someone who left and came back in the year counts once,
    # with the reason of their last departure.
    left_reason = {
        c["relais_id"]: c["exit_reason"] or Relais.ExitReason.AUTRE for c in changes if c["to_status"] == S.SORTI
    }
    left = Counter(left_reason.values())
    # New: became active from nothing, from candidate or back after leaving (not back from a pause).
    new = {c["relais_id"] for c in changes if c["to_status"] == S.ACTIF and c["from_status"] != S.PAUSE}
    by_residence: dict[int, set[int]] = defaultdict(set)
    for link in links:
        if link["relais_id"] in active:
            by_residence[link["residence_id"]].add(link["relais_id"])
    residence_by_pk = {r["pk"]: r for r in residences}
    by_quartier: dict[str, set[int]] = defaultdict(set)
    for residence_id, relais_ids in by_residence.items():
        by_quartier[residence_by_pk[residence_id]["quartier__name"] or "Sans quartier"] |= relais_ids

    relais = {
        "active": len(active),
        "paused": sum(1 for p in people if p["status_then"] == S.PAUSE),
        "candidates": sum(1 for p in people if p["status_then"] == S.CANDIDAT),
        "new": len(new),
        "left": sum(left.values()),
        "left_by_reason": _labelled(left, Relais.ExitReason.choices),
        "by_quartier": sorted(((name, len(ids)) for name, ids in by_quartier.items()), key=lambda r: (-r[1], r[0])),
        "seniority_years": round(sum(seniority) / len(seniority) / 365.25, 1) if seniority else None,
    }

    def share(rows: list[dict]) -> dict:
        covered = [r for r in rows if r["pk"] in by_residence]
        dwellings = sum(r["dwellings"] for r in rows)
        covered_dwellings = sum(r["dwellings"] for r in covered)
        return {
            "residences": len(rows),
            "covered": len(covered),
            "covered_percent": _percent(len(covered), len(rows)),
            "dwellings": dwellings,
            "covered_dwellings": covered_dwellings,
            "covered_dwellings_percent": _percent(covered_dwellings, dwellings),
        }

    uncovered = sorted(
        (r for r in residences if r["pk"] not in by_residence), key=lambda r: (-r["dwellings"], r["name"])
    )
    coverage = {
        **share(residences),
        "qpv": share([r for r in residences if r["quartier__is_qpv"]]),
        "not_qpv": share([r for r in residences if not r["quartier__is_qpv"]]),
        "largest_uncovered": [(r["name"], r["dwellings"]) for r in uncovered[:10]],
    }
    return relais, coverage, by_residence


def _reunions(organisation: Organisation, period: Period) -> dict:
    R = Reunion.Status
    rows = Counter()
    for row in (
        Reunion.objects.filter(period.datetimes("starts_at"), organisation=organisation)
        .values("kind", "status")
        .annotate(n=Count("pk"))
    ):
        rows[(row["kind"], row["status"])] += row["n"]
    # Attendance counts only at meetings where someone ticked it: a meeting held
    # but never ticked says nothing about who came.
    ticked = Reunion.objects.filter(organisation=organisation, invitees__attended__isnull=False).values("pk")
    held = Q(reunion__status=R.TENUE, reunion__in=ticked)
    invitees = Invitee.objects.filter(
        period.datetimes("reunion__starts_at"), reunion__organisation=organisation
    ).aggregate(
        invitations=Count("pk", filter=Q(invited=True)),
        answers=Count("pk", filter=Q(invited=True) & ~Q(answer="")),
        present=Count("pk", filter=Q(invited=True, answer=Invitee.Answer.PRESENT)),
        absent=Count("pk", filter=Q(invited=True, answer=Invitee.Answer.ABSENT)),
        maybe=Count("pk", filter=Q(invited=True, answer=Invitee.Answer.PEUT_ETRE)),
        invited_to_held=Count("pk", filter=held & Q(invited=True)),
        attended_invited=Count("pk", filter=held & Q(invited=True, attended=True)),
        attended=Count("pk", filter=held & Q(attended=True)),
    )
    # Actions count with the meeting that decided them.
    actions = ActionItem.objects.filter(reunion__organisation=organisation)
    done = Q(status=ActionItem.Status.FAITE, closed_on__lte=period.as_of)
    action_counts = actions.aggregate(
        opened=Count("pk", filter=period.datetimes("reunion__starts_at")),
        done=Count("pk", filter=done & period.dates("closed_on")),
        overdue=Count(
            "pk",
            filter=Q(reunion__starts_at__lt=period.ends, due_on__lt=period.as_of)
            & ~Q(status=ActionItem.Status.ABANDONNEE)
            & ~done,
        ),
    )
    by_kind = [
        (label, rows[(value, R.TENUE)], rows[(value, R.ANNULEE)], rows[(value, R.PREVUE)])
        for value, label in Reunion.Kind.choices
        if any(rows[(value, s)] for s in R.values)
    ]
    return {
        "held": sum(n for (_, status), n in rows.items() if status == R.TENUE),
        "cancelled": sum(n for (_, status), n in rows.items() if status == R.ANNULEE),
        "planned": sum(n for (_, status), n in rows.items() if status == R.PREVUE),
        "by_kind": by_kind,
        **invitees,
        "answer_rate": _percent(invitees["answers"], invitees["invitations"]),
        "attendance_rate": _percent(invitees["attended_invited"], invitees["invited_to_held"]),
        "actions": action_counts,
    }


def _remontees(organisation: Organisation, period: Period) -> tuple[dict, Counter]:
    raised = Remontee.objects.filter(period.datetimes("created_at"), organisation=organisation)
    by_theme: dict[str, Counter] = defaultdict(Counter)
    for row in raised.values("theme__name", "status").annotate(n=Count("pk")):
        by_theme[row["theme__name"]][row["status"]] += row["n"]
    timings = list(raised.values_list("created_at", "answered_at", "closed_at", "status", "residence_id"))
    to_answer = [answered - created for created, answered, _, _, _ in timings if answered]
    # « Résolue — à confirmer » is résolue from the day the service said « fait » (closed_at).
    to_resolve = [closed - created for created, _, closed, status, _ in timings if status in RESOLVED and closed]
    statuses = Counter(status for *_, status, _ in timings)
    total = len(timings)
    # The 30-day share counts the remontées old enough to have had 30 days; one
    # still waiting after 30 days counts as late.
    limit = datetime.timedelta(days=ANSWER_WITHIN_DAYS)
    cutoff = timezone.make_aware(datetime.datetime.combine(period.as_of + datetime.timedelta(days=1), datetime.time()))
    old_enough = [(created, answered) for created, answered, *_ in timings if created + limit <= cutoff]
    within = sum(1 for created, answered in old_enough if answered and answered - created <= limit)
    per_residence = Counter(residence_id for *_, residence_id in timings)
    return {
        "total": total,
        "by_status": _labelled(statuses, Remontee.Status.choices),
        "resolved": sum(statuses[s] for s in RESOLVED),
        "declined": statuses[Remontee.Status.NON_RETENUE],
        "by_theme": sorted(
            ((name, sum(c.values()), sum(c[s] for s in RESOLVED)) for name, c in by_theme.items()),
            key=lambda r: (-r[1], r[0]),
        ),
        "median_days_to_answer": _median_days(to_answer),
        "median_days_to_resolve": _median_days(to_resolve),
        "unanswered": sum(1 for _, answered, *_ in timings if answered is None),
        "answered_within": within,
        "answerable": len(old_enough),
        "answered_within_percent": _percent(within, len(old_enough)),
        "within_days": ANSWER_WITHIN_DAYS,
    }, per_residence


def _initiatives(organisation: Organisation, period: Period) -> dict:
    I = Initiative.Status  # noqa: E741
    of_year = Initiative.objects.filter(period.dates("starts_on"), organisation=organisation)
    rows: dict[str, Counter] = defaultdict(Counter)
    for row in of_year.values("kind__name", "status").annotate(n=Count("pk")):
        rows[row["kind__name"]][row["status"]] += row["n"]
    done = of_year.filter(status=I.REALISEE).aggregate(
        count=Count("pk"),
        sum_participants=Sum("participants"),
        sum_children=Sum("children"),
        sum_adults=Sum("adults"),
        sum_seniors=Sum("seniors"),
        sum_newcomers=Sum("newcomers"),
        with_split=Count("pk", filter=Q(children__isnull=False) | Q(adults__isnull=False) | Q(seniors__isnull=False)),
    )
    partners = list(
        Partner.objects.filter(initiatives__in=of_year.exclude(status=I.ANNULEE))
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)
    )
    approved = LogisticsRequest.objects.filter(
        period.dates("starts_on"),
        initiative__organisation=organisation,
        status=LogisticsRequest.Status.APPROUVEE,
    )
    lent = list(
        LogisticsLine.objects.filter(request__in=approved, granted__gt=0)
        .values("equipment__name")
        .annotate(total=Sum("granted"))
        .order_by("-total", "equipment__name")
        .values_list("equipment__name", "total")
    )
    requests = approved.aggregate(count=Count("pk"), rooms=Count("pk", filter=Q(room__isnull=False)))
    grants = GrantRequest.objects.filter(
        period.datetimes("requested_at"), initiative__organisation=organisation
    ).aggregate(
        count=Count("pk"),
        requested=Sum("amount_requested"),
        granted_count=Count("pk", filter=Q(status=GrantRequest.Status.ACCORDEE)),
        granted=Sum("amount_granted", filter=Q(status=GrantRequest.Status.ACCORDEE)),
        refused=Count("pk", filter=Q(status=GrantRequest.Status.REFUSEE)),
    )
    return {
        "total": sum(sum(c.values()) for c in rows.values()),
        "done": done["count"],
        "cancelled": sum(c[I.ANNULEE] for c in rows.values()),
        "by_kind": sorted(
            ((name, sum(c.values()), c[I.REALISEE]) for name, c in rows.items()), key=lambda r: (-r[1], r[0])
        ),
        "participants": done["sum_participants"] or 0,
        "split": {k: done[f"sum_{k}"] or 0 for k in ("children", "adults", "seniors", "newcomers")},
        "with_split": done["with_split"],
        "partners": partners,
        "lent": lent,
        "logistics_approved": requests["count"],
        "rooms_booked": requests["rooms"],
        "grants": {k: v or 0 for k, v in grants.items()},
    }


def _activity(organisation: Organisation, period: Period) -> dict:
    """What the relais logged from their phones: counts and themes, no names."""
    rows = list(
        Activity.objects.filter(period.dates("date"), organisation=organisation)
        .values("kind", "theme")
        .annotate(n=Count("pk"), households=Sum("households"))
    )
    by_kind, by_theme, households = Counter(), Counter(), 0
    for row in rows:
        by_kind[row["kind"]] += row["n"]
        by_theme[row["theme"]] += row["n"]
        households += row["households"] or 0
    return {
        "total": sum(by_kind.values()),
        "households": households,
        "by_kind": _labelled(by_kind, Activity.Kind.choices),
        "by_theme": _labelled(by_theme, Activity.Theme.choices),
    }


def _initiatives_by_residence(organisation: Organisation, period: Period) -> dict[int, tuple[int, int]]:
    through = Initiative.residences.through
    rows = (
        through.objects.filter(
            initiative__organisation=organisation,
            initiative__starts_on__gte=period.first_day,
            initiative__starts_on__lte=period.last_day,
        )
        .exclude(initiative__status=Initiative.Status.ANNULEE)
        .values("residence_id")
        .annotate(
            n=Count("initiative_id"),
            participants=Sum("initiative__participants", filter=Q(initiative__status=Initiative.Status.REALISEE)),
        )
    )
    return {row["residence_id"]: (row["n"], row["participants"] or 0) for row in rows}


def bilan_figures(organisation: Organisation, year: int, *, until: datetime.date | None = None) -> dict:
    period = Period(year, until)
    residences = _residences(organisation)
    relais, coverage, relais_by_residence = _relais_and_coverage(organisation, period, residences)
    remontees, remontees_by_residence = _remontees(organisation, period)
    initiatives = _initiatives(organisation, period)
    reunions = _reunions(organisation, period)
    initiatives_by_residence = _initiatives_by_residence(organisation, period)
    activity = _activity(organisation, period)
    annex = [
        {
            "name": r["name"],
            "quartier": r["quartier__name"] or "",
            "qpv": r["quartier__is_qpv"],
            "dwellings": r["dwellings"],
            "relais": len(relais_by_residence.get(r["pk"], ())),
            "remontees": remontees_by_residence.get(r["pk"], 0),
            "initiatives": initiatives_by_residence.get(r["pk"], (0, 0))[0],
            "participants": initiatives_by_residence.get(r["pk"], (0, 0))[1],
        }
        for r in residences
    ]
    empty = not (
        relais["active"]
        or relais["new"]
        or relais["left"]
        or reunions["held"] + reunions["cancelled"] + reunions["planned"]
        or remontees["total"]
        or initiatives["total"]
        or activity["total"]
    )
    return {
        "year": year,
        "as_of": period.as_of,
        "whole_year": period.as_of == datetime.date(year, 12, 31),
        "empty": empty,
        "relais": relais,
        "coverage": coverage,
        "reunions": reunions,
        "remontees": remontees,
        "initiatives": initiatives,
        "activity": activity,
        "annex": annex,
    }


# The key figures compared with the previous year: (label, path in the figures, unit).
KEY_FIGURES = [
    ("Relais actifs en fin de période", "relais.active", ""),
    ("Nouveaux relais", "relais.new", ""),
    ("Relais sortis", "relais.left", ""),
    ("Résidences avec au moins un relais", "coverage.covered", ""),
    ("Logements couverts", "coverage.covered_dwellings", ""),
    ("Réunions tenues", "reunions.held", ""),
    ("Invitations envoyées", "reunions.invitations", ""),
    ("Taux de présence", "reunions.attendance_rate", "%"),
    ("Remontées reçues", "remontees.total", ""),
    ("Remontées résolues", "remontees.resolved", ""),
    ("Délai médian de première réponse", "remontees.median_days_to_answer", "j"),
    ("Part des remontées répondues sous 30 jours", "remontees.answered_within_percent", "%"),
    ("Initiatives réalisées", "initiatives.done", ""),
    ("Participants aux initiatives", "initiatives.participants", ""),
    ("Subventions accordées", "initiatives.grants.granted", "€"),
    ("Activités notées par les relais", "activity.total", ""),
    ("Foyers rencontrés par les relais", "activity.households", ""),
]


def _get(figures: dict, path: str):
    value = figures
    for key in path.split("."):
        value = value[key]
    return value


def bilan_comparison(current: dict, previous: dict) -> list[dict]:
    rows = []
    for label, path, unit in KEY_FIGURES:
        now, before = _get(current, path), _get(previous, path)
        delta = now - before if now is not None and before is not None else None
        rows.append({"label": label, "unit": unit, "current": now, "previous": before, "delta": delta})
    return rows


# The pages


def bilan_list(user) -> QuerySet[Bilan]:
    return Bilan.objects.for_user(user).select_related("organisation")


def example_choices(bilan: Bilan) -> QuerySet[Remontee]:
    """The remontées staff may pick as examples: those of the year that were closed with an answer."""
    return (
        Remontee.objects.filter(
            organisation=bilan.organisation,
            created_at__year=bilan.year,
            status__in=[Remontee.Status.RESOLUE, Remontee.Status.NON_RETENUE],
        )
        .select_related("theme", "residence")
        .order_by("-closed_at", "-created_at")
    )


def bilan_context(bilan: Bilan) -> dict:
    """Everything the page and the PDF show: the figures of the year and of the one before."""
    current = bilan_figures(bilan.organisation, bilan.year)
    # The year in progress is compared with the same months of the year before.
    cut = None
    if not current["whole_year"]:
        as_of = current["as_of"]
        cut = (
            as_of.replace(year=as_of.year - 1, day=28)
            if (as_of.month, as_of.day) == (2, 29)
            else as_of.replace(year=as_of.year - 1)
        )
    previous = bilan_figures(bilan.organisation, bilan.year - 1, until=cut)
    examples = list(bilan.examples.select_related("theme", "residence")) if bilan.pk else []
    year, before = str(bilan.year), str(bilan.year - 1)
    charts = {
        "quartiers": bar_chart(current["relais"]["by_quartier"], title="Relais actifs par quartier"),
        "reunions": bar_chart(
            [(label, held) for label, held, *_ in current["reunions"]["by_kind"]], title="Réunions tenues par type"
        ),
        "themes": bar_chart(
            [(name, total, resolved) for name, total, resolved in current["remontees"]["by_theme"]],
            title="Remontées par thème",
            legend=("reçues", "résolues"),
        ),
        "initiatives": bar_chart(
            [(name, total, done) for name, total, done in current["initiatives"]["by_kind"]],
            title="Initiatives par type",
            legend=("toutes", "réalisées"),
        ),
        "comparison": bar_chart(
            [
                (row["label"], row["current"] or 0, row["previous"] or 0)
                for row in bilan_comparison(current, previous)
                # Counts of people, meetings and events only: dwellings and invitations would flatten the rest.
                if row["unit"] == "" and row["label"] not in ("Logements couverts", "Invitations envoyées")
            ],
            title=f"{year} comparé à {before}",
            legend=(year, before),
        ),
    }
    return {
        "bilan": bilan,
        "organisation": bilan.organisation,
        "year": year,
        "previous_year": before,
        "previous_until": cut,
        "figures": current,
        "previous": previous,
        "comparison": bilan_comparison(current, previous),
        "charts": charts,
        "examples": examples,
    }
