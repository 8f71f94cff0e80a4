"""One data builder for the demo, the benchmarks and the tests' larger datasets.

`Builder(organisation, by=staff, today=..., rng=...)` fills one organisation with
the life of its network: quartiers and residences, relais and the history of
their status, exchanges with staff, meetings, remontées, initiatives and the
activity relais log from their phones. Each kind of thing is first *planned* —
plain objects in memory (`RelaisPlan`, `ReunionPlan`, `RemonteePlan`,
`InitiativePlan`), drawn by the `plan_*` methods from the builder's seeded
generator or written out by the caller — then *written*:

- by default through the product's own services, each run under `clock(moment)`
  as if it were the moment the thing happened: the services date what they write
  then, and their checks apply as they would have then (a status change a
  relais' page refuses is refused here too). What a service tells someone (the
  answer to a remontée, a decision to the organisers, the minutes) is recorded
  as sent when it was due: the builder records, it never sends.
- with `bulk=True` (the benchmarks: hundreds of thousands of rows), the same plans
  go in by bulk inserts, as the rows the services would have written for the
  relais and the remontées (tests/devtools/test_builder.py writes the same plans
  both ways and compares). For meetings and initiatives, bulk keeps what the
  benchmarks read: the convocations, not the messages of minutes and decisions.

What has no history of its own (places, exchanges, invitations and attendance,
actions, activity) is inserted as rows in both modes. A meeting's actions are
recorded as decided, without their reminders: nothing waits to be sent.

Plans are legal by construction: a relais' life follows the product's transitions
(`relais.services.ALLOWED_TRANSITIONS`) with ordered dates, never in the future;
the drawn meetings, remontées, initiatives and activity involve only relais
active on the day; a remontée's steps follow `remontees.services.TRANSITIONS`;
what is held, reported or decided lies in the past, what is to come after today.
"""

from __future__ import annotations

import datetime
import io
import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models
from django.db.models import F, Max
from django.utils import timezone
from PIL import Image, ImageDraw

from core import outbox
from core.consents import consent_give, contact_address
from core.models import Consent, ContactChannel, Membership, Message, Organisation, User
from core.uploads import clean_photo
from devtools import content
from espace import services as espace_services
from espace.models import Activity, Announcement, AnnouncementRecipient
from initiatives import services as initiatives_services
from initiatives.models import (
    BudgetLine,
    Equipment,
    GrantRequest,
    Initiative,
    InitiativeKind,
    InitiativeStatusChange,
    LogisticsLine,
    LogisticsRequest,
    Organiser,
    Partner,
    Room,
)
from relais import services as relais_services
from relais.models import ContactLog, Quartier, Relais, RelaisResidence, RelaisStatusChange, Residence, starts_a_spell
from remontees import services as remontees_services
from remontees.models import HandOff, Remontee, RemonteeEvent, Service, Theme
from reunions import services as reunions_services
from reunions.models import ActionItem, AgendaItem, Decision, Invitee, Reunion

S = Relais.Status
R = Remontee.Status
K = Reunion.Kind
I = Initiative.Status  # noqa: E741
BATCH = 5000
DAY = datetime.timedelta(days=1)
EXITS = [Relais.ExitReason.DEMENAGEMENT, Relais.ExitReason.MANQUE_DE_TEMPS, Relais.ExitReason.RAISONS_PERSONNELLES]
# How a relais answers an invitation: present, absent, maybe, or not at all.
RSVP = {"present": 6, "absent": 2, "peut_etre": 1, "": 2}
# The time an action logged from the phone takes (engagement/), by kind: minutes.
ACTIVITY_MINUTES = {
    Activity.Kind.PORTE_A_PORTE: (60, 90, 120, 150),
    Activity.Kind.VISITE_COURTOISIE: (30, 45, 60),
    Activity.Kind.VOISIN_AIDE: (15, 30, 45, 60),
    Activity.Kind.AUTRE: (30, 60, 90),
}
# What organising an initiative takes, preparation included: minutes per organiser.
ORGANISER_MINUTES = (120, 180, 240, 300, 360)
MEETING_KINDS = {K.PLENIERE: 2, K.THEMATIQUE: 5, K.COMITE: 2, K.FORMATION: 1, K.VISITE: 2}


@contextmanager
def clock(moment: datetime.datetime) -> Iterator[None]:
    """Run the product's services as if it were `moment` (never later than now):
    `timezone.now()` answers it, and so `localdate()` and every `auto_now_add`."""
    real = timezone.now
    moment = min(moment, real())
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real


@contextmanager
def backdated(model: type[models.Model]) -> Iterator[None]:
    """Let a bulk insert keep the creation dates its rows carry instead of "now"."""
    fields = [f for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


def shares(total: int, weights: Sequence[float], *, least: int = 0) -> list[int]:
    """`total` shared in proportion to `weights`, summing exactly: what rounding
    down leaves goes to the largest remainders; each share at least `least`."""
    exact = [total * w / sum(weights) for w in weights]
    parts = [max(least, int(x)) for x in exact]
    by_remainder = sorted(range(len(parts)), key=lambda i: int(exact[i]) - exact[i])
    for i in by_remainder[: max(0, total - sum(parts))]:
        parts[i] += 1
    parts[0] += total - sum(parts)  # only where `least` took more than a share
    return parts


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if c.isalnum() or c == "-")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# Plans


@dataclass(frozen=True)
class Step:
    """A relais' status from the day `on` (a first step's note is not kept:
    `relais_create` takes none)."""

    status: str
    on: datetime.date
    exit_reason: str = ""
    note: str = ""


@dataclass
class RelaisPlan:
    first_name: str
    last_name: str
    life: list[Step]
    homes: list[tuple[Residence, str]] = field(default_factory=list)  # (residence, building or staircase)
    email: str = ""
    phone: str = ""
    channel: str = ContactChannel.EMAIL
    consents: list[str] = field(default_factory=list)  # given the day they joined
    user: User | None = None
    login: bool = False  # a login of their own (unusable password: sessions are opened directly)
    relais: Relais | None = None  # once written

    @property
    def joined(self) -> datetime.date:
        return self.life[0].on

    def person(self) -> dict:
        """Who they are and how to reach them: the relais' own fields."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "preferred_channel": self.channel,
            "user": self.user,
        }

    def status_on(self, day: datetime.date) -> str | None:
        status = None
        for step in self.life:
            if step.on > day:
                break
            status = step.status
        return status

    def fields(self) -> dict:
        """Status, dates and exit reason as `relais_create` and `relais_change_status` leave them."""
        first = self.life[0]
        now = {
            "status": first.status,
            "status_since": first.on,
            "started_on": first.on if first.status == S.ACTIF else None,
            "left_on": None,
            "exit_reason": "",
        }
        for before, step in zip(self.life, self.life[1:], strict=False):
            now["status"], now["status_since"] = step.status, step.on
            if starts_a_spell(before.status, step.status, now["started_on"]):
                now["started_on"] = step.on
            now["left_on"], now["exit_reason"] = (step.on, step.exit_reason) if step.status == S.SORTI else (None, "")
        return now

    def active_spans(self, today: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
        """The periods (first and last day) during which the relais was active."""
        ends = [step.on for step in self.life[1:]] + [today]
        return [(step.on, end) for step, end in zip(self.life, ends, strict=True) if step.status == S.ACTIF]

    def check(self, today: datetime.date) -> None:
        """ValueError unless the life is one the product's forms would record."""
        first = self.life[0]
        if first.status not in (S.CANDIDAT, S.ACTIF):
            raise ValueError(f"{self.first_name} {self.last_name}: a new relais is candidat or actif")
        for before, step in zip(self.life, self.life[1:], strict=False):
            if step.status not in relais_services.ALLOWED_TRANSITIONS[before.status] or step.on < before.on:
                raise ValueError(f"{self.first_name} {self.last_name}: {before} cannot be followed by {step}")
        if self.life[-1].on > today:
            raise ValueError(f"{self.first_name} {self.last_name}: a status change in the future")
        if any(step.status == S.SORTI and step.exit_reason not in Relais.ExitReason.values for step in self.life):
            raise ValueError(f"{self.first_name} {self.last_name}: leaving needs a reason")


@dataclass
class Invited:
    relais: Relais
    answer: str = ""
    attended: bool | None = None
    invited: bool = True  # False: came without an invitation, ticked present on the day


@dataclass
class ActionPlan:
    title: str
    owner: Relais | User
    due_on: datetime.date
    status: str = ActionItem.Status.OUVERTE
    closed_on: datetime.date | None = None


@dataclass
class ReunionPlan:
    kind: str
    day: datetime.date
    status: str = Reunion.Status.PREVUE
    title: str = ""
    themes: str = ""
    residence: Residence | None = None
    address: str = ""
    hour: int = 18
    invitees: list[Invited] = field(default_factory=list)
    told: bool = True  # the convocations are recorded as sent when the meeting was planned
    agenda: str = ""  # one point per line, as the minutes' form takes them
    minutes: str = ""
    decisions: str = ""
    actions: list[ActionPlan] = field(default_factory=list)
    previous: ReunionPlan | None = None  # its open actions are carried onto this one's agenda
    reunion: Reunion | None = None  # once written


@dataclass
class RemonteePlan:
    residence: Residence
    theme: Theme
    description: str
    at: datetime.datetime
    relais: Relais | None = None
    steps: list[tuple[str, datetime.datetime, str]] = field(default_factory=list)  # (status, when, told to the relais)
    source: str = Remontee.Source.FICHE_CONTACT
    nature: str = Remontee.Nature.DIFFICULTE
    reunion: Reunion | None = None

    @property
    def status(self) -> str:
        return self.steps[-1][0] if self.steps else R.NOUVELLE

    def raised(self) -> dict:
        """What was raised, where, by which relais: the remontée's own fields."""
        return {
            "residence": self.residence,
            "relais": self.relais,
            "theme": self.theme,
            "nature": self.nature,
            "description": self.description,
            "source": self.source,
            "reunion": self.reunion,
        }


@dataclass
class LogisticsPlan:
    lines: list[tuple[Equipment, int]]
    room: Room | None = None
    approve: bool | None = None  # None: not decided yet
    granted: dict[int, int] | None = None  # equipment pk → quantity, where less than asked
    reason: str = ""


@dataclass
class GrantPlan:
    amount: Decimal
    objectives: str
    expected: int = 50
    budget: list[tuple[str, Decimal]] = field(default_factory=list)
    decided_on: datetime.date | None = None  # None: the committee has not decided yet
    granted: Decimal | None = None  # decided without an amount: refused
    refusal: str = ""


@dataclass
class InitiativePlan:
    kind: InitiativeKind
    title: str
    day: datetime.date
    status: str
    organisers: list[Relais] = field(default_factory=list)
    residences: list[Residence] = field(default_factory=list)
    place: str = ""
    partners: list[Partner] = field(default_factory=list)
    description: str = ""
    report: dict | None = None  # initiative_report's counts and texts, for one done
    logistics: LogisticsPlan | None = None
    grant: GrantPlan | None = None

    def what(self) -> dict:
        return {"kind": self.kind, "title": self.title, "description": self.description, "starts_on": self.day}


class Builder:
    """Fills `organisation` with a network's life (see the module's docstring).

    `by`: the member of staff who records everything (and answers the remontées);
    `today`: the day the network is seen from; `rng`: a `random.Random` or a seed;
    `serial`: where the numbering of people starts (names, e-mails), so that
    organisations built side by side do not share people; `bulk`: see above."""

    def __init__(
        self,
        organisation: Organisation,
        *,
        by: User | None = None,
        today: datetime.date | None = None,
        rng: random.Random | int | None = None,
        serial: int = 0,
        bulk: bool = False,
    ):
        self.organisation = organisation
        self.by = by
        self.today = today or timezone.localdate()
        self.rng = rng if isinstance(rng, random.Random) else random.Random(rng)
        self.serial = serial
        self.bulk = bulk
        self.counts: Counter[str] = Counter()  # rows inserted in bulk, per model
        self.population: list[RelaisPlan] = []
        self._plans: dict[int, RelaisPlan] = {}
        self._themes: dict[str, Theme] | None = None

    # Time and chance

    def at(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    def when(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        """When something happened that day: never later than now."""
        return min(self.at(day, hour), timezone.now())

    def before(self, day: datetime.date, days: int, hour: int = 10) -> datetime.datetime:
        return self.when(day - days * DAY, hour)

    def day(self, first: datetime.date, last: datetime.date | None = None) -> datetime.date:
        """A day between `first` and `last` (today by default), both included."""
        span = ((self.today if last is None else last) - first).days
        return first + self.rng.randint(0, max(0, span)) * DAY

    def pick(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    # Writing

    def insert(self, model: type[models.Model], rows: Iterable[models.Model]) -> list:
        """Bulk insert, keeping the rows' creation dates (now for a row without one)."""
        rows = list(rows)
        stamps = [f for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False)]
        now = timezone.now()
        for row in rows:
            for stamp in stamps:
                if getattr(row, stamp.attname) is None:
                    setattr(row, stamp.attname, now)
        with backdated(model):
            made = model.objects.bulk_create(rows, batch_size=BATCH)
        self.counts[model._meta.label] += len(made)
        return made

    @contextmanager
    def recorded(self) -> Iterator[None]:
        """What the services schedule meanwhile went out when it was due."""
        last = Message.objects.aggregate(last=Max("pk"))["last"] or 0
        yield
        Message.objects.filter(
            pk__gt=last, organisation=self.organisation, state=Message.State.PENDING, scheduled_for__lte=timezone.now()
        ).update(state=Message.State.SENT, sent_at=F("scheduled_for"), attempts=1)

    def interrupted_hand_off(self, subject: models.Model, kind: str) -> Message | None:
        """One e-mail about `subject` whose worker stopped while the mail server
        had it: « envoi incertain », for staff to resend or not (core/outbox.py)."""
        message = (
            Message.objects.filter(
                subject_type=ContentType.objects.get_for_model(subject),
                subject_id=subject.pk,
                kind=kind,
                channel=Message.Channel.EMAIL,
            )
            .order_by("pk")
            .first()
        )
        if message is not None:
            message.state, message.last_error = Message.State.UNCERTAIN, outbox.INTERRUPTED
            message.sending_until, message.sent_at = message.sent_at, None
            message.save(update_fields=["state", "last_error", "sending_until", "sent_at"])
        return message

    def message(
        self, relais: Relais, subject: models.Model, kind: str, when: datetime.datetime, *, sent: bool = True
    ) -> Message | None:
        """The outbox row `message_schedule` would make for a relais (None where it
        makes none: paper, or no consent for any channel), sent when due or pending."""
        plan = self._plans.get(relais.pk)
        address = contact_address(relais, plan.consents if plan else None)
        if address is None:
            return None
        return Message(
            organisation=self.organisation,
            recipient_relais=relais,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            kind=kind,
            channel=address[0],
            address=address[1],
            scheduled_for=when,
            next_attempt_at=when,
            state=Message.State.SENT if sent else Message.State.PENDING,
            sent_at=when if sent else None,
            attempts=1 if sent else 0,
            created_by=self.by,
            created_at=when,
        )

    # Accounts and places

    def member(
        self, email: str, role: str, *, first_name: str = "", last_name: str = "", quartiers: Iterable[Quartier] = ()
    ) -> User:
        """A login of the organisation (its password unusable unless the caller sets one)."""
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first_name, "last_name": last_name, "password": make_password(None)}
        )
        membership, joined = Membership.objects.get_or_create(
            user=user, organisation=self.organisation, defaults={"role": role}
        )
        self.counts.update({User._meta.label: created, Membership._meta.label: joined})
        if quartiers:
            membership.quartiers.set(quartiers)
        return user

    def quartiers(self, names: Sequence[str | tuple[str, bool]]) -> list[Quartier]:
        """Quartiers by name, or (name, is a QPV)."""
        specs = [(n, False) if isinstance(n, str) else n for n in names]
        return self.insert(
            Quartier, [Quartier(organisation=self.organisation, name=name, is_qpv=qpv) for name, qpv in specs]
        )

    def residences(
        self,
        names: Sequence[str] | int,
        *,
        quartiers: Sequence[Quartier],
        dwellings: int | tuple[int, int] | Sequence[int] = (20, 300),
        prefix: str = "R",
        city: str = "Lacville",
        postal_code: str = "74200",
        centre: tuple[float, float] = (45.9, 6.12),
        common_rooms: float = 0.35,
    ) -> list[Residence]:
        """Residences by name (or so many, numbered), in the quartiers in turn.
        `dwellings`: a range for each, a total shared unevenly as estates are, or
        each one's."""
        rng = self.rng
        names = [f"Résidence {i + 1:03d}" for i in range(names)] if isinstance(names, int) else list(names)
        if isinstance(dwellings, int):
            weights = [rng.uniform(0.2, 2.2) for _ in names]
            sizes = [max(12, round(w * dwellings / sum(weights))) for w in weights]
        elif isinstance(dwellings, tuple):
            sizes = [rng.randrange(*dwellings) for _ in names]
        else:
            sizes = list(dwellings)
        return self.insert(
            Residence,
            [
                Residence(
                    organisation=self.organisation,
                    quartier=quartiers[i % len(quartiers)],
                    name=name,
                    address=f"{rng.randint(1, 120)} {rng.choice(content.STREETS)}",
                    postal_code=postal_code,
                    city=city,
                    dwellings=sizes[i],
                    reference=f"{prefix}-{i + 1:04d}",
                    has_common_room=rng.random() < common_rooms,
                    latitude=Decimal(f"{centre[0] + rng.uniform(-0.02, 0.02):.6f}"),
                    longitude=Decimal(f"{centre[1] + rng.uniform(-0.03, 0.03):.6f}"),
                )
                for i, name in enumerate(names)
            ],
        )

    # Relais

    def life(
        self,
        status: str,
        *,
        since: tuple[datetime.date, datetime.date] | None = None,
        until: datetime.date | None = None,
    ) -> list[Step]:
        """A life that ends in `status` by `until` (today): joined within `since`
        (the last three years), candidates within the last 90 days; a pause or a
        departure at least a month after joining when the time allows."""
        until = until or self.today
        first, last = since or (until - 3 * 365 * DAY, until)
        if status == S.CANDIDAT:
            return [Step(S.CANDIDAT, self.day(max(first, until - 90 * DAY), until))]
        joined = self.day(first, min(last, until))
        if status == S.ACTIF:
            return [Step(S.ACTIF, joined)]
        changed = self.day(min(joined + 30 * DAY, until), until)
        if status == S.PAUSE:
            return [Step(S.ACTIF, joined), Step(S.PAUSE, changed, note="Disponibilité réduite pour quelques mois.")]
        return [Step(S.ACTIF, joined), Step(S.SORTI, changed, exit_reason=self.rng.choice(EXITS))]

    def plan_relais(
        self,
        count: int,
        *,
        homes: Sequence[Residence] = (),
        statuses: dict[str, float] | None = None,
        since: tuple[datetime.date, datetime.date] | None = None,
        until: datetime.date | None = None,
        channels: dict[str, float] | None = None,
        consents: Sequence[str] = (Consent.Scope.ANNUAIRE, Consent.Scope.EMAIL, Consent.Scope.SMS),
        logins: Sequence[str] = (),
    ) -> list[RelaisPlan]:
        """`count` relais, their statuses in the shares of `statuses` (all active by
        default), each with a life (`life`), a name, a phone, an e-mail unless
        reached on paper, the consents given when they joined, a home among
        `homes` in turn, and a login if their status is in `logins`."""
        rng = self.rng
        statuses = statuses or {S.ACTIF: 1}
        counts = shares(count, list(statuses.values()))
        drawn = [status for status, n in zip(statuses, counts, strict=True) for _ in range(n)]
        rng.shuffle(drawn)
        plans = []
        for n, status in enumerate(drawn):
            number, self.serial = self.serial, self.serial + 1
            first = content.FIRST_NAMES[(number * 7) % len(content.FIRST_NAMES)]
            last = content.LAST_NAMES[(number * 11) % len(content.LAST_NAMES)]
            channel = self.pick(channels or {ContactChannel.EMAIL: 1})
            email = (
                ""
                if channel == ContactChannel.PAPER
                else f"{_plain(first)}.{_plain(last)}{number}@{self.organisation.slug}.test"
            )
            plans.append(
                RelaisPlan(
                    first_name=first,
                    last_name=last,
                    life=self.life(status, since=since, until=until),
                    homes=[(homes[n % len(homes)], "")] if homes else [],
                    email=email,
                    phone=" ".join(["06", *(f"{rng.randint(10, 99)}" for _ in range(4))]),
                    channel=channel,
                    consents=[s for s in consents if email or s != Consent.Scope.EMAIL],
                    login=status in logins,
                )
            )
        return plans

    def relais(self, plans: Sequence[RelaisPlan] | int, **draw) -> list[Relais]:
        """Write relais: `plans`, or so many drawn by `plan_relais(**draw)`."""
        plans = self.plan_relais(plans, **draw) if isinstance(plans, int) else list(plans)
        for plan in plans:
            plan.check(self.today)
        self._logins([p for p in plans if p.login and p.user is None])
        written = self._relais_bulk(plans) if self.bulk else [self._relais_one(p) for p in plans]
        for plan, relais in zip(plans, written, strict=True):
            plan.relais = relais
            self._plans[relais.pk] = plan
        self.population += plans
        return written

    def _logins(self, plans: list[RelaisPlan]) -> None:
        if any(not p.email for p in plans):
            raise ValueError("a relais' login is their e-mail")
        password = make_password(None)
        users = self.insert(
            User,
            [User(email=p.email, first_name=p.first_name, last_name=p.last_name, password=password) for p in plans],
        )
        self.insert(
            Membership,
            [Membership(user=u, organisation=self.organisation, role=Membership.Role.RELAIS) for u in users],
        )
        for plan, user in zip(plans, users, strict=True):
            plan.user = user

    def _relais_one(self, plan: RelaisPlan) -> Relais:
        first = plan.life[0]
        with clock(self.when(first.on)):
            relais = relais_services.relais_create(
                organisation=self.organisation,
                by=self.by,
                status=first.status,
                status_date=first.on,
                residences=plan.homes,
                **plan.person(),
            )
            consent_give(relais, plan.consents, on=first.on, by=self.by)
        for step in plan.life[1:]:
            with clock(self.when(step.on)):
                relais_services.relais_change_status(
                    relais=relais,
                    to_status=step.status,
                    date=step.on,
                    by=self.by,
                    exit_reason=step.exit_reason,
                    note=step.note,
                )
        if len(plan.life) > 1:
            relais.refresh_from_db()
        return relais

    def _relais_bulk(self, plans: list[RelaisPlan]) -> list[Relais]:
        people = self.insert(
            Relais,
            [
                Relais(organisation=self.organisation, created_at=self.when(p.joined), **p.person(), **p.fields())
                for p in plans
            ],
        )
        pairs = list(zip(people, plans, strict=True))
        self.insert(
            RelaisResidence,
            [RelaisResidence(relais=r, residence=home, building=b) for r, p in pairs for home, b in p.homes],
        )
        self.insert(
            RelaisStatusChange,
            [
                RelaisStatusChange(
                    relais=r,
                    from_status=before.status if before else "",
                    to_status=step.status,
                    date=step.on,
                    exit_reason=step.exit_reason if step.status == S.SORTI else "",
                    note=step.note if before else "",
                    changed_by=self.by,
                    created_at=self.when(step.on),
                )
                for r, p in pairs
                for before, step in zip([None, *p.life], p.life, strict=False)
            ],
        )
        self.insert(
            Consent,
            [
                Consent(
                    organisation=self.organisation,
                    relais=r,
                    scope=scope,
                    given_on=p.joined,
                    recorded_by=self.by,
                    created_at=self.when(p.joined),
                )
                for r, p in pairs
                for scope in sorted(set(p.consents))
            ],
        )
        return people

    def plan_of(self, relais: Relais) -> RelaisPlan:
        return self._plans[relais.pk]

    def active(self, on: datetime.date) -> list[Relais]:
        """The relais built here who were active that day."""
        return [p.relais for p in self.population if p.status_on(on) == S.ACTIF]

    def home(self, relais: Relais) -> Residence | None:
        homes = self._plans[relais.pk].homes
        return homes[0][0] if homes else None

    def active_day(self, relais: Relais, first: datetime.date, last: datetime.date) -> datetime.date | None:
        """A day between `first` and `last` when the relais was active (None if none)."""
        spans = [
            (max(a, first), min(b, last))
            for a, b in self._plans[relais.pk].active_spans(self.today)
            if a <= last and b >= first
        ]
        if not spans:
            return None
        start, end = self.rng.choices(spans, weights=[(b - a).days + 1 for a, b in spans])[0]
        return self.day(start, end)

    def contacts(self, *, per: tuple[int, int] = (1, 5), quiet_every: int = 0, notes=content.NOTES) -> list[ContactLog]:
        """Staff's exchanges with each relais while in the network, the last one
        recent — but every `quiet_every`-th active relais has had none for over
        90 days (the dashboard's relais without contact). A candidate: one, just
        after they came forward."""
        rng, rows, actives = self.rng, [], 0
        for plan in self.population:
            now = plan.fields()
            if now["status"] == S.CANDIDAT:
                days = [min(plan.joined + 2 * DAY, self.today)]
            else:
                actives += now["status"] == S.ACTIF
                quiet = quiet_every and now["status"] == S.ACTIF and actives % quiet_every == 0
                end = now["left_on"] or self.today
                last = max(plan.joined, end - rng.randint(*((100, 200) if quiet else (3, 60))) * DAY)
                days = sorted({self.day(plan.joined, last) for _ in range(rng.randint(*per) - 1)} | {last})
            rows += [
                ContactLog(
                    organisation=self.organisation,
                    relais=plan.relais,
                    kind=rng.choice(ContactLog.Kind.values),
                    date=day,
                    note=rng.choice(notes),
                    author=self.by,
                    created_at=self.when(day, 11),
                )
                for day in days
            ]
        return self.insert(ContactLog, rows)

    def activities(
        self, entries: Iterable[tuple[Relais, datetime.date, str, int, str]] | None = None, *, per: int = 0
    ) -> list[Activity]:
        """What relais logged from their phones: `entries` (relais, day, kind,
        households, theme), or `per` for each relais active today, on days they were."""
        rng = self.rng
        if entries is None:
            entries = [
                (relais, day, rng.choice(Activity.Kind.values), rng.randrange(1, 25), rng.choice(Activity.Theme.values))
                for relais in self.active(self.today)
                for _ in range(per)
                if (day := self.active_day(relais, self.plan_of(relais).joined, self.today))
            ]
        return self.insert(
            Activity,
            [
                Activity(
                    organisation=self.organisation,
                    relais=relais,
                    kind=kind,
                    date=day,
                    households=households,
                    theme=theme,
                    # The time given (engagement/): what such an action takes.
                    minutes=self.rng.choice(ACTIVITY_MINUTES[kind]),
                    created_at=self.when(day, 19),
                )
                for relais, day, kind, households, theme in entries
            ],
        )

    # Meetings

    def invite(self, people: Iterable[Relais], *, held: bool, came: float = 0.9) -> list[Invited]:
        """Invitations answered as people answer them; attendance ticked once held."""
        invited = []
        for relais in people:
            answer = self.pick(RSVP)
            invited.append(
                Invited(relais, answer, (answer == "present" and self.rng.random() < came) if held else None)
            )
        return invited

    def plan_reunions(
        self,
        per_year: float,
        *,
        first: datetime.date | None = None,
        last: datetime.date | None = None,
        kinds: dict[str, float] = MEETING_KINDS,
        cancelled: float = 0.06,
        invite: tuple[int, int] = (12, 30),
        upcoming: Sequence[int] = (),
        address: str = "Salle commune",
    ) -> list[ReunionPlan]:
        """`per_year` meetings a year between `first` and `last` (the past year),
        held or now and then cancelled, with minutes, a decision and two actions
        when held; and one in each of `upcoming` days (the last a plenary). A
        plenary invites every relais active that day, another meeting a sample."""
        first = first or self.today - 365 * DAY
        last = last or self.today - DAY
        plans = []
        for _ in range(round(per_year * ((last - first).days + 1) / 365)):
            day, kind = self.day(first, last), self.pick(kinds)
            status = Reunion.Status.ANNULEE if self.rng.random() < cancelled else Reunion.Status.TENUE
            plans.append(self._drawn_meeting(day, kind, status, invite, address))
        for days in upcoming:
            kind = K.PLENIERE if days == max(upcoming) else K.THEMATIQUE
            plans.append(self._drawn_meeting(self.today + days * DAY, kind, Reunion.Status.PREVUE, invite, address))
        return plans

    def _drawn_meeting(self, day, kind, status, invite, address) -> ReunionPlan:
        rng = self.rng
        there = self.active(min(day, self.today))
        if kind != K.PLENIERE:
            there = rng.sample(there, k=min(len(there), rng.randint(*invite)))
        held = status == Reunion.Status.TENUE
        plan = ReunionPlan(
            kind=kind,
            day=day,
            status=status,
            title=f"{K(kind).label} du {day:%d/%m/%Y}",
            themes="propreté, sécurité",
            address=address,
            invitees=self.invite(there, held=held),
        )
        if held:
            plan.agenda = "Tour de table\nActualités\nQuestions diverses"
            plan.minutes = "Tour de table, points d'actualité."
            plan.decisions = "Un courrier aux locataires sur les encombrants."
            owners = [o for o in (self.by, rng.choice(there) if there else None) if o is not None]
            for n, owner in enumerate(owners):
                due = day + 45 * DAY
                done = due <= self.today
                plan.actions.append(
                    ActionPlan(
                        title=f"Action {n + 1}",
                        owner=owner,
                        due_on=due,
                        status=rng.choice(["faite", "faite", "abandonnee"]) if done else ActionItem.Status.OUVERTE,
                        closed_on=due if done else None,
                    )
                )
        return plan

    def planned_at(self, plan: ReunionPlan) -> datetime.datetime:
        """A meeting is planned a month ahead, never later than yesterday: its
        convocations are not dated in the future."""
        return self.at(min(plan.day - 30 * DAY, self.today - DAY), 9)

    def reunions(self, plans: Sequence[ReunionPlan] | float, **draw) -> list[Reunion]:
        """Write meetings in the order of their days: `plans`, or `plan_reunions(plans, **draw)`."""
        plans = self.plan_reunions(plans, **draw) if isinstance(plans, int | float) else list(plans)
        chronological = sorted(plans, key=lambda p: p.day)
        if self.bulk:
            self._reunions_bulk(chronological)
        else:
            for plan in chronological:
                self._reunion_one(plan)
        return [p.reunion for p in plans]

    def _reunion_one(self, plan: ReunionPlan) -> None:
        starts = self.at(plan.day, plan.hour)
        if plan.previous is not None and plan.previous.reunion is None:
            raise ValueError(f"{plan.title}: the meeting it follows is written first")
        with clock(self.planned_at(plan)):
            reunion = plan.reunion = reunions_services.reunion_plan(
                organisation=self.organisation,
                by=self.by,
                kind=plan.kind,
                title=plan.title,
                themes=plan.themes,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2),
                residence=plan.residence,
                address=plan.address,
                previous=plan.previous.reunion if plan.previous else None,
            )
        self._invitees([plan])
        if plan.agenda or plan.minutes or plan.decisions:
            reunions_services.minutes_save(
                reunion=reunion, agenda=plan.agenda, minutes=plan.minutes, decisions=plan.decisions
            )
        with self.recorded():
            if plan.status == Reunion.Status.ANNULEE:
                with clock(starts - 2 * DAY):
                    reunions_services.reunion_cancel(reunion=reunion, by=self.by)
            elif plan.status == Reunion.Status.TENUE and plan.minutes:
                with clock(reunion.ends_at + 2 * DAY):
                    reunions_services.minutes_publish(reunion=reunion, by=self.by)
            elif plan.status == Reunion.Status.TENUE:
                # Held with no minutes: no service says so (the minutes' publication does).
                Reunion.objects.filter(pk=reunion.pk).update(status=plan.status)
        reunion.refresh_from_db()
        self._actions([plan])

    def _reunions_bulk(self, plans: list[ReunionPlan]) -> None:
        if any(p.previous for p in plans):
            raise ValueError("a meeting that follows another is written through the services")
        reunions = self.insert(
            Reunion,
            [
                Reunion(
                    organisation=self.organisation,
                    kind=p.kind,
                    title=p.title,
                    themes=p.themes,
                    starts_at=(starts := self.at(p.day, p.hour)),
                    ends_at=starts + datetime.timedelta(hours=2),
                    residence=p.residence,
                    address=p.address,
                    organiser=self.by,
                    status=p.status,
                    minutes=p.minutes,
                    minutes_published_at=min(starts + 2 * DAY, timezone.now())
                    if p.status == Reunion.Status.TENUE and p.minutes
                    else None,
                    created_at=self.planned_at(p),
                )
                for p in plans
            ],
        )
        for plan, reunion in zip(plans, reunions, strict=True):
            plan.reunion = reunion
        self._invitees(plans)
        self._actions(plans)
        self.insert(
            AgendaItem,
            [AgendaItem(reunion=p.reunion, position=n, title=t) for p in plans for n, t in enumerate(_lines(p.agenda))],
        )
        self.insert(
            Decision,
            [Decision(reunion=p.reunion, position=n, text=t) for p in plans for n, t in enumerate(_lines(p.decisions))],
        )

    def _invitees(self, plans: list[ReunionPlan]) -> None:
        """Invitations as if they had gone out when each meeting was planned, and
        the answers three days before it (never later than now)."""
        rows, told = [], []
        for plan in plans:
            planned = self.planned_at(plan)
            answered = min(max(plan.reunion.starts_at - 3 * DAY, planned), timezone.now())
            for i in plan.invitees:
                rows.append(
                    Invitee(
                        reunion=plan.reunion,
                        relais=i.relais,
                        invited=i.invited,
                        answer=i.answer,
                        answered_at=answered if i.answer else None,
                        attended=i.attended,
                    )
                )
                if plan.told and i.invited:
                    told.append(self.message(i.relais, plan.reunion, "convocation", planned))
        self.insert(Invitee, rows)
        self.insert(Message, [m for m in told if m])

    def _actions(self, plans: list[ReunionPlan]) -> None:
        self.insert(
            ActionItem,
            [
                ActionItem(
                    organisation_id=p.reunion.organisation_id,
                    reunion=p.reunion,
                    title=a.title,
                    owner_relais=a.owner if isinstance(a.owner, Relais) else None,
                    owner_user=None if isinstance(a.owner, Relais) else a.owner,
                    due_on=a.due_on,
                    status=a.status,
                    closed_on=a.closed_on,
                    created_by=self.by,
                    created_at=p.reunion.ends_at,
                )
                for p in plans
                for a in p.actions
            ],
        )

    # Remontées

    def themes(self) -> dict[str, Theme]:
        if self._themes is None:
            self._themes = {t.name: t for t in Theme.objects.filter(organisation=self.organisation)}
        return self._themes

    def answers(self, status: str, raised: datetime.datetime) -> list[tuple[str, datetime.datetime, str]]:
        """The steps that bring a remontée raised at `raised` to `status`: a first
        answer within 20 days, closed within 60 more (never later than now), each
        with what the relais is told."""
        if status == R.NOUVELLE:
            return []
        now = timezone.now()
        answered = min(raised + self.rng.randrange(1, 20) * DAY, now)
        if status in (R.PRISE_EN_COMPTE, R.EN_COURS):
            return [(status, answered, content.ANSWERS[status])]
        closed = min(answered + self.rng.randrange(1, 60) * DAY, now)
        return [
            (R.PRISE_EN_COMPTE, answered, content.ANSWERS[R.PRISE_EN_COMPTE]),
            (status, closed, content.ANSWERS[status]),
        ]

    def plan_remontees(
        self, per_year: float, *, first: datetime.date | None = None, last: datetime.date | None = None
    ) -> list[RemonteePlan]:
        """For each relais, `per_year` remontées a year of activity between `first`
        and `last` (today), at least one if active then: what relais say (`content.SAID`), by
        phone, fiche contact or visit; the older, the further along."""
        rng, now = self.rng, timezone.now()
        first, last = first or self.today - 3 * 365 * DAY, last or self.today
        themes = self.themes()
        fallback = self.organisation.residences.order_by("pk").first()
        plans = []
        for person in self.population:
            spans = [
                (max(a, first), min(b, last)) for a, b in person.active_spans(self.today) if a <= last and b >= first
            ]
            days = sum((b - a).days for a, b in spans)
            for _ in range(max(1, round(per_year * days / 365)) if spans else 0):
                raised = self.when(self.active_day(person.relais, first, last), rng.randrange(8, 20))
                theme, nature, said = rng.choice(content.SAID)
                if (now - raised).days < 30:
                    status = rng.choice([R.NOUVELLE, R.NOUVELLE, R.PRISE_EN_COMPTE, R.EN_COURS])
                else:
                    status = rng.choice([R.RESOLUE, R.RESOLUE, R.RESOLUE, R.NON_RETENUE, R.EN_COURS])
                source = rng.choice([Remontee.Source.ESPACE, Remontee.Source.FICHE_CONTACT, Remontee.Source.VISITE])
                plans.append(
                    RemonteePlan(
                        residence=self.home(person.relais) or fallback,
                        theme=themes.get(theme) or rng.choice(list(themes.values())),
                        description=said,
                        at=raised,
                        relais=person.relais,
                        steps=self.answers(status, raised),
                        source=Remontee.Source.FICHE_CONTACT
                        if source == Remontee.Source.ESPACE and not person.relais.user_id
                        else source,
                        nature=nature,
                    )
                )
        return plans

    def remontees(self, plans: Sequence[RemonteePlan] | float, **draw) -> list[Remontee]:
        """Write remontées: `plans`, or `plan_remontees(plans, **draw)`."""
        plans = self.plan_remontees(plans, **draw) if isinstance(plans, int | float) else list(plans)
        return self._remontees_bulk(plans) if self.bulk else self._remontees_services(plans)

    def _raised_by(self, plan: RemonteePlan) -> User | None:
        """From the phone, the relais' own login; otherwise the staff who noted it."""
        return plan.relais.user if plan.source == Remontee.Source.ESPACE else self.by

    def _remontees_services(self, plans: list[RemonteePlan]) -> list[Remontee]:
        made = []
        with self.recorded():
            for plan in plans:
                with clock(plan.at):
                    remontee = remontees_services.remontee_create(
                        organisation=self.organisation, by=self._raised_by(plan), **plan.raised()
                    )
                if plan.steps and self.by is not None:
                    with clock(plan.steps[0][1]):
                        remontees_services.remontee_assign(remontee=remontee, assignee=self.by, by=self.by)
                for status, when, told in plan.steps:
                    with clock(when):
                        remontee = remontees_services.remontee_set_status(
                            remontee=remontee, status=status, by=self.by, comment=told
                        )
                made.append(remontee)
        return made

    # Services and hand-offs (through the services only: a handful per network)

    def services(self, directory: Sequence[tuple[str, str, str]]) -> list[Service]:
        """The organisation's services: (name, kind, e-mail)."""
        return [
            remontees_services.service_save(organisation=self.organisation, name=name, kind=kind, email=email)
            for name, kind, email in directory
        ]

    def hand_off(
        self,
        remontee: Remontee,
        service: Service,
        *,
        at: datetime.datetime,
        due_days: int,
        note: str = "",
        outcome: str | None = None,
        after: datetime.timedelta = DAY,
        answer: str = "",
        confirmed: bool = False,
    ) -> HandOff:
        """Hand `remontee` to `service` at `at`, wanted `due_days` later; with
        `outcome`, the service answers `after` that (never later than now) and,
        `confirmed`, the relais confirms « fait » the next day."""
        with self.recorded():
            with clock(at):
                handoff = remontees_services.handoff_create(
                    remontee=remontee,
                    service=service,
                    due_on=timezone.localdate() + due_days * DAY,
                    by=self.by,
                    note=note,
                )
            if outcome:
                with clock(at + after):
                    handoff = remontees_services.handoff_answer(handoff=handoff, outcome=outcome, answer=answer)
                if confirmed and remontee.relais_id and remontee.relais.user_id:
                    with clock(at + after + DAY):
                        remontees_services.remontee_confirm(remontee=remontee, by=remontee.relais.user)
        return handoff

    def _remontees_bulk(self, plans: list[RemonteePlan]) -> list[Remontee]:
        closed = (R.RESOLUE, R.NON_RETENUE)
        made = self.insert(
            Remontee,
            [
                Remontee(
                    organisation=self.organisation,
                    **p.raised(),
                    created_by=self._raised_by(p),
                    created_at=p.at,
                    status=p.status,
                    status_reason=next((told for _, _, told in reversed(p.steps) if told), ""),
                    assignee=self.by if p.steps else None,
                    answered_at=p.steps[0][1] if p.steps else None,
                    closed_at=p.steps[-1][1] if p.status in closed else None,
                )
                for p in plans
            ],
        )
        events, told = [], []
        for remontee, plan in zip(made, plans, strict=True):
            events.append(
                RemonteeEvent(remontee=remontee, kind="creee", status=R.NOUVELLE, by=self._raised_by(plan), at=plan.at)
            )
            if plan.steps and self.by is not None:
                events.append(
                    RemonteeEvent(
                        remontee=remontee,
                        kind="attribuee",
                        status=R.NOUVELLE,
                        comment=str(self.by),
                        by=self.by,
                        at=plan.steps[0][1],
                    )
                )
            for status, when, comment in plan.steps:
                events.append(
                    RemonteeEvent(remontee=remontee, kind="statut", status=status, comment=comment, by=self.by, at=when)
                )
                # The relais is told of each change, unless they made it themselves.
                if plan.relais and not (self.by and plan.relais.user_id == self.by.pk):
                    told.append(events[-1])
        self.insert(RemonteeEvent, events)
        self.insert(
            Message,
            [m for e in told if (m := self.message(e.remontee.relais, e.remontee, f"suivi-{e.pk}", e.at))],
        )
        return made

    # Initiatives

    def equipment(self, stock: Sequence[tuple[str, int]]) -> list[Equipment]:
        return self.insert(Equipment, [Equipment(organisation=self.organisation, name=n, quantity=q) for n, q in stock])

    def rooms(self, residences: Iterable[Residence]) -> list[Room]:
        return self.insert(
            Room,
            [Room(organisation=self.organisation, name=f"Salle commune — {r.name}", residence=r) for r in residences],
        )

    def partners(self, names: Sequence[str]) -> list[Partner]:
        return self.insert(Partner, [Partner(organisation=self.organisation, name=name) for name in names])

    def plan_initiatives(
        self,
        per_year: float,
        *,
        first: datetime.date | None = None,
        last: datetime.date | None = None,
        upcoming: float = 0.0,
        stock: Sequence[Equipment] = (),
        partners: Sequence[Partner] = (),
    ) -> list[InitiativePlan]:
        """`per_year` initiatives a year between `first` and `last` (the past year),
        and a share `upcoming` of them in the next 90 days: organised by one to
        three relais active on the day, at the first one's home; done with their
        report, or cancelled; to come as ideas or planned. Every fourth asks for
        `stock`, every fifth for a grant, decided once the day has passed."""
        rng = self.rng
        first, last = first or self.today - 365 * DAY, last or self.today
        kinds = list(InitiativeKind.objects.filter(organisation=self.organisation))
        plans = []
        for n in range(round(per_year * ((last - first).days + 1) / 365)):
            coming = rng.random() < upcoming
            day = self.today + rng.randint(1, 90) * DAY if coming else self.day(first, last)
            there = self.active(min(day, self.today))
            if not there:
                continue
            organisers = rng.sample(there, k=min(len(there), rng.randint(1, 3)))
            if coming:
                status = rng.choice([I.IDEE, I.PREVUE, I.PREVUE])
            else:
                status = rng.choice([I.REALISEE] * 4 + [I.ANNULEE])
            home, kind = self.home(organisers[0]), rng.choice(kinds)
            plan = InitiativePlan(
                kind=kind,
                title=f"{kind.name} du {day:%d/%m/%Y}",
                day=day,
                status=status,
                organisers=organisers,
                residences=[home] if home else [],
                place="" if home else "Square du quartier",
                partners=[rng.choice(partners)] if partners and n % 3 == 0 else [],
                description="Un moment entre voisins.",
            )
            if status == I.REALISEE:
                came = rng.randrange(10, 120)
                plan.report = {
                    "participants": came,
                    "children": came // 3,
                    "adults": came // 2,
                    "seniors": came // 6,
                    "went_well": "Beaucoup de nouvelles têtes.",
                }
            if status in (I.REALISEE, I.PREVUE):
                if stock and n % 4 == 0:
                    plan.logistics = LogisticsPlan(lines=[(e, 2) for e in stock], approve=True if not coming else None)
                if n % 5 == 0:
                    plan.grant = GrantPlan(
                        amount=Decimal(300),
                        objectives="Un repas partagé",
                        expected=40,
                        decided_on=None if coming else day - 10 * DAY,
                        granted=None if coming else Decimal(250),
                    )
            plans.append(plan)
        return plans

    def initiatives(self, plans: Sequence[InitiativePlan] | float, **draw) -> list[Initiative]:
        """Write initiatives: `plans`, or `plan_initiatives(plans, **draw)`."""
        plans = self.plan_initiatives(plans, **draw) if isinstance(plans, int | float) else list(plans)
        made = self._initiatives_bulk(plans) if self.bulk else [self._initiative_one(p) for p in plans]
        # The organisers of those done say the time they gave (engagement/).
        done = [i.pk for i, p in zip(made, plans, strict=True) if p.status == I.REALISEE]
        rows = list(Organiser.objects.filter(initiative_id__in=done).order_by("pk"))
        for row in rows:
            row.minutes = self.rng.choice(ORGANISER_MINUTES)
        Organiser.objects.bulk_update(rows, ["minutes"], batch_size=BATCH)
        return made

    def _initiative_one(self, plan: InitiativePlan) -> Initiative:
        s = initiatives_services
        where = {"residences": plan.residences, "place": plan.place, "organisers": plan.organisers}
        what = plan.what()
        with clock(self.before(plan.day, 40)):
            initiative = s.initiative_save(
                organisation=self.organisation,
                by=self.by,
                partners=plan.partners,
                status=I.IDEE if plan.status == I.IDEE else I.PREVUE,
                **what,
                **where,
            )
        with self.recorded():
            if (asked := plan.logistics) is not None:
                room = asked.room
                with clock(self.before(plan.day, 20)):
                    request = s.logistics_request(
                        initiative=initiative,
                        by=self.by,
                        starts_on=plan.day,
                        ends_on=plan.day,
                        lines=asked.lines,
                        room=room,
                        room_starts_at=self.at(plan.day, 17) if room else None,
                        room_ends_at=self.at(plan.day, 22) if room else None,
                    )
                if asked.approve is not None:
                    with clock(self.before(plan.day, 10)):
                        s.logistics_decide(
                            request=request,
                            by=self.by,
                            approve=asked.approve,
                            granted=asked.granted,
                            reason=asked.reason,
                        )
            if (grant := plan.grant) is not None:
                with clock(self.before(plan.day, 30)):
                    request = s.grant_request(
                        initiative=initiative,
                        by=self.by,
                        objectives=grant.objectives,
                        expected_participants=grant.expected,
                        amount_requested=grant.amount,
                        budget=grant.budget,
                    )
                if grant.decided_on is not None:
                    with clock(self.when(grant.decided_on)):
                        s.grant_decide(
                            grant=request,
                            by=self.by,
                            granted=grant.granted is not None,
                            decided_on=grant.decided_on,
                            amount_granted=grant.granted,
                            refusal_reason=grant.refusal,
                        )
        if plan.status == I.REALISEE:
            with clock(self.when(plan.day + DAY, 9)):
                s.initiative_report(initiative=initiative, **plan.report)
        elif plan.status == I.ANNULEE:
            with clock(self.before(plan.day, 2)):
                s.initiative_save(
                    organisation=self.organisation,
                    by=self.by,
                    initiative=initiative,
                    partners=plan.partners,
                    status=I.ANNULEE,
                    **what,
                    **where,
                )
        return initiative

    def _initiatives_bulk(self, plans: list[InitiativePlan]) -> list[Initiative]:
        report = ("participants", "children", "adults", "seniors", "newcomers", "went_well", "went_badly")
        items = self.insert(
            Initiative,
            [
                Initiative(
                    organisation=self.organisation,
                    **p.what(),
                    place=p.place,
                    status=p.status,
                    created_by=self.by,
                    created_at=self.before(p.day, 40),
                    **{k: v for k, v in (p.report or {}).items() if k in report},
                )
                for p in plans
            ],
        )
        pairs = list(zip(items, plans, strict=True))
        # The history `_initiative_one` leaves through the services.
        changes = []
        for i, p in pairs:
            first = I.IDEE if p.status == I.IDEE else I.PREVUE
            changes.append(InitiativeStatusChange(initiative=i, to_status=first, at=self.before(p.day, 40), by=self.by))
            if p.status == I.REALISEE:
                changes.append(
                    InitiativeStatusChange(
                        initiative=i, from_status=first, to_status=p.status, at=self.when(p.day + DAY, 9), by=self.by
                    )
                )
            elif p.status == I.ANNULEE:
                changes.append(
                    InitiativeStatusChange(
                        initiative=i, from_status=first, to_status=p.status, at=self.before(p.day, 2), by=self.by
                    )
                )
        self.insert(InitiativeStatusChange, changes)
        for through, attribute, target in (
            (Initiative.organisers.through, "organisers", "relais"),
            (Initiative.residences.through, "residences", "residence"),
            (Initiative.partners.through, "partners", "partner"),
        ):
            self.insert(
                through, [through(initiative=i, **{target: x}) for i, p in pairs for x in getattr(p, attribute)]
            )
        asked = [(i, p, p.logistics) for i, p in pairs if p.logistics]
        requests = self.insert(
            LogisticsRequest,
            [
                LogisticsRequest(
                    initiative=i,
                    starts_on=p.day,
                    ends_on=p.day,
                    room=a.room,
                    room_starts_at=self.at(p.day, 17) if a.room else None,
                    room_ends_at=self.at(p.day, 22) if a.room else None,
                    requested_by=self.by,
                    requested_at=self.before(p.day, 20),
                    status={None: "demandee", True: "approuvee", False: "refusee"}[a.approve],
                    decision_reason=a.reason,
                    decided_by=self.by if a.approve is not None else None,
                    decided_at=self.before(p.day, 10) if a.approve is not None else None,
                )
                for i, p, a in asked
            ],
        )
        self.insert(
            LogisticsLine,
            [
                LogisticsLine(
                    request=r,
                    equipment=e,
                    quantity=q,
                    granted=(a.granted or {}).get(e.pk, q) if a.approve else None,
                )
                for r, (_, _, a) in zip(requests, asked, strict=True)
                for e, q in a.lines
            ],
        )
        granted = [(i, p, p.grant) for i, p in pairs if p.grant]
        grants = self.insert(
            GrantRequest,
            [
                GrantRequest(
                    initiative=i,
                    objectives=g.objectives,
                    expected_participants=g.expected,
                    amount_requested=g.amount,
                    status="demandee" if g.decided_on is None else "accordee" if g.granted else "refusee",
                    amount_granted=g.granted if g.decided_on else None,
                    refusal_reason=g.refusal,
                    decided_on=g.decided_on,
                    decided_by=self.by if g.decided_on else None,
                    requested_by=self.by,
                    requested_at=self.before(p.day, 30),
                )
                for i, p, g in granted
            ],
        )
        self.insert(
            BudgetLine,
            [
                BudgetLine(grant=r, label=label, amount=amount)
                for r, (_, _, g) in zip(grants, granted, strict=True)
                for label, amount in g.budget
            ],
        )
        return items

    # The outbox's worst minute

    def photo(self, initiative: Initiative, *, caption: str, consent: bool, color: str = "#5b8c5a") -> None:
        """A photo of an initiative, as the organisers sent it the day after
        (`consent`: the people on it agreed; only then do other relais see it)."""
        image = Image.new("RGB", (640, 480), color)
        ImageDraw.Draw(image).rectangle((80, 300, 560, 420), fill="#f2d16b")
        out = io.BytesIO()
        image.save(out, "JPEG")
        with clock(self.when(initiative.starts_on + DAY, 11)):
            initiatives_services.photo_add(
                initiative=initiative,
                image=clean_photo(ContentFile(out.getvalue(), name="photo.jpg")),
                by=self.by,
                caption=caption,
                consent=consent,
            )

    def told(self, relais: Relais, *, day: datetime.date, kind, title: str, report: dict) -> Initiative:
        """An event a relais told about after it took place (from their phone, a
        few days later): recorded and reported as they did it."""
        with clock(self.when(day + 3 * DAY, 20)):
            return initiatives_services.initiative_tell(
                organisation=self.organisation,
                by=relais.user,
                relais=relais,
                kind=kind,
                title=title,
                starts_on=day,
                residence=self.home(relais),
                **report,
            )

    def announce(self, *, day: datetime.date, title: str, body: str, read: float = 0.0, **target) -> Announcement:
        """An announcement staff wrote and sent on `day` (through the services:
        the draft, then the confirmation); what it scheduled went out then; a
        share `read` of its recipients read it in the days after."""
        with clock(self.when(day, 9)):
            announcement = espace_services.announcement_draft(
                organisation=self.organisation, by=self.by, title=title, body=body, **target
            )
        with clock(self.when(day, 10)), self.recorded():
            espace_services.announcement_send(announcement=announcement, by=self.by)
        for row in AnnouncementRecipient.objects.filter(announcement=announcement).order_by("pk"):
            if self.rng.random() < read:
                read_at = self.when(day + self.rng.randint(0, 4) * DAY, 19)
                AnnouncementRecipient.objects.filter(pk=row.pk).update(read_at=read_at)
        return announcement

    def due_reminders(self, count: int, *, due: datetime.datetime) -> list[Relais]:
        """A plenary the day after `due`, `count` relais invited (by e-mail) and
        their J-1 reminders, all due at `due` (the convocations are not recorded:
        the outbox holds only what is due). The relais come back by e-mail."""
        people = self.relais(count, since=(due.date(), due.date()), until=due.date(), consents=[Consent.Scope.EMAIL])
        plan = ReunionPlan(
            kind=K.PLENIERE,
            day=(due + DAY).date(),
            title="Réunion plénière annuelle",
            address="Salle des fêtes, 1 place de la Mairie",
            invitees=[Invited(r) for r in people],
            told=False,
        )
        self.reunions([plan])
        self.insert(Message, [self.message(r, plan.reunion, "rappel-j1", due, sent=False) for r in people])
        return sorted(people, key=lambda r: r.email)
