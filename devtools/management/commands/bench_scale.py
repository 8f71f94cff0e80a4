"""Benchmark data (not a test): a federation of landlords at scale, written into
the configured database with bulk inserts.

    python manage.py bench_scale            (make bench runs it on a database of its own)

20 organisations, 1,000 residences, 1,500 relais, and five years of their life:
meetings with invitations, answers and attendance, minutes and actions;
remontées with every step as an event and the messages that told the relais;
initiatives with organisers, logistics and grants; activity logged from the
phones; contacts and status histories — about 300,000 rows, in well under a
minute on PostgreSQL. Deterministic (a seeded generator).

Logins, for the benchmark's driver: in each organisation an admin, two staff
(one limited to a quartier), a partner, and one for every active or paused
relais. Their passwords are unusable: the driver opens sessions directly.
The organisations' slugs start with "bench-"; `--replace` removes them first.

Only for a database made for the benchmark: row timestamps are back-dated by
switching off `auto_now_add` while the rows are built.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction
from django.utils import timezone

from core.models import Consent, Membership, Message, Organisation, User
from devtools.management.commands.bench_bilan import delete_organisations
from espace.models import Activity
from initiatives.models import (
    Equipment,
    GrantRequest,
    Initiative,
    InitiativeKind,
    LogisticsLine,
    LogisticsRequest,
    Partner,
)
from relais.models import ContactLog, Quartier, Relais, RelaisResidence, RelaisStatusChange, Residence
from remontees.models import Remontee, RemonteeEvent, Theme
from reunions.models import ActionItem, AgendaItem, Decision, Invitee, Reunion

PREFIX = "bench-"
CITIES = (
    "Villeurbanne Vénissieux Saint-Étienne Grenoble Échirolles Chambéry Annecy Valence Roanne "
    "Bourg-en-Bresse Vaulx-en-Velin Bron Givors Oyonnax Montélimar Vienne Romans-sur-Isère Aix-les-Bains "
    "Rillieux-la-Pape Villefranche-sur-Saône"
).split()
# Share of the residences and relais of each organisation: one large bailleur,
# a few mid-sized ones, many small networks (social centres, associations).
WEIGHTS = [6, 4, 3, 3, 2, 2, 2, 2, 1.5, 1.5, 1.5, 1.5, 1, 1, 1, 1, 1, 1, 1, 1]
KINDS = ["bailleur"] * 14 + ["centre_social"] * 4 + ["association"] * 2
FIRST = (
    "Fatou Karim Nadia Jean-Pierre Aïcha Mohamed Sylvie Mamadou Chantal Youssef Brigitte Samir Monique "
    "Ibrahima Hélène Rachid Josiane Kévin Leïla Patrick"
).split()
LAST = (
    "Diallo Martin Benali Moreau Traoré Bernard Haddad Petit Nguyen Roux Cissé Fournier Mansouri Girard "
    "Keita Lambert Bouzid Faure Camara Mercier"
).split()
SAID = [
    "Des encombrants s'accumulent au pied du bâtiment depuis trois semaines.",
    "Le hall est mal nettoyé le lundi, après le week-end.",
    "L'éclairage du parking est en panne, les locataires ont peur le soir.",
    "Les radiateurs du 4e étage restent tièdes depuis la remise en route.",
    "L'ascenseur tombe en panne plusieurs fois par mois.",
    "Installer des bacs à fleurs partagés devant l'entrée.",
    "Organiser un café des voisins pour accueillir les nouveaux locataires.",
]
BATCH = 5000


@contextmanager
def backdated(*models_: type[models.Model]) -> Iterator[None]:
    """Let bulk inserts keep the creation dates they are given (five years of
    history) instead of "now"."""
    fields = [f for m in models_ for f in m._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def split(total: int, weights: list[float]) -> list[int]:
    """`total` shared by `weights`, every share at least 1, summing exactly."""
    shares = [max(1, int(total * w / sum(weights))) for w in weights]
    shares[0] += total - sum(shares)
    return shares


class Builder:
    def __init__(self, *, organisations: int, residences: int, relais: int, years: int, seed: int):
        self.rng = random.Random(seed)
        self.n_orgs = organisations
        self.n_residences = residences
        self.n_relais = relais
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
        self.start = self.today - datetime.timedelta(days=365 * years)
        self.days = (self.today - self.start).days
        self.password = make_password(None)  # unusable: sessions are opened by the driver
        self.counts: dict[str, int] = {}
        self.reunion_type = ContentType.objects.get_for_model(Reunion)
        self.remontee_type = ContentType.objects.get_for_model(Remontee)

    def at(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC)

    def day(self, after: datetime.date | None = None) -> datetime.date:
        first = after or self.start
        span = max(1, (self.today - first).days)
        return first + datetime.timedelta(days=self.rng.randrange(span))

    def insert(self, model: type[models.Model], rows: list) -> list:
        made = model.objects.bulk_create(rows, batch_size=BATCH)
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + len(made)
        return made

    def build(self) -> None:
        weights = (WEIGHTS * (self.n_orgs // len(WEIGHTS) + 1))[: self.n_orgs]
        for n, (n_res, n_rel) in enumerate(
            zip(split(self.n_residences, weights), split(self.n_relais, weights), strict=True)
        ):
            with transaction.atomic():
                self.organisation(n, n_res, n_rel)

    def organisation(self, n: int, n_residences: int, n_relais: int) -> None:
        rng = self.rng
        city = CITIES[n % len(CITIES)]
        kind = KINDS[n % len(KINDS)]
        label = {"bailleur": "Habitat de", "centre_social": "Centre social de", "association": "Voisins de"}[kind]
        # One by one: the signals give each its default themes and initiative kinds.
        org = Organisation.objects.create(name=f"{label} {city}", slug=f"{PREFIX}{n + 1:02d}", kind=kind)
        self.counts["relais.Organisation"] = self.counts.get("relais.Organisation", 0) + 1
        quartiers = self.insert(
            Quartier,
            [
                Quartier(organisation=org, name=f"Quartier {q + 1}", is_qpv=q % 3 == 0)
                for q in range(max(2, n_residences // 15))
            ],
        )
        homes = self.insert(
            Residence,
            [
                Residence(
                    organisation=org,
                    quartier=quartiers[i % len(quartiers)],
                    name=f"Résidence {i + 1:03d}",
                    address=f"{i + 1} rue de la République",
                    postal_code="69000",
                    city=city,
                    dwellings=rng.randrange(20, 300),
                    reference=f"R{i:04d}",
                    has_common_room=i % 5 == 0,
                    latitude=Decimal("45.7") + Decimal(rng.randrange(1000)) / 10000,
                    longitude=Decimal("4.8") + Decimal(rng.randrange(1000)) / 10000,
                    created_at=self.at(self.start),
                )
                for i in range(n_residences)
            ],
        )

        # Logins: staff of the organisation, and the relais who use their space.
        slug = org.slug
        staff_users = self.insert(
            User,
            [
                User(email=f"{who}@{slug}.test", first_name=who.capitalize(), last_name=city, password=self.password)
                for who in ("admin", "mediation", "agence", "partenaire")
            ],
        )
        admin, staff, agency, partner = staff_users
        memberships = self.insert(
            Membership,
            [
                Membership(user=admin, organisation=org, role=Membership.Role.ADMIN),
                Membership(user=staff, organisation=org, role=Membership.Role.STAFF),
                Membership(user=agency, organisation=org, role=Membership.Role.STAFF),
                Membership(user=partner, organisation=org, role=Membership.Role.PARTNER),
            ],
        )
        memberships[2].quartiers.set([quartiers[0]])

        S = Relais.Status
        people = []
        for i in range(n_relais):
            status = rng.choices([S.ACTIF, S.PAUSE, S.CANDIDAT, S.SORTI], weights=[70, 8, 7, 15])[0]
            started = self.day() if status != S.CANDIDAT else None
            since = self.day(started) if status in (S.PAUSE, S.SORTI) else (started or self.day())
            people.append(
                Relais(
                    organisation=org,
                    first_name=FIRST[i % len(FIRST)],
                    last_name=f"{LAST[(i // len(FIRST)) % len(LAST)]} {i + 1:03d}",
                    email=f"relais{i + 1:03d}@{slug}.test",
                    phone=f"06 00 {n:02d} {i // 100:02d} {i % 100:02d}",
                    preferred_channel=Relais.Channel.EMAIL if i % 10 else Relais.Channel.SMS,
                    status=status,
                    status_since=since,
                    started_on=started,
                    left_on=since if status == S.SORTI else None,
                    exit_reason=Relais.ExitReason.DEMENAGEMENT if status == S.SORTI else "",
                    created_at=self.at(started or since),
                )
            )
        logins = self.insert(
            User,
            [
                User(email=p.email, first_name=p.first_name, last_name=p.last_name, password=self.password)
                for p in people
                if p.status in (S.ACTIF, S.PAUSE)
            ],
        )
        by_email = {u.email: u for u in logins}
        for person in people:
            person.user = by_email.get(person.email)
        people = self.insert(Relais, people)
        self.insert(Membership, [Membership(user=u, organisation=org, role=Membership.Role.RELAIS) for u in logins])
        home_of = {p.pk: homes[i % len(homes)] for i, p in enumerate(people)}
        self.insert(RelaisResidence, [RelaisResidence(relais=p, residence=home_of[p.pk]) for p in people])
        changes = []
        for p in people:
            if p.started_on:
                changes.append(
                    RelaisStatusChange(relais=p, to_status=S.ACTIF, date=p.started_on, created_at=self.at(p.started_on))
                )
            if p.status != S.ACTIF:
                changes.append(
                    RelaisStatusChange(
                        relais=p,
                        from_status=S.ACTIF if p.started_on else "",
                        to_status=p.status,
                        date=p.status_since,
                        exit_reason=p.exit_reason,
                        created_at=self.at(p.status_since),
                    )
                )
        self.insert(RelaisStatusChange, changes)
        self.insert(
            ContactLog,
            [
                ContactLog(
                    organisation=org,
                    relais=p,
                    kind=rng.choice(ContactLog.Kind.values),
                    date=(d := self.day(p.started_on)),
                    note="Point sur la résidence.",
                    author=staff,
                    created_at=self.at(d),
                )
                for p in people
                for _ in range(4)
            ],
        )
        self.consents(org, people)
        active = [p for p in people if p.status == S.ACTIF]
        self.meetings(org, staff, quartiers, homes, active, home_of)
        self.remontees(org, staff, homes, active, home_of)
        self.initiatives(org, staff, homes, active, home_of)
        self.insert(
            Activity,
            [
                Activity(
                    organisation=org,
                    relais=p,
                    kind=rng.choice(Activity.Kind.values),
                    date=(d := self.day(p.started_on)),
                    households=rng.randrange(1, 25),
                    theme=rng.choice(Activity.Theme.values),
                    created_at=self.at(d, 19),
                )
                for p in active
                for _ in range(30)
            ],
        )

    def consents(self, org: Organisation, people: list[Relais]) -> None:
        """Consents to be listed and contacted, given when they started."""
        scopes = [Consent.Scope.ANNUAIRE, Consent.Scope.EMAIL, Consent.Scope.SMS]
        self.insert(
            Consent,
            [
                Consent(
                    organisation=org, relais=p, scope=scope, given_on=p.started_on, created_at=self.at(p.started_on)
                )
                for p in people
                if p.started_on
                for scope in scopes
            ],
        )

    def meetings(self, org, staff, quartiers, homes, active, home_of) -> None:
        rng = self.rng
        per_year = 4 + 2 * len(quartiers)
        K, St = Reunion.Kind, Reunion.Status
        plans = []
        for _ in range(per_year * self.days // 365):
            kind = rng.choices([K.PLENIERE, K.THEMATIQUE, K.COMITE, K.FORMATION, K.VISITE], weights=[2, 5, 2, 1, 2])[0]
            plans.append((self.day(), kind, St.ANNULEE if rng.random() < 0.06 else St.TENUE))
        for days in (5, 12, 30, 60):  # what comes next: invitations on the relais' home page
            plans.append(
                (self.today + datetime.timedelta(days=days), K.PLENIERE if days == 60 else K.THEMATIQUE, St.PREVUE)
            )
        reunions = self.insert(
            Reunion,
            [
                Reunion(
                    organisation=org,
                    kind=kind,
                    title=f"{K(kind).label} du {day:%d/%m/%Y}",
                    themes="propreté, sécurité",
                    starts_at=self.at(day, 18),
                    ends_at=self.at(day, 20),
                    address="Salle commune",
                    residence=homes[0] if homes[0].has_common_room else None,
                    organiser=staff,
                    status=status,
                    minutes="Tour de table, points d'actualité." if status == St.TENUE else "",
                    minutes_published_at=self.at(day + datetime.timedelta(days=7)) if status == St.TENUE else None,
                    # Planned a month ahead, and never later than yesterday: the
                    # convocations sent then are not dated in the future.
                    created_at=self.at(min(day - datetime.timedelta(days=30), self.today - datetime.timedelta(days=1))),
                )
                for day, kind, status in plans
            ],
        )
        invitees, messages = [], []
        answers = ["present", "present", "present", "absent", "peut_etre", ""]
        for reunion in reunions:
            day = reunion.starts_at.date()
            there = [p for p in active if p.started_on <= day]
            if reunion.kind != K.PLENIERE:
                there = rng.sample(there, k=min(len(there), rng.randrange(12, 30)))
            for p in there:
                answer = rng.choice(answers)
                held = reunion.status == St.TENUE
                invitees.append(
                    Invitee(
                        reunion=reunion,
                        relais=p,
                        answer=answer,
                        attended=(answer == "present") if held else None,
                        answered_at=reunion.starts_at - datetime.timedelta(days=3) if answer else None,
                    )
                )
                messages.append(
                    Message(
                        organisation=org,
                        recipient_relais=p,
                        subject_type=self.reunion_type,
                        subject_id=reunion.pk,
                        kind="convocation",
                        address=p.email,
                        scheduled_for=reunion.created_at,
                        state=Message.State.SENT,
                        sent_at=reunion.created_at,
                        attempts=1,
                        created_at=reunion.created_at,
                    )
                )
        self.insert(Invitee, invitees)
        self.insert(Message, messages)
        self.insert(
            AgendaItem,
            [
                AgendaItem(reunion=r, position=n, title=t)
                for r in reunions
                for n, t in enumerate(["Tour de table", "Actualités", "Questions diverses"])
            ],
        )
        held = [r for r in reunions if r.status == St.TENUE]
        self.insert(
            Decision, [Decision(reunion=r, text="Un courrier aux locataires sur les encombrants.") for r in held]
        )
        self.insert(
            ActionItem,
            [
                ActionItem(
                    reunion=r,
                    title=f"Action {n + 1}",
                    owner_relais=rng.choice(active) if n else None,
                    owner_user=None if n else staff,
                    due_on=(due := r.starts_at.date() + datetime.timedelta(days=45)),
                    status=ActionItem.Status.OUVERTE
                    if due > self.today
                    else rng.choice(["faite", "faite", "abandonnee"]),
                    created_by=staff,
                    created_at=r.starts_at,
                )
                for r in held
                if active
                for n in range(2)
            ],
        )

    def remontees(self, org, staff, homes, active, home_of) -> None:
        rng = self.rng
        themes = list(Theme.objects.filter(organisation=org))
        R = Remontee.Status
        rows = []
        for p in active:
            for _ in range(10 * max(1, (self.today - p.started_on).days) // 365 + 1):
                created = self.at(self.day(p.started_on), rng.randrange(8, 20))
                age = (self.now - created).days
                # The older, the further along: recent ones are still open.
                if age < 30:
                    status = rng.choice([R.NOUVELLE, R.NOUVELLE, R.PRISE_EN_COMPTE, R.EN_COURS])
                else:
                    status = rng.choice([R.RESOLUE, R.RESOLUE, R.RESOLUE, R.NON_RETENUE, R.EN_COURS])
                answered = created + datetime.timedelta(days=rng.randrange(1, 20)) if status != R.NOUVELLE else None
                closed = (
                    answered + datetime.timedelta(days=rng.randrange(1, 60))
                    if status in (R.RESOLUE, R.NON_RETENUE)
                    else None
                )
                rows.append(
                    Remontee(
                        organisation=org,
                        residence=home_of[p.pk],
                        relais=p,
                        theme=rng.choice(themes),
                        nature="proposition" if rng.random() < 0.2 else "difficulte",
                        description=rng.choice(SAID),
                        status=status,
                        status_reason="Réparé ; merci pour le signalement." if closed else "",
                        assignee=staff if answered else None,
                        source=rng.choice(["espace", "fiche_contact", "visite"]),
                        created_by=p.user or staff,
                        created_at=created,
                        answered_at=answered,
                        closed_at=min(closed, self.now) if closed else None,
                    )
                )
        made = self.insert(Remontee, rows)
        events, told = [], []
        for r in made:
            events.append(RemonteeEvent(remontee=r, kind="creee", status=R.NOUVELLE, by=r.created_by, at=r.created_at))
            if r.answered_at:
                steps = [(R.PRISE_EN_COMPTE if r.status != R.EN_COURS else R.EN_COURS, r.answered_at)]
                if r.closed_at:
                    steps.append((r.status, r.closed_at))
                for status, at in steps:
                    events.append(
                        RemonteeEvent(
                            remontee=r, kind="statut", status=status, comment=r.status_reason, by=staff, at=at
                        )
                    )
                    told.append(events[-1])
        self.insert(RemonteeEvent, events)
        self.insert(
            Message,
            [
                Message(
                    organisation=org,
                    recipient_relais=e.remontee.relais,
                    subject_type=self.remontee_type,
                    subject_id=e.remontee.pk,
                    kind=f"suivi-{e.pk}",
                    address=e.remontee.relais.email,
                    scheduled_for=e.at,
                    state=Message.State.SENT,
                    sent_at=e.at,
                    attempts=1,
                    created_by=staff,
                    created_at=e.at,
                )
                for e in told
            ],
        )

    def initiatives(self, org, staff, homes, active, home_of) -> None:
        rng = self.rng
        kinds = list(InitiativeKind.objects.filter(organisation=org))
        partners = self.insert(Partner, [Partner(organisation=org, name=f"Association {n + 1}") for n in range(6)])
        I = Initiative.Status  # noqa: E741
        items, organisers = [], []
        for _ in range(len(active) * self.days // 365 // 3 + 4):
            day = self.day() if rng.random() < 0.9 else self.today + datetime.timedelta(days=rng.randrange(1, 90))
            past = day <= self.today
            status = rng.choice([I.REALISEE] * 4 + [I.ANNULEE]) if past else rng.choice([I.IDEE, I.PREVUE, I.PREVUE])
            n = rng.randrange(10, 120) if status == I.REALISEE else None
            items.append(
                Initiative(
                    organisation=org,
                    kind=rng.choice(kinds),
                    title=f"{rng.choice(kinds).name} du {day:%d/%m/%Y}",
                    description="Un moment entre voisins.",
                    starts_on=day,
                    status=status,
                    participants=n,
                    children=n // 3 if n else None,
                    adults=n // 2 if n else None,
                    seniors=n // 6 if n else None,
                    went_well="Beaucoup de nouvelles têtes." if n else "",
                    created_by=staff,
                    created_at=self.at(day - datetime.timedelta(days=40)),
                )
            )
            organisers.append(rng.sample(active, k=min(len(active), rng.randrange(1, 4))))
        items = self.insert(Initiative, items)
        self.insert(
            Initiative.organisers.through,
            [
                Initiative.organisers.through(initiative=item, relais=p)
                for item, who in zip(items, organisers, strict=True)
                for p in who
            ],
        )
        self.insert(
            Initiative.residences.through,
            [
                Initiative.residences.through(initiative=item, residence=home_of[who[0].pk])
                for item, who in zip(items, organisers, strict=True)
                if who
            ],
        )
        self.insert(
            Initiative.partners.through,
            [Initiative.partners.through(initiative=item, partner=rng.choice(partners)) for item in items[::3]],
        )
        stock = self.insert(
            Equipment,
            [
                Equipment(organisation=org, name=n, quantity=q)
                for n, q in [("Tables", 30), ("Chaises", 150), ("Barnum", 3)]
            ],
        )
        asked = [item for item in items if item.status in (I.REALISEE, I.PREVUE)][::4]
        requests = self.insert(
            LogisticsRequest,
            [
                LogisticsRequest(
                    initiative=item,
                    starts_on=item.starts_on,
                    ends_on=item.starts_on,
                    requested_by=staff,
                    status="approuvee" if item.starts_on <= self.today else "demandee",
                    requested_at=self.at(item.starts_on - datetime.timedelta(days=20)),
                )
                for item in asked
            ],
        )
        self.insert(
            LogisticsLine,
            [
                LogisticsLine(request=r, equipment=e, quantity=2, granted=2 if r.status == "approuvee" else None)
                for r in requests
                for e in stock
            ],
        )
        self.insert(
            GrantRequest,
            [
                GrantRequest(
                    initiative=item,
                    objectives="Un repas partagé",
                    expected_participants=40,
                    amount_requested=300,
                    status="accordee" if item.starts_on <= self.today else "demandee",
                    amount_granted=250 if item.starts_on <= self.today else None,
                    requested_by=staff,
                    requested_at=self.at(item.starts_on - datetime.timedelta(days=30)),
                )
                for item in items[::5]
                if item.status in (I.REALISEE, I.PREVUE)
            ],
        )


def remove() -> None:
    """Remove the benchmark's organisations and their accounts."""
    orgs = Organisation.objects.filter(slug__startswith=PREFIX)
    with transaction.atomic():
        User.objects.filter(email__endswith=".test", memberships__organisation__in=orgs).delete()
        delete_organisations(orgs)


class Command(BaseCommand):
    help = "Génère un jeu de données à l'échelle (20 organisations, 1 000 résidences, 1 500 relais, cinq ans)."

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=20)
        parser.add_argument("--residences", type=int, default=1000)
        parser.add_argument("--relais", type=int, default=1500)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--replace", action="store_true", help="supprimer d'abord un jeu déjà généré")

    def handle(self, *args, organisations, residences, relais, years, seed, replace, **options):
        if Organisation.objects.filter(slug__startswith=PREFIX).exists():
            if not replace:
                self.stdout.write("Un jeu de données de banc d'essai existe déjà (--replace pour le refaire).")
                return
            remove()
        started = time.perf_counter()
        builder = Builder(organisations=organisations, residences=residences, relais=relais, years=years, seed=seed)
        with backdated(
            Relais,
            RelaisStatusChange,
            ContactLog,
            Residence,
            Reunion,
            ActionItem,
            Message,
            Remontee,
            RemonteeEvent,
            Initiative,
            Activity,
            Consent,
        ):
            builder.build()
        built = time.perf_counter() - started
        if connection.vendor == "postgresql":
            # As autovacuum would have it on a live database: fresh statistics,
            # and a visibility map for index-only scans.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        total = sum(builder.counts.values())
        self.stdout.write(
            f"Jeu de données : {number(total)} lignes en {built:.1f} s "
            f"(+ {time.perf_counter() - started - built:.1f} s de VACUUM ANALYZE), {connection.vendor}."
        )
        for label, count in sorted(builder.counts.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {label:34} {number(count):>9}")


def number(n: int) -> str:
    """12 345, the French way (a narrow no-break space between thousands)."""
    return f"{n:,}".replace(",", "\u202f")
