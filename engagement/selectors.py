"""Reads of engagement, each a fixed number of queries whatever the rows.

Defined here once, and read by the staff dashboard, the inbox and the bilan:

- **time given**: activities logged (their `minutes`), meetings attended (held:
  date passed, not cancelled; the meeting's duration unless staff wrote another
  for that person) and initiatives done (each organiser's minutes);
- **relais at risk** (`at_risk`): an active relais with no activity for
  ACTIVITY_DAYS days, two meetings missed in a row (attendance noted « absent »
  at their last two meetings where it was noted), no visit to their space for
  VISIT_DAYS days (relais with a login), or a candidate waiting CANDIDATE_DAYS days;
- **candidates waiting** (`candidates_waiting`): every « candidat », the
  longest waiting first;
- **retention**: of the relais active the day before a period began, the
  share still active at its end (read from the status history).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone

from core.access import access_for
from core.models import Organisation
from core.waiting import Waiting, WaitingGroup, first_rows
from engagement.models import Attestation, AttestationRun, EngagementSettings, LastSeen
from engagement.registry import activity_model
from initiatives.models import Initiative, Organiser
from relais.models import ContactLog, Relais, RelaisResidence, RelaisStatusChange
from relais.selectors import dashboard as relais_dashboard
from reunions.models import Invitee, Reunion

ACTIVITY_DAYS = 60
VISIT_DAYS = 90
CANDIDATE_DAYS = 30
MISSED_IN_A_ROW = 2
S = Relais.Status


# Time given


@dataclass
class Hours:
    """Minutes given, by source."""

    activity: int = 0
    meetings: int = 0
    initiatives: int = 0

    @property
    def total(self) -> int:
        return self.activity + self.meetings + self.initiatives

    def __add__(self, other: Hours) -> Hours:
        return Hours(
            self.activity + other.activity, self.meetings + other.meetings, self.initiatives + other.initiatives
        )


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _minutes_between(start: datetime.datetime, end: datetime.datetime) -> int:
    return max(0, round((end - start).total_seconds() / 60))


def _held_in(first: datetime.date, last: datetime.date) -> Q:
    """Meetings held in [first, last]: begun in it, over by now, not cancelled."""
    return (
        Q(reunion__starts_at__gte=_aware(first))
        & Q(reunion__starts_at__lt=_aware(last + datetime.timedelta(days=1)))
        & Q(reunion__ends_at__lte=timezone.now())
        & ~Q(reunion__status=Reunion.Status.ANNULEE)
    )


def hours_by_relais(
    organisation_id: int, first: datetime.date, last: datetime.date, relais_ids: list[int] | None = None
) -> dict[int, Hours]:
    """Minutes given per relais over [first, last]: three queries whatever the number of relais."""
    Activity = activity_model()
    only = {} if relais_ids is None else {"relais_id__in": relais_ids}
    hours: dict[int, Hours] = defaultdict(Hours)
    for relais_id, minutes in (
        Activity.objects.filter(organisation_id=organisation_id, date__gte=first, date__lte=last, **only)
        .values("relais_id")
        .annotate(m=Sum("minutes"))
        .values_list("relais_id", "m")
        .order_by()
    ):
        hours[relais_id].activity = minutes or 0
    for relais_id, minutes, starts, ends in (
        Invitee.objects.filter(
            _held_in(first, last), reunion__organisation_id=organisation_id, relais__isnull=False, attended=True, **only
        )
        .values_list("relais_id", "minutes", "reunion__starts_at", "reunion__ends_at")
        .order_by()
    ):
        hours[relais_id].meetings += minutes if minutes is not None else _minutes_between(starts, ends)
    for relais_id, minutes in (
        Organiser.objects.filter(
            initiative__organisation_id=organisation_id,
            initiative__status=Initiative.Status.REALISEE,
            initiative__starts_on__gte=first,
            initiative__starts_on__lte=last,
            **only,
        )
        .values("relais_id")
        .annotate(m=Sum("minutes"))
        .values_list("relais_id", "m")
        .order_by()
    ):
        hours[relais_id].initiatives = minutes or 0
    return dict(hours)


def hours_total(organisation_id: int, first: datetime.date, last: datetime.date) -> Hours:
    total = Hours()
    for hours in hours_by_relais(organisation_id, first, last).values():
        total = total + hours
    return total


def settings_of(organisation_id: int) -> EngagementSettings | None:
    return EngagementSettings.objects.filter(organisation_id=organisation_id).first()


def hour_value(minutes: int, chosen: EngagementSettings | None) -> Decimal | None:
    """What the time is worth at the organisation's rate, to the cent; None without a rate."""
    if chosen is None or chosen.hour_value is None:
        return None
    return (Decimal(minutes) * chosen.hour_value / 60).quantize(Decimal("0.01"))


@dataclass
class HoursRow:
    relais: Relais
    hours: Hours


def hours_page(user, year: int) -> dict:
    """The staff's page of hours given in a year, every relais in their scope who
    gave some: a fixed number of queries."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    organisation_id = _organisation_id(user)
    scoped = Relais.objects.for_user(user)
    by_relais = hours_by_relais(organisation_id, first, last)
    people = scoped.filter(pk__in=list(by_relais)).order_by("last_name", "first_name", "pk")
    rows = [HoursRow(relais=r, hours=by_relais[r.pk]) for r in people]
    total = Hours()
    for row in rows:
        total = total + row.hours
    chosen = settings_of(organisation_id)
    return {
        "year": year,
        "rows": rows,
        "total": total,
        "value": hour_value(total.total, chosen),
        "settings": chosen,
    }


def _organisation_id(user) -> int:
    return access_for(user).organisation_id


# Retention


def _status_on(organisation_id: int, days: list[datetime.date]) -> dict[datetime.date, dict[int, str]]:
    """Each relais' status on each of `days`, from the status history (a relais
    entered without history is taken as it is now, from its `status_since`)."""
    last = max(days)
    rows = (
        RelaisStatusChange.objects.filter(relais__organisation_id=organisation_id, date__lte=last)
        .order_by("relais_id", "date", "created_at", "pk")
        .values_list("relais_id", "to_status", "date")
    )
    result: dict[datetime.date, dict[int, str]] = {day: {} for day in days}
    for relais_id, changes in groupby(rows, key=lambda row: row[0]):
        changes = list(changes)
        for day in days:
            then = [status for _, status, date in changes if date <= day]
            if then:
                result[day][relais_id] = then[-1]
    for pk, status, since in (
        Relais.objects.filter(organisation_id=organisation_id, status_changes__isnull=True, status_since__lte=last)
        .values_list("pk", "status", "status_since")
        .order_by()
    ):
        for day in days:
            if since <= day:
                result[day][pk] = status
    return result


def retention(organisation_id: int, first: datetime.date, as_of: datetime.date) -> dict:
    """Of the relais active the day before `first`, how many were still active on `as_of`."""
    before = first - datetime.timedelta(days=1)
    status = _status_on(organisation_id, [before, as_of])
    base = {pk for pk, s in status[before].items() if s == S.ACTIF}
    kept = {pk for pk in base if status[as_of].get(pk) == S.ACTIF}
    return {
        "base": len(base),
        "kept": len(kept),
        "percent": round(100 * len(kept) / len(base), 1) if base else None,
    }


def bilan_figures(organisation_id: int, first: datetime.date, last: datetime.date, as_of: datetime.date) -> dict:
    """What the bilan shows of engagement for a period: hours and their value, retention."""
    total = hours_total(organisation_id, first, min(last, as_of))
    chosen = settings_of(organisation_id)
    return {
        "minutes": total.total,
        "hours": round(Decimal(total.total) / 60, 1),
        "hours_activity": round(Decimal(total.activity) / 60, 1),
        "hours_meetings": round(Decimal(total.meetings) / 60, 1),
        "hours_initiatives": round(Decimal(total.initiatives) / 60, 1),
        "value": hour_value(total.total, chosen),
        "rate": chosen.hour_value if chosen else None,
        "rate_source": chosen.hour_value_source if chosen else "",
        "retention": retention(organisation_id, first, as_of),
    }


# Relais at risk

REASONS = {
    "inactif": (
        f"aucune activité notée depuis {ACTIVITY_DAYS} jours",
        "Appeler pour prendre des nouvelles et proposer une action simple : un porte-à-porte à deux, "
        "une visite de courtoisie.",
    ),
    "absences": (
        f"{MISSED_IN_A_ROW} réunions manquées de suite",
        "Demander si les jours et horaires conviennent ; proposer de venir ensemble à la prochaine réunion.",
    ),
    "sans-visite": (
        f"pas de visite de son espace depuis {VISIT_DAYS} jours",
        "Vérifier que la connexion marche (renvoyer le lien) ou passer aux nouvelles par SMS ou papier.",
    ),
    "candidat": (
        f"candidat·e en attente depuis plus de {CANDIDATE_DAYS} jours",
        "Rencontrer la personne et décider : l'accueillir comme relais ou lui répondre.",
    ),
}


def reason_label(code: str) -> str:
    return REASONS[code][0]


@dataclass(frozen=True)
class Reason:
    code: str
    since: datetime.date | None

    @property
    def label(self) -> str:
        return REASONS[self.code][0]

    @property
    def next_step(self) -> str:
        return REASONS[self.code][1]


def _last_present() -> Subquery:
    return Subquery(
        Invitee.objects.filter(relais=OuterRef("pk"), attended=True, reunion__ends_at__lte=timezone.now())
        .exclude(reunion__status=Reunion.Status.ANNULEE)
        .order_by("-reunion__starts_at")
        .values("reunion__starts_at")[:1],
        output_field=DateTimeField(),
    )


def _absences_since() -> Subquery:
    """Meetings noted « absent » since the last one attended (or ever)."""
    return Subquery(
        Invitee.objects.filter(
            relais=OuterRef("pk"),
            attended=False,
            reunion__ends_at__lte=timezone.now(),
            reunion__starts_at__gt=OuterRef("last_present_at"),
        )
        .exclude(reunion__status=Reunion.Status.ANNULEE)
        .values("relais")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def _annotated(queryset: QuerySet[Relais]) -> QuerySet[Relais]:
    Activity = activity_model()
    return queryset.annotate(
        last_activity=Subquery(
            Activity.objects.filter(relais=OuterRef("pk")).order_by("-date").values("date")[:1],
            output_field=DateField(),
        ),
        seen_on=Subquery(LastSeen.objects.filter(relais=OuterRef("pk")).values("seen_on")[:1]),
        last_present_at=Coalesce(_last_present(), Value(EPOCH, output_field=DateTimeField())),
        missed=Coalesce(_absences_since(), 0),
        # From when each quiet spell counts: the last activity / visit, or the start as relais.
        quiet_since=Coalesce("last_activity", "started_on", "status_since", output_field=DateField()),
        away_since=Coalesce("seen_on", "started_on", "status_since", output_field=DateField()),
        last_contact=Subquery(
            ContactLog.objects.filter(relais=OuterRef("pk")).order_by("-date", "-pk").values("date")[:1],
            output_field=DateField(),
        ),
    )


def _rules(today: datetime.date) -> dict[str, Q]:
    # The status first: PostgreSQL tests the conditions of each rule in the order
    # written (Q(**kwargs) would sort them), and a relais not concerned then
    # costs none of the subqueries.
    return {
        "inactif": Q(status=S.ACTIF) & Q(quiet_since__lte=today - datetime.timedelta(days=ACTIVITY_DAYS)),
        "absences": Q(status=S.ACTIF) & Q(missed__gte=MISSED_IN_A_ROW),
        "sans-visite": Q(status=S.ACTIF)
        & Q(user__isnull=False)
        & Q(away_since__lte=today - datetime.timedelta(days=VISIT_DAYS)),
        "candidat": Q(status=S.CANDIDAT) & Q(status_since__lte=today - datetime.timedelta(days=CANDIDATE_DAYS)),
    }


def at_risk(user, *, today: datetime.date | None = None, reason: str = "") -> QuerySet[Relais]:
    """The relais at risk of drifting away (one query; see the module's docstring),
    the longest quiet first. Each row answers `reasons_of(row, today)`."""
    today = today or timezone.localdate()
    rules = _rules(today)
    if reason in rules:
        condition = rules[reason]
    else:
        condition = Q()
        for rule in rules.values():
            condition |= rule
    return (
        _annotated(Relais.objects.for_user(user).filter(anonymised_at=None))
        .filter(condition)
        .annotate(
            # The date the row sorts on: the oldest of what makes it at risk.
            risk_since=Case(
                When(status=S.CANDIDAT, then=F("status_since")),
                default=F("quiet_since"),
                output_field=DateField(),
            )
        )
        .order_by("risk_since", "last_name", "first_name", "pk")
    )


def reasons_of(row: Relais, today: datetime.date | None = None) -> list[Reason]:
    """Why a row of `at_risk` is there, from its annotations (no query)."""
    today = today or timezone.localdate()
    reasons = []
    if row.status == S.ACTIF and row.quiet_since and row.quiet_since <= today - datetime.timedelta(days=ACTIVITY_DAYS):
        reasons.append(Reason("inactif", row.last_activity))
    if row.status == S.ACTIF and (row.missed or 0) >= MISSED_IN_A_ROW:
        reasons.append(Reason("absences", None))
    if (
        row.status == S.ACTIF
        and row.user_id
        and row.away_since
        and row.away_since <= today - datetime.timedelta(days=VISIT_DAYS)
    ):
        reasons.append(Reason("sans-visite", row.seen_on))
    if row.status == S.CANDIDAT and row.status_since <= today - datetime.timedelta(days=CANDIDATE_DAYS):
        reasons.append(Reason("candidat", row.status_since))
    return reasons


@dataclass
class AtRiskRow:
    relais: Relais
    reasons: list[Reason] = field(default_factory=list)

    @property
    def next_step(self) -> str:
        return self.reasons[0].next_step if self.reasons else ""


def at_risk_rows(rows, today: datetime.date | None = None) -> list[AtRiskRow]:
    return [AtRiskRow(relais=r, reasons=reasons_of(r, today)) for r in rows]


def candidates_waiting(user) -> QuerySet[Relais]:
    """Candidates waiting for the team: every relais still « candidat », the
    longest waiting first."""
    return Relais.objects.for_user(user).filter(status=S.CANDIDAT).order_by("status_since", "pk")


def _day(value: datetime.date | None) -> str:
    return formats.date_format(value, "j F Y") if value else ""


def waiting(user, *, limit: int = 10) -> list[WaitingGroup]:
    """Candidates waiting and relais at risk, for the inbox (inbox/): one query each.
    Candidates are listed once, in their own group, however long they wait."""
    today = timezone.localdate()
    candidates_total, candidates = first_rows(candidates_waiting(user), limit)
    risk_total, risky = first_rows(at_risk(user, today=today).filter(status=S.ACTIF), limit)
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
                    detail=f"candidat·e depuis le {_day(r.status_since)}",
                    since=r.status_since,
                    url=reverse("relais:relais_detail", args=[r.pk]),
                )
                for r in candidates
            ],
        ),
        WaitingGroup(
            kind="relais-a-risque",
            label="Relais qui s'éloignent",
            total=risk_total,
            items=[
                Waiting(
                    model="relais.relais",
                    pk=r.pk,
                    title=str(r),
                    detail=" ; ".join(reason.label for reason in reasons_of(r, today)),
                    since=r.risk_since,
                    url=reverse("engagement:at_risk") + f"#relais-{r.pk}",
                )
                for r in risky
            ],
        ),
    ]


@dataclass
class Dashboard:
    """The staff's dashboard: coverage (relais/) and the relais at risk (here)."""

    coverage: object
    at_risk_count: int
    at_risk: list[AtRiskRow]


def dashboard(user, *, today: datetime.date | None = None) -> Dashboard:
    today = today or timezone.localdate()
    # The first ten, each row carrying how many there are in all (one query).
    rows = list(at_risk(user, today=today).annotate(total=Window(Count("pk")))[:10])
    return Dashboard(
        coverage=relais_dashboard(user),
        at_risk_count=rows[0].total if rows else 0,
        at_risk=at_risk_rows(rows, today),
    )


# The attestation d'engagement


@dataclass
class Line:
    day: datetime.date
    title: str
    kind: str
    minutes: int
    module: str = ""  # a training session's module (parcours), when the meeting was one


@dataclass
class AttestationData:
    relais_id: int
    year: int
    first_day: datetime.date
    last_day: datetime.date
    meetings: list[Line] = field(default_factory=list)
    initiatives: list[Line] = field(default_factory=list)
    activities: int = 0
    households: int = 0
    activity_minutes: int = 0
    residences: list[str] = field(default_factory=list)

    @property
    def trainings(self) -> list[Line]:
        return [m for m in self.meetings if m.kind == Reunion.Kind.FORMATION.label]

    @property
    def meeting_minutes(self) -> int:
        return sum(m.minutes for m in self.meetings)

    @property
    def initiative_minutes(self) -> int:
        return sum(i.minutes for i in self.initiatives)

    @property
    def minutes(self) -> int:
        return self.meeting_minutes + self.initiative_minutes + self.activity_minutes


def year_bounds(year: int, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The year, up to today for the year in progress."""
    today = today or timezone.localdate()
    return datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today)


def attestation_data(organisation: Organisation, year: int, relais_ids: list[int]) -> dict[int, AttestationData]:
    """Everything an attestation says, for many relais at once: four queries."""
    first, last = year_bounds(year)
    data = {pk: AttestationData(relais_id=pk, year=year, first_day=first, last_day=last) for pk in relais_ids}
    kinds = dict(Reunion.Kind.choices)
    for relais_id, minutes, starts, ends, title, kind, module in (
        Invitee.objects.filter(
            _held_in(first, last), reunion__organisation=organisation, relais_id__in=relais_ids, attended=True
        )
        .order_by("reunion__starts_at", "pk")
        .values_list(
            "relais_id",
            "minutes",
            "reunion__starts_at",
            "reunion__ends_at",
            "reunion__title",
            "reunion__kind",
            "reunion__training_session__module__title",
        )
    ):
        data[relais_id].meetings.append(
            Line(
                day=timezone.localdate(starts),
                title=title,
                kind=kinds.get(kind, kind),
                minutes=minutes if minutes is not None else _minutes_between(starts, ends),
                module=module or "",
            )
        )
    for relais_id, minutes, day, title, kind in (
        Organiser.objects.filter(
            initiative__organisation=organisation,
            initiative__status=Initiative.Status.REALISEE,
            initiative__starts_on__gte=first,
            initiative__starts_on__lte=last,
            relais_id__in=relais_ids,
        )
        .order_by("initiative__starts_on", "pk")
        .values_list("relais_id", "minutes", "initiative__starts_on", "initiative__title", "initiative__kind__name")
    ):
        data[relais_id].initiatives.append(Line(day=day, title=title, kind=kind, minutes=minutes))
    Activity = activity_model()
    for row in (
        Activity.objects.filter(organisation=organisation, relais_id__in=relais_ids, date__gte=first, date__lte=last)
        .values("relais_id")
        .annotate(n=Count("pk"), households=Sum("households"), minutes=Sum("minutes"))
        .order_by()
    ):
        d = data[row["relais_id"]]
        d.activities, d.households, d.activity_minutes = row["n"], row["households"] or 0, row["minutes"] or 0
    for relais_id, name in (
        RelaisResidence.objects.filter(relais_id__in=relais_ids)
        .order_by("residence__name")
        .values_list("relais_id", "residence__name")
    ):
        data[relais_id].residences.append(name)
    return data


def attestation_relais(organisation: Organisation, year: int) -> list[int]:
    """Who gets an attestation for a year: every relais (not anonymised) who gave
    time in it, by name."""
    first, last = year_bounds(year)
    gave = [pk for pk, hours in hours_by_relais(organisation.pk, first, last).items() if hours.total]
    return list(
        Relais.objects.filter(organisation=organisation, anonymised_at=None, pk__in=gave)
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", flat=True)
    )


def attestation_list(user, year: int) -> QuerySet[Attestation]:
    return (
        Attestation.objects.for_user(user)
        .filter(year=year)
        .select_related("relais")
        .order_by("relais__last_name", "relais__first_name", "pk")
    )


def last_run(user) -> AttestationRun | None:
    return AttestationRun.objects.for_user(user).first()


def my_attestations(user) -> dict:
    """The relais' own page: their attestations issued, and the years they gave time in."""
    relais = Relais.objects.for_user(user).filter(anonymised_at=None).first()
    if relais is None:
        return {"relais": None, "years": []}
    this_year = timezone.localdate().year
    issued = {a.year: a for a in Attestation.objects.for_user(user).filter(relais=relais)}
    start = min([relais.started_on.year if relais.started_on else this_year, *issued, this_year])
    # The last whole year first (the one a relais usually asks for), then this
    # year so far, then the years before.
    years = list(range(this_year, max(start, this_year - 5) - 1, -1))
    years.sort(key=lambda y: (y != this_year - 1, y != this_year, -y))
    return {
        "relais": relais,
        "years": [{"year": y, "issued": issued.get(y), "so_far": y == this_year} for y in years],
        "this_year": this_year,
    }
