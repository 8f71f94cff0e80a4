"""What the pages of parcours read: a fixed handful of queries per page,
whatever the number of relais, steps or sessions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from core.access import access_for
from core.waiting import Waiting, WaitingGroup, first_rows
from parcours import facts
from parcours.models import (
    DEFAULT_STEPS,
    CharterSignature,
    CharterVersion,
    Milestone,
    OnboardingStep,
    StepTick,
    TrainingModule,
    TrainingSession,
    duration_text,
)
from relais.models import Relais
from reunions.models import Invitee, Reunion

# Where a relais goes to take each step, and what the step asks of them.
STEP_LINKS = {
    OnboardingStep.Kind.GUIDE: ("espace:guide", "Lisez-le, puis touchez « J'ai lu le guide »."),
    OnboardingStep.Kind.CHARTE: ("parcours:charter", "Lisez-la et signez-la dans l'application."),
    OnboardingStep.Kind.REUNION: ("reunions:my_reunions", "Répondez à une invitation et venez à la réunion."),
    OnboardingStep.Kind.ACTIVITE: ("espace:activity", "Un porte-à-porte, une visite, un voisin aidé : notez-le."),
    OnboardingStep.Kind.ECHANGE: ("", "L'équipe de médiation vous appelle ou passe vous voir."),
    OnboardingStep.Kind.AUTRE: ("", "L'équipe la coche avec vous."),
}
# Relais who may still be on their way in.
IN_PROGRESS = (Relais.Status.CANDIDAT, Relais.Status.ACTIF)


STEPS_KEY = "parcours:steps:{}"


def steps_of(organisation_id: int, *, enabled_only: bool = True) -> list[OnboardingStep]:
    """The organisation's steps in order; the default ones (not stored) until
    it changes them. Steps whose fact no app registered are left out.
    Cached (the relais' home reads them on every visit; they change rarely):
    parcours.services drops the cache when it changes them."""
    key = STEPS_KEY.format(organisation_id)
    stored = cache.get(key)
    if stored is None:
        stored = list(OnboardingStep.objects.filter(organisation_id=organisation_id))
        cache.set(key, stored, 3600)
    if not stored:
        stored = [
            OnboardingStep(organisation_id=organisation_id, kind=k, label=OnboardingStep.Kind(k).label, position=n)
            for n, k in enumerate(DEFAULT_STEPS)
        ]
    return [
        s
        for s in stored
        if (s.enabled or not enabled_only) and (s.kind == OnboardingStep.Kind.AUTRE or facts.known(s.kind))
    ]


def _expression(step: OnboardingStep):
    if step.kind == OnboardingStep.Kind.AUTRE:
        return Subquery(StepTick.objects.filter(step_id=step.pk, relais=OuterRef("pk")).values("done_on")[:1])
    return facts.fact(step.kind)


def with_steps(queryset: QuerySet, steps: list[OnboardingStep]) -> QuerySet:
    """Each relais with the day each step was done (NULL: not yet), in the same query."""
    return queryset.annotate(**{f"done_{s.key}": _expression(s) for s in steps})


def _day(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value)
    return value


@dataclass
class StepState:
    step: OnboardingStep
    done_on: datetime.date | None
    url: str = ""
    hint: str = ""

    @property
    def done(self) -> bool:
        return self.done_on is not None


@dataclass
class Checklist:
    relais: Relais
    states: list[StepState] = field(default_factory=list)

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.states if s.done)

    @property
    def total(self) -> int:
        return len(self.states)

    @property
    def complete(self) -> bool:
        return self.done_count == self.total

    @property
    def next(self) -> StepState | None:
        return next((s for s in self.states if not s.done), None)


def checklist_of(relais: Relais, steps: list[OnboardingStep]) -> Checklist:
    """The checklist of a relais read `with_steps`."""
    states = []
    for step in steps:
        url_name, hint = STEP_LINKS[step.kind]
        states.append(
            StepState(step, _day(getattr(relais, f"done_{step.key}")), reverse(url_name) if url_name else "", hint)
        )
    return Checklist(relais, states)


def my_checklist(user, relais_rows: QuerySet | None = None) -> Checklist | None:
    """The relais' own checklist; None when they have no relais record or are
    not on their way in."""
    return relais_and_checklist(user, relais_rows)[1]


def relais_and_checklist(user, relais_rows: QuerySet | None = None) -> tuple[Relais | None, Checklist | None]:
    """The relais asking and their checklist, in one query (the steps are
    cached). `relais_rows`: the query of the relais a page reads anyway (the
    home's), to which the steps are added."""
    access = access_for(user)
    rows = Relais.objects.for_user(user) if relais_rows is None else relais_rows
    if not access.is_relais:
        return rows.first(), None
    steps = steps_of(access.organisation_id)
    relais = with_steps(rows, steps).first()
    if relais is None or relais.status not in IN_PROGRESS:
        return relais, None
    return relais, checklist_of(relais, steps)


def relais_checklist(user, relais: Relais) -> Checklist:
    steps = steps_of(relais.organisation_id)
    row = with_steps(Relais.objects.for_user(user).filter(pk=relais.pk), steps).get()
    return checklist_of(row, steps)


def onboarding_board(user, *, stuck_at: str = "", everyone: bool = False) -> tuple[QuerySet, list[OnboardingStep]]:
    """The relais on their way in (candidates and active relais whose checklist
    is not complete; `everyone`: all of them), the newest first, each with the
    day of each step; `stuck_at`: only those whose next step is that one."""
    access = access_for(user)
    steps = steps_of(access.organisation_id)
    rows = with_steps(
        Relais.objects.for_user(user).filter(status__in=IN_PROGRESS, anonymised_at=None), steps
    ).prefetch_related("residences")
    keys = [s.key for s in steps]
    if stuck_at in keys:
        position = keys.index(stuck_at)
        condition = Q(**{f"done_{stuck_at}__isnull": True})
        for key in keys[:position]:
            condition &= Q(**{f"done_{key}__isnull": False})
        rows = rows.filter(condition)
    elif not everyone and keys:
        incomplete = Q()
        for key in keys:
            incomplete |= Q(**{f"done_{key}__isnull": True})
        rows = rows.filter(incomplete)
    return rows.order_by("-created_at", "-pk"), steps


# The charter


def charter_versions(user) -> list[CharterVersion]:
    """Every version, the newest first, with how many relais signed each."""
    return list(CharterVersion.objects.for_user(user).annotate(signed=Count("signatures")).order_by("-number"))


def charter_current(user) -> CharterVersion | None:
    return CharterVersion.objects.for_user(user).order_by("-number").first()


def charter_signature(user, version: CharterVersion | None) -> CharterSignature | None:
    """The signature of the relais asking, on `version`."""
    if version is None:
        return None
    return CharterSignature.objects.for_user(user).filter(version=version, relais__user=user).first()


def my_signatures(user) -> list[CharterSignature]:
    return list(CharterSignature.objects.for_user(user).filter(relais__user=user).select_related("version"))


# Training


def modules(user) -> list[TrainingModule]:
    # Held: its day has passed and it was not cancelled (minutes not required).
    held = Q(sessions__reunion__ends_at__lte=timezone.now()) & ~Q(sessions__reunion__status=Reunion.Status.ANNULEE)
    return list(
        TrainingModule.objects.for_user(user).annotate(
            session_count=Count("sessions", distinct=True), held_count=Count("sessions", filter=held, distinct=True)
        )
    )


def module_sessions(user, module: TrainingModule) -> list[TrainingSession]:
    attended = Count("reunion__invitees", filter=Q(reunion__invitees__attended=True))
    return list(
        TrainingSession.objects.for_user(user)
        .filter(module=module)
        .select_related("reunion")
        .annotate(attended_count=attended)
        .order_by("-reunion__starts_at")
    )


def linkable_meetings(user) -> QuerySet:
    """Meetings of kind « formation » not yet tied to a module."""
    return (
        Reunion.objects.for_user(user)
        .filter(kind=Reunion.Kind.FORMATION, training_session__isnull=True)
        .exclude(status=Reunion.Status.ANNULEE)
        .order_by("-starts_at")
    )


@dataclass
class Followed:
    session: TrainingSession
    day: datetime.date


@dataclass
class TrainingRecord:
    followed: list[Followed]
    path: list[tuple[TrainingModule, datetime.date | None]]

    @property
    def path_done(self) -> bool:
        return bool(self.path) and all(day for _, day in self.path)

    @property
    def path_done_on(self) -> datetime.date | None:
        return max(day for _, day in self.path) if self.path_done else None

    @property
    def minutes(self) -> int:
        """The time of the sessions attended (each meeting's, as the certificates say)."""
        return sum(
            int((f.session.reunion.ends_at - f.session.reunion.starts_at).total_seconds() // 60) for f in self.followed
        )

    @property
    def duration(self) -> str:
        return duration_text(self.minutes)


def training_record(user, relais: Relais) -> TrainingRecord:
    """The sessions a relais attended (from the meetings' attendance) and where
    they are on the path of new relais: two queries."""
    sessions = (
        TrainingSession.objects.for_user(user)
        .filter(reunion__invitees__relais=relais, reunion__invitees__attended=True)
        .exclude(reunion__status=Reunion.Status.ANNULEE)
        .select_related("module", "reunion")
        .order_by("reunion__starts_at")
    )
    followed = [Followed(s, timezone.localdate(s.reunion.starts_at)) for s in sessions]
    first_day: dict[int, datetime.date] = {}
    for f in followed:
        first_day.setdefault(f.session.module_id, f.day)
    path = TrainingModule.objects.for_user(user).filter(path_position__isnull=False).order_by("path_position", "pk")
    return TrainingRecord(followed, [(m, first_day.get(m.pk)) for m in path])


def path_done_on(organisation_id: int) -> dict[int, datetime.date]:
    """For each relais of the organisation who completed the path of new relais,
    the day they did (the day of the last module they still needed): two queries."""
    path = set(
        TrainingModule.objects.filter(organisation_id=organisation_id, path_position__isnull=False).values_list(
            "pk", flat=True
        )
    )
    if not path:
        return {}
    rows = (
        Invitee.objects.filter(
            reunion__organisation_id=organisation_id,
            relais__isnull=False,
            attended=True,
            reunion__training_session__module__in=path,
        )
        .exclude(reunion__status=Reunion.Status.ANNULEE)
        .values_list("relais_id", "reunion__training_session__module_id", "reunion__starts_at")
        .order_by("reunion__starts_at")
    )
    first: dict[int, dict[int, datetime.date]] = {}
    for relais_id, module_id, starts_at in rows:
        first.setdefault(relais_id, {}).setdefault(module_id, timezone.localdate(starts_at))
    return {relais_id: max(days.values()) for relais_id, days in first.items() if set(days) == path}


def session_attendee(user, session: TrainingSession, relais: Relais | None = None) -> Invitee | None:
    """The attendance row of a relais at a session (the one asking, when
    `relais` is None): a certificate exists only for someone present."""
    rows = Invitee.objects.for_user(user).filter(reunion=session.reunion, attended=True, relais__isnull=False)
    rows = rows.filter(relais=relais) if relais is not None else rows.filter(relais__user=user)
    return rows.select_related("relais", "reunion__organisation").first()


# Thanks


def milestones(user, *, state: str = Milestone.State.PREPARE) -> QuerySet:
    return (
        Milestone.objects.for_user(user)
        .filter(state=state)
        .select_related("relais", "sent_by", "message")
        .order_by("-reached_on", "-pk")
    )


def waiting(user, *, limit: int = 10) -> list[WaitingGroup]:
    """The thank-yous prepared and not sent yet, for the inbox (inbox/): one query."""
    total, rows = first_rows(milestones(user).order_by("reached_on", "pk"), limit)
    return [
        WaitingGroup(
            kind="remerciement",
            label="Remerciements à envoyer",
            total=total,
            items=[
                Waiting(
                    model="parcours.milestone",
                    pk=m.pk,
                    title=str(m.relais),
                    detail=m.get_kind_display(),
                    since=m.reached_on,
                    url=reverse("parcours:milestone", args=[m.pk]),
                )
                for m in rows
            ],
        )
    ]
