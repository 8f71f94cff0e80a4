"""The figures of a bilan, computed from the other apps.

`bilan_figures(organisation, year)` runs a fixed set of aggregate queries (about
twenty, whatever the number of residences, relais or rows) and returns plain
values: the page, the PDF, the workbook and the tests read the same dictionary.

The definitions, in one place (DEFINITIONS below is what the document prints):
everything is counted over the period in the organisation's time zone, and every
state is read **as at the period's end** (31 December, or today for the period
in progress) from the histories the apps keep: the relais' status changes, the
remontées' events, the initiatives' status changes. A remontée resolved after
the end counts as unresolved, an initiative reported after it as not done yet,
so that two periods are compared on equal terms.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from bilans.models import Bilan, period_label
from core.charts import bar_chart, tint
from core.models import Organisation
from engagement import selectors as engagement
from enquetes.selectors import barometer
from espace.models import Activity
from initiatives.models import (
    GrantRequest,
    Initiative,
    InitiativeStatusChange,
    LogisticsLine,
    LogisticsRequest,
    Partner,
)
from relais.models import Relais, RelaisResidence, RelaisStatusChange, Residence, spell_start
from remontees.models import RESOLVED, Remontee, RemonteeEvent
from reunions.models import ActionItem, Invitee, Reunion

S = Relais.Status
ANSWER_WITHIN_DAYS = 30
# « Résolue » and « résolue — à confirmer » (the service said « fait », the relais
# has not confirmed yet) both count as resolved, from the day the service said so.

DEFINITIONS = [
    (
        "Date d'arrêt",
        "Chaque chiffre est lu tel qu'il était à la fin de la période (le 31 décembre, ou le jour du bilan "
        "pour l'année en cours) : une remontée résolue après cette date compte comme non résolue, une "
        "initiative racontée après comme non réalisée.",
    ),
    (
        "Relais actif",
        "Un relais dont le statut était « actif » à la date d'arrêt, d'après l'historique de ses statuts. "
        "Les relais en pause ou candidats ne comptent pas.",
    ),
    (
        "Ancienneté",
        "Elle compte depuis le dernier début d'engagement : un relais parti puis revenu (directement ou en "
        "repassant candidat) recommence à zéro ; une pause ne l'interrompt pas.",
    ),
    (
        "Nouveaux relais, relais sortis",
        "Des personnes, pas des changements : une personne partie puis revenue dans la période compte une "
        "fois, avec le motif de son dernier départ. Un retour de pause n'est pas un nouveau relais.",
    ),
    (
        "Réunion tenue",
        "Une réunion dont la date est passée et qui n'a pas été annulée, compte rendu publié ou non. "
        "Le taux de présence ne compte que les réunions où la présence a été notée.",
    ),
    (
        "Remontée résolue",
        "Résolue, ou résolue et en attente de confirmation par le relais, à la date d'arrêt.",
    ),
    (
        "Doubles comptes",
        "Un relais de deux résidences compte dans chacune (et dans chaque quartier) ; une initiative commune "
        "à plusieurs résidences compte, avec ses participants, dans chacune. Les totaux, eux, comptent "
        "chaque relais et chaque initiative une seule fois : c'est pourquoi les lignes peuvent dépasser le total.",
    ),
    (
        "Heures données",
        "Le temps des relais présents aux réunions tenues (leur durée, ou le temps noté par l'équipe), des "
        "organisateurs des initiatives réalisées et des actions notées depuis le téléphone. Leur valeur est "
        "celle d'une heure choisie par l'organisation, écrite avec sa source.",
    ),
    (
        "Fidélité des relais",
        "Parmi les relais actifs la veille du début de la période, la part encore active à la date d'arrêt.",
    ),
    ("Montants", "Les montants sont en euros, au centime près ; les subventions sont comptées à leur date de demande."),
]


@dataclass(frozen=True)
class Period:
    """A period of days, `first_day` to `last` (a calendar year by default), cut
    at `until` to compare the period in progress with the same days before."""

    first_day: datetime.date
    last: datetime.date
    until: datetime.date | None = None

    @classmethod
    def calendar(cls, year: int, until: datetime.date | None = None) -> Period:
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), until)

    @property
    def year(self) -> int:
        return self.first_day.year

    @property
    def last_day(self) -> datetime.date:
        return min(self.last, self.until or self.last)

    @property
    def as_of(self) -> datetime.date:
        """The day the period's end-states are read on: its last day, or today for the period in progress."""
        return min(self.last_day, timezone.localdate())

    @property
    def whole(self) -> bool:
        return self.as_of == self.last

    @property
    def starts(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.first_day, datetime.time()))

    @property
    def ends(self) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(self.last_day + datetime.timedelta(days=1), datetime.time())
        )

    @property
    def cutoff(self) -> datetime.datetime:
        """The moment states are read at: the end of `as_of` (or now, whichever comes first)."""
        end = timezone.make_aware(datetime.datetime.combine(self.as_of + datetime.timedelta(days=1), datetime.time()))
        return min(end, timezone.now())

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
    # Each relais' history up to the period's end, in the order it happened: the
    # status they had then and the start of their spell then.
    history = RelaisStatusChange.objects.filter(relais__organisation=organisation, date__lte=period.as_of)
    status_then, started_then = {}, {}
    rows = history.order_by("relais_id", "date", "created_at", "pk").values_list(
        "relais_id", "from_status", "to_status", "date"
    )
    for relais_id, changes in groupby(rows, key=lambda row: row[0]):
        changes = [row[1:] for row in changes]
        status_then[relais_id] = changes[-1][1]
        started_then[relais_id] = spell_start(changes)
    # A relais entered without history (an old import) is taken as it is now, from the date it says.
    for p in (
        Relais.objects.filter(organisation=organisation, status_changes__isnull=True, status_since__lte=period.as_of)
        .values("pk", "status", "started_on")
        .order_by()
    ):
        status_then[p["pk"]] = p["status"]
        started_then[p["pk"]] = p["started_on"]
    changes = list(
        history.filter(period.dates("date"))
        .order_by("date", "created_at", "pk")
        .values("relais_id", "from_status", "to_status", "exit_reason")
    )
    links = list(RelaisResidence.objects.filter(relais__organisation=organisation).values("relais_id", "residence_id"))

    active = {pk for pk, status in status_then.items() if status == S.ACTIF}
    seniority = [(period.as_of - started_then[pk]).days for pk in active if started_then.get(pk)]
    # People, not changes: someone who left and came back in the year counts once,
    # with the reason of their last departure.
    left_reason = {
        c["relais_id"]: c["exit_reason"] or Relais.ExitReason.AUTRE for c in changes if c["to_status"] == S.SORTI
    }
    left = Counter(left_reason.values())
    # New: began a spell (relais.models.starts_a_spell): from nothing, from candidate or back after leaving.
    new = {c["relais_id"] for c in changes if c["to_status"] == S.ACTIF and c["from_status"] != S.PAUSE}
    by_residence: dict[int, set[int]] = defaultdict(set)
    for link in links:
        if link["relais_id"] in active:
            by_residence[link["residence_id"]].add(link["relais_id"])
    residence_by_pk = {r["pk"]: r for r in residences}
    by_quartier: dict[str, set[int]] = defaultdict(set)
    for residence_id, relais_ids in by_residence.items():
        by_quartier[residence_by_pk[residence_id]["quartier__name"] or "Sans quartier"] |= relais_ids
    quartiers_of = Counter(pk for ids in by_quartier.values() for pk in ids)

    relais = {
        "active": len(active),
        "paused": sum(1 for status in status_then.values() if status == S.PAUSE),
        "candidates": sum(1 for status in status_then.values() if status == S.CANDIDAT),
        "new": len(new),
        "left": sum(left.values()),
        "left_by_reason": _labelled(left, Relais.ExitReason.choices),
        "by_quartier": sorted(((name, len(ids)) for name, ids in by_quartier.items()), key=lambda r: (-r[1], r[0])),
        "seniority_years": round(sum(seniority) / len(seniority) / 365.25, 1) if seniority else None,
        # Stated, not hidden: a relais of two quartiers counts in each bar.
        "by_quartier_sum": sum(quartiers_of.values()),
        "in_several_quartiers": sum(1 for n in quartiers_of.values() if n > 1),
        "in_several_residences": sum(
            1 for n in Counter(pk for ids in by_residence.values() for pk in ids).values() if n > 1
        ),
        "with_residence": len({pk for ids in by_residence.values() for pk in ids}),
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
    # Held: its date has passed (by the period's end) and it was not cancelled;
    # minutes and attendance are not required. Planned: not cancelled, still to come.
    meetings = Reunion.objects.filter(period.datetimes("starts_at"), organisation=organisation)
    held_q = ~Q(status=R.ANNULEE) & Q(starts_at__lt=period.cutoff)
    rows = Counter()
    for row in (
        meetings.values("kind")
        .annotate(
            held=Count("pk", filter=held_q),
            cancelled=Count("pk", filter=Q(status=R.ANNULEE)),
            planned=Count("pk", filter=~Q(status=R.ANNULEE) & Q(starts_at__gte=period.cutoff)),
        )
        .order_by()
    ):
        for state in ("held", "cancelled", "planned"):
            rows[(row["kind"], state)] += row[state]
    # Attendance counts only at meetings where someone ticked it: a meeting held
    # but never ticked says nothing about who came.
    ticked = Reunion.objects.filter(organisation=organisation, invitees__attended__isnull=False).values("pk")
    held = Q(reunion__in=ticked) & ~Q(reunion__status=R.ANNULEE) & Q(reunion__starts_at__lt=period.cutoff)
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
    actions = ActionItem.objects.filter(organisation=organisation)
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
    states = ("held", "cancelled", "planned")
    by_kind = [
        (label, *(rows[(value, state)] for state in states))
        for value, label in Reunion.Kind.choices
        if any(rows[(value, state)] for state in states)
    ]
    return {
        **{state: sum(n for (_, st), n in rows.items() if st == state) for state in states},
        "by_kind": by_kind,
        **invitees,
        "answer_rate": _percent(invitees["answers"], invitees["invitations"]),
        "attendance_rate": _percent(invitees["attended_invited"], invitees["invited_to_held"]),
        "actions": action_counts,
    }


def _remontees(organisation: Organisation, period: Period) -> tuple[dict, Counter]:
    last_event = RemonteeEvent.objects.filter(remontee=OuterRef("pk"), at__lt=period.cutoff).order_by("-at", "-pk")
    raised = (
        Remontee.objects.filter(period.datetimes("created_at"), organisation=organisation)
        # The status at the period's end, from the remontée's events (one raised
        # before events were kept is taken as it is now).
        .annotate(
            status_then=Coalesce(Subquery(last_event.values("status")[:1]), "status"),
            status_then_at=Subquery(last_event.values("at")[:1]),
        )
    )
    cutoff = period.cutoff
    timings = []
    for created, answered, closed, status, residence_id, theme, changed in raised.values_list(
        "created_at", "answered_at", "closed_at", "status_then", "residence_id", "theme__name", "status_then_at"
    ).order_by():
        answered = answered if answered and answered < cutoff else None
        if status in RESOLVED:
            closed = closed if closed and closed < cutoff else changed
        else:
            closed = None
        timings.append((created, answered, closed, status, residence_id, theme))
    by_theme: dict[str, Counter] = defaultdict(Counter)
    for *_, status, _, theme in timings:
        by_theme[theme][status] += 1
    to_answer = [answered - created for created, answered, *_ in timings if answered]
    to_resolve = [closed - created for created, _, closed, *_ in timings if closed]
    statuses = Counter(status for *_, status, _, _ in timings)
    total = len(timings)
    # The 30-day share counts the remontées old enough to have had 30 days; one
    # still waiting after 30 days counts as late.
    limit = datetime.timedelta(days=ANSWER_WITHIN_DAYS)
    old_enough = [(created, answered) for created, answered, *_ in timings if created + limit <= cutoff]
    within = sum(1 for created, answered in old_enough if answered and answered - created <= limit)
    per_residence = Counter(residence_id for *_, residence_id, _ in timings)
    resolved = sum(statuses[s] for s in RESOLVED)
    return {
        "total": total,
        "by_status": _labelled(statuses, Remontee.Status.choices),
        "resolved": resolved,
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


def _initiatives_then(organisation: Organisation, period: Period) -> QuerySet[Initiative]:
    """The initiatives of the period with `status_then`, their status at its end
    (from their history; one entered after the end keeps its first status)."""
    changes = InitiativeStatusChange.objects.filter(initiative=OuterRef("pk"))
    return Initiative.objects.filter(period.dates("starts_on"), organisation=organisation).annotate(
        status_then=Coalesce(
            Subquery(changes.filter(at__lt=period.cutoff).order_by("-at", "-pk").values("to_status")[:1]),
            Subquery(changes.order_by("at", "pk").values("to_status")[:1]),
            "status",
        )
    )


def _initiatives(organisation: Organisation, period: Period) -> dict:
    I = Initiative.Status  # noqa: E741
    of_year = _initiatives_then(organisation, period)
    rows: dict[str, Counter] = defaultdict(Counter)
    for row in of_year.values("kind__name", "status_then").annotate(n=Count("pk")).order_by():
        rows[row["kind__name"]][row["status_then"]] += row["n"]
    done = of_year.filter(status_then=I.REALISEE).aggregate(
        count=Count("pk"),
        sum_participants=Sum("participants"),
        sum_children=Sum("children"),
        sum_adults=Sum("adults"),
        sum_seniors=Sum("seniors"),
        sum_newcomers=Sum("newcomers"),
        with_split=Count("pk", filter=Q(children__isnull=False) | Q(adults__isnull=False) | Q(seniors__isnull=False)),
    )
    partners = list(
        Partner.objects.filter(initiatives__in=of_year.exclude(status_then=I.ANNULEE).values("pk"))
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
    decided = Q(decided_on__lte=period.as_of)  # a decision after the period's end is not known then
    grants = GrantRequest.objects.filter(
        period.datetimes("requested_at"), initiative__organisation=organisation
    ).aggregate(
        count=Count("pk"),
        requested=Sum("amount_requested"),
        granted_count=Count("pk", filter=decided & Q(status=GrantRequest.Status.ACCORDEE)),
        granted=Sum("amount_granted", filter=decided & Q(status=GrantRequest.Status.ACCORDEE)),
        refused=Count("pk", filter=decided & Q(status=GrantRequest.Status.REFUSEE)),
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


def _initiatives_by_residence(organisation: Organisation, period: Period) -> tuple[dict[int, tuple[int, int]], dict]:
    """Per residence: initiatives not cancelled (at the period's end) and the
    participants of those done; and the totals, each initiative once."""
    I = Initiative.Status  # noqa: E741
    of_year = {
        pk: (status, participants or 0)
        for pk, status, participants in _initiatives_then(organisation, period)
        .exclude(status_then=I.ANNULEE)
        .values_list("pk", "status_then", "participants")
        .order_by()
    }
    through = Initiative.residences.through
    links = list(
        through.objects.filter(initiative__organisation=organisation, initiative_id__in=list(of_year)).values_list(
            "residence_id", "initiative_id"
        )
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for residence_id, initiative_id in links:
        status, participants = of_year[initiative_id]
        counts[residence_id][0] += 1
        counts[residence_id][1] += participants if status == I.REALISEE else 0
    placed = {initiative_id for _, initiative_id in links}
    shared = Counter(initiative_id for _, initiative_id in links)
    totals = {
        "initiatives": len(placed),
        "participants": sum(p for pk, (status, p) in of_year.items() if pk in placed and status == I.REALISEE),
        "shared_initiatives": sum(1 for n in shared.values() if n > 1),
    }
    return {pk: (n, p) for pk, (n, p) in counts.items()}, totals


def bilan_figures(
    organisation: Organisation,
    year: int | None = None,
    *,
    until: datetime.date | None = None,
    period: Period | None = None,
) -> dict:
    period = period or Period.calendar(year, until)
    residences = _residences(organisation)
    relais, coverage, relais_by_residence = _relais_and_coverage(organisation, period, residences)
    remontees, remontees_by_residence = _remontees(organisation, period)
    initiatives = _initiatives(organisation, period)
    reunions = _reunions(organisation, period)
    initiatives_by_residence, initiative_totals = _initiatives_by_residence(organisation, period)
    activity = _activity(organisation, period)
    # Hours given and their value, retention: defined once, in engagement/selectors.py.
    given = engagement.bilan_figures(organisation.pk, period.first_day, period.last_day, period.as_of)
    # Remontées by quartier, QPV first: each remontée has one residence, so these add up.
    by_quartier: dict[tuple[bool, str], int] = Counter()
    for r in residences:
        if n := remontees_by_residence.get(r["pk"]):
            by_quartier[(bool(r["quartier__is_qpv"]), r["quartier__name"] or "Sans quartier")] += n
    remontees["by_quartier"] = [
        (name, qpv, n) for (qpv, name), n in sorted(by_quartier.items(), key=lambda kv: (not kv[0][0], kv[0][1]))
    ]
    remontees["qpv"] = sum(n for (qpv, _), n in by_quartier.items() if qpv)
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
    annex_totals = {
        "dwellings": sum(r["dwellings"] for r in residences),
        "relais": relais["with_residence"],
        "remontees": sum(remontees_by_residence.values()),
        **initiative_totals,
    }
    return {
        "year": period.year,
        "first_day": period.first_day,
        "last_day": period.last,
        "as_of": period.as_of,
        "whole_year": period.whole,
        "empty": empty,
        "relais": relais,
        "coverage": coverage,
        "reunions": reunions,
        "remontees": remontees,
        "initiatives": initiatives,
        "activity": activity,
        "engagement": given,
        "annex": annex,
        "annex_totals": annex_totals,
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
    ("Heures données par les relais", "engagement.hours", "h"),
    ("Valeur du temps donné", "engagement.value", "€"),
    ("Relais actifs un an plus tôt toujours actifs", "engagement.retention.percent", "%"),
]


def value_at(figures: dict, path: str):
    value = figures
    for key in path.split("."):
        value = value[key]
    return value


def bilan_comparison(current: dict, previous: dict) -> list[dict]:
    rows = []
    for label, path, unit in KEY_FIGURES:
        now, before = value_at(current, path), value_at(previous, path)
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
            created_at__date__gte=bilan.bounds[0],
            created_at__date__lte=bilan.bounds[1],
            status__in=[Remontee.Status.RESOLUE, Remontee.Status.NON_RETENUE],
        )
        .select_related("theme", "residence")
        .order_by("-closed_at", "-created_at")
    )


def bilan_lists(organisation: Organisation, period: Period) -> dict:
    """What the plenary reads line by line: the meetings held, the initiatives
    (not cancelled) and the grants of the period. A fixed number of queries."""
    R = Reunion.Status
    meetings = [
        {
            "day": timezone.localtime(row["starts_at"]).date(),
            "kind": Reunion.Kind(row["kind"]).label if row["kind"] in Reunion.Kind.values else row["kind"],
            "title": row["title"],
            "themes": row["themes"],
            "invited": row["invited"],
            "present": row["present"] if row["ticked"] else None,
        }
        for row in Reunion.objects.filter(period.datetimes("starts_at"), organisation=organisation)
        .exclude(status=R.ANNULEE)
        .filter(starts_at__lt=period.cutoff)
        .annotate(
            invited=Count("invitees", filter=Q(invitees__invited=True)),
            present=Count("invitees", filter=Q(invitees__attended=True)),
            ticked=Count("invitees", filter=Q(invitees__attended__isnull=False)),
        )
        .values("starts_at", "kind", "title", "themes", "invited", "present", "ticked")
        .order_by("starts_at", "pk")
    ]
    I = Initiative.Status  # noqa: E741
    initiatives = list(
        _initiatives_then(organisation, period)
        .exclude(status_then=I.ANNULEE)
        .values("pk", "title", "starts_on", "place", "status_then", "participants", "kind__name", "quartier__name")
        .order_by("starts_on", "pk")
    )
    ids = [row["pk"] for row in initiatives]
    places, partners = defaultdict(list), defaultdict(list)
    for initiative_id, name in (
        Initiative.residences.through.objects.filter(initiative_id__in=ids)
        .order_by("residence__name")
        .values_list("initiative_id", "residence__name")
    ):
        places[initiative_id].append(name)
    for initiative_id, name in (
        Initiative.partners.through.objects.filter(initiative_id__in=ids)
        .order_by("partner__name")
        .values_list("initiative_id", "partner__name")
    ):
        partners[initiative_id].append(name)
    for row in initiatives:
        row["where"] = ", ".join(places[row["pk"]] + [x for x in (row["place"], row["quartier__name"]) if x])
        row["partners"] = ", ".join(partners[row["pk"]])
        row["done"] = row["status_then"] == I.REALISEE
        row["status"] = I(row["status_then"]).label
    G = GrantRequest.Status
    grants = []
    for row in (
        GrantRequest.objects.filter(period.datetimes("requested_at"), initiative__organisation=organisation)
        .values("initiative__title", "requested_at", "amount_requested", "status", "amount_granted", "decided_on")
        .order_by("requested_at", "pk")
    ):
        decided = row["decided_on"] is not None and row["decided_on"] <= period.as_of
        status = row["status"] if decided else G.DEMANDEE
        grants.append(
            {
                "initiative": row["initiative__title"],
                "requested_on": timezone.localtime(row["requested_at"]).date(),
                "requested": row["amount_requested"],
                "status": G(status).label,
                "granted": row["amount_granted"] if status == G.ACCORDEE else None,
            }
        )
    return {"meetings": meetings, "initiatives": initiatives, "grants": grants}


# The key figures shown in large type on the document's first page: (label, path, unit).
KEY_TILES = [
    ("relais actifs", "relais.active", ""),
    ("résidences avec un relais", "coverage.covered", ""),
    ("réunions tenues", "reunions.held", ""),
    ("remontées reçues", "remontees.total", ""),
    ("remontées résolues", "remontees.resolved", ""),
    ("initiatives réalisées", "initiatives.done", ""),
    ("participants aux initiatives", "initiatives.participants", ""),
    ("accordés aux initiatives", "initiatives.grants.granted", "€"),
]


def bilan_context(bilan: Bilan) -> dict:
    """Everything the page and the PDF show: the figures of the period and of the one before."""
    organisation = bilan.organisation
    period = Period(*bilan.bounds)
    current = bilan_figures(organisation, period=period)
    # The period in progress is compared with the same days of the period before.
    cut = None if period.whole else bilan.previous_day(current["as_of"])
    previous_period = Period(*bilan.previous_bounds, until=cut)
    previous = bilan_figures(organisation, period=previous_period)
    examples = list(bilan.examples.select_related("theme", "residence")) if bilan.pk else []
    year, before = bilan.label, period_label(*bilan.previous_bounds)
    comparison = bilan_comparison(current, previous)
    tiles = [
        {"label": label, "unit": unit, "current": value_at(current, path), "previous": value_at(previous, path)}
        for label, path, unit in KEY_TILES
    ]
    for tile in tiles:
        now, then = tile["current"], tile["previous"]
        tile["delta"] = now - then if now is not None and then is not None else None
    colour = bilan.colour or "#1f5f8b"
    colours = (colour, tint(colour))
    charts = {
        "quartiers": bar_chart(current["relais"]["by_quartier"], title="Relais actifs par quartier", colours=colours),
        "reunions": bar_chart(
            [(label, held) for label, held, *_ in current["reunions"]["by_kind"]],
            title="Réunions tenues par type",
            colours=colours,
        ),
        "themes": bar_chart(
            [(name, total, resolved) for name, total, resolved in current["remontees"]["by_theme"]],
            title="Remontées par thème",
            legend=("reçues", "résolues"),
            colours=colours,
        ),
        "initiatives": bar_chart(
            [(name, total, done) for name, total, done in current["initiatives"]["by_kind"]],
            title="Initiatives par type",
            legend=("toutes", "réalisées"),
            colours=colours,
        ),
    }
    return {
        "bilan": bilan,
        "organisation": organisation,
        "year": year,
        "previous_year": before,
        "previous_until": cut,
        "figures": current,
        "previous": previous,
        "comparison": comparison,
        "tiles": tiles,
        "lists": bilan_lists(organisation, period),
        "colour": colour,
        "charts": charts,
        "examples": examples,
        "definitions": DEFINITIONS,
        # The trust barometer of the year and the one before (enquetes/), when answered enough.
        "barometer": barometer(organisation, period.year),
    }
