"""The demo network shown by `make run`.

Deterministic (a seeded random generator, dates as offsets from today so the
demo always looks current) and idempotent: accounts are get-or-created, and an
organisation's network is built once, in one transaction, so a second run (or a
run after an interrupted one) never duplicates anything.
"""

import datetime
import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.consents import consent_give
from core.models import Consent, Membership, Organisation, User
from devtools.demo import bilans, espace, initiatives, privacy, remontees, reunions
from relais import services
from relais.models import ContactLog, Quartier, Relais, Residence

PASSWORD = "demo1234"

FIRST_NAMES = [
    "Fatou",
    "Karim",
    "Nadia",
    "Jean-Pierre",
    "Aïcha",
    "Mohamed",
    "Sylvie",
    "Mamadou",
    "Chantal",
    "Youssef",
    "Brigitte",
    "Samir",
    "Monique",
    "Ibrahima",
    "Hélène",
    "Rachid",
    "Josiane",
    "Kévin",
    "Leïla",
    "Patrick",
    "Aminata",
    "Thierry",
    "Zohra",
    "Gérard",
    "Mariam",
    "Christophe",
    "Nathalie",
    "Ousmane",
    "Françoise",
    "Hakim",
    "Sandrine",
    "Abdel",
    "Odile",
    "Moussa",
    "Martine",
    "Bilal",
    "Catherine",
    "Djamila",
    "Michel",
    "Rokia",
]
LAST_NAMES = [
    "Diop",
    "Benali",
    "Martin",
    "Traoré",
    "Lefèvre",
    "Haddad",
    "Moreau",
    "Camara",
    "Girard",
    "Bensaïd",
    "Fontaine",
    "Keita",
    "Rousseau",
    "Mansouri",
    "Blanc",
    "Ndiaye",
    "Garnier",
    "Cissé",
    "Chevalier",
    "Amrani",
    "Perrin",
    "Sow",
    "Lambert",
    "Kaci",
    "Bonnet",
    "Coulibaly",
    "Faure",
    "Belkacem",
    "Mercier",
    "Ba",
]
RESIDENCE_NAMES = [
    "Les Tilleuls",
    "Le Belvédère",
    "Les Cèdres",
    "Cité Jean-Moulin",
    "Les Érables",
    "Le Clos des Vignes",
    "Les Terrasses du Lac",
    "La Roseraie",
    "Le Parc Fleuri",
    "Les Genêts",
    "Résidence Lamartine",
    "Les Mimosas",
    "Le Hameau du Port",
    "Les Peupliers",
    "Cité Jules-Ferry",
    "Les Glycines",
    "Le Grand Pré",
    "Les Chênes",
    "Résidence Victor-Hugo",
    "Les Lilas",
    "Le Moulin",
    "Les Marronniers",
    "La Fontaine",
    "Les Acacias",
    "Le Vieux Bourg",
    "Les Iris",
    "Résidence Pasteur",
    "Les Hirondelles",
    "Le Coteau",
    "Les Saules",
    "La Source",
    "Les Bleuets",
    "Résidence Colette",
    "Les Platanes",
    "Le Belvédère II",
    "Les Jardins d'Aurore",
    "Cité des Pêcheurs",
    "Les Myosotis",
    "Le Ponton",
    "Les Ormes",
]
STREETS = [
    "rue des Écoles",
    "avenue du Lac",
    "boulevard de la République",
    "rue Jean-Jaurès",
    "allée des Pins",
    "rue Pasteur",
    "chemin du Moulin",
    "place de la Mairie",
    "rue Victor-Hugo",
    "impasse des Lilas",
]
NOTES = [
    "Point sur la vie de la résidence.",
    "A signalé des encombrants dans le local vélos.",
    "Prépare la Fête des voisins avec deux voisines.",
    "Questions sur les travaux de la chaufferie.",
    "Souhaite une formation sur le rôle de relais.",
    "Relaie une demande d'éclairage dans le hall B.",
    "Propose un atelier cuisine dans la salle commune.",
    "Bilan de la visite de courtoisie aux nouveaux arrivants.",
]


class Command(BaseCommand):
    help = "Charge le réseau de démonstration (idempotent)."

    def handle(self, *args, **options):
        self.rng = random.Random(2026)
        self.today = timezone.localdate()
        with transaction.atomic():
            users = self.accounts()
            lac = self.organisation("habitat-du-lac", "Habitat du Lac", Organisation.Kind.BAILLEUR)
            tilleuls = self.organisation(
                "centre-social-tilleuls", "Centre social des Tilleuls", Organisation.Kind.CENTRE_SOCIAL
            )
            self.memberships(users, lac, tilleuls)
            if not lac.residences.exists():
                self.build_lac(lac, users)
            if not tilleuls.residences.exists():
                self.build_tilleuls(tilleuls, users)
            # In the order of their dependencies: remontées are raised at the meetings,
            # the bilan looks back on all of it, and retention runs last.
            for part in (reunions, remontees, initiatives, espace, bilans, privacy):
                part.seed(organisation=lac, staff=users["lac"], rng=self.rng, today=self.today)
        self.summary(lac, tilleuls)

    # Accounts

    def accounts(self) -> dict[str, User]:
        specs = {
            "admin": ("admin@demo.test", "Alex", "Admin", True),
            "lac": ("mediation@habitat-du-lac.test", "Claire", "Fontaine", False),
            "tilleuls": ("mediation@tilleuls.test", "Sophie", "Morel", False),
            "partner": ("partenaire@habitat-du-lac.test", "Paul", "Renard", False),
            "relais": ("relais@habitat-du-lac.test", "Fatou", "Diop", False),
        }
        users = {}
        for key, (email, first, last, superuser) in specs.items():
            user, created = User.objects.get_or_create(
                email=email,
                defaults={"first_name": first, "last_name": last, "is_staff": superuser, "is_superuser": superuser},
            )
            # A demo account keeps a password someone may have changed; only a
            # new account, or one without a usable password, gets demo1234.
            if created or not user.has_usable_password():
                user.set_password(PASSWORD)
                user.save(update_fields=["password"])
            users[key] = user
        return users

    def organisation(self, slug: str, name: str, kind: str) -> Organisation:
        org, _ = Organisation.objects.get_or_create(slug=slug, defaults={"name": name, "kind": kind})
        return org

    def memberships(self, users, lac, tilleuls) -> None:
        R = Membership.Role
        # The mediation lead administers her organisation: she sees the team page too.
        for user, org, role in [
            (users["lac"], lac, R.ADMIN),
            (users["tilleuls"], tilleuls, R.ADMIN),
            (users["partner"], lac, R.PARTNER),
            (users["relais"], lac, R.RELAIS),
        ]:
            Membership.objects.get_or_create(user=user, organisation=org, defaults={"role": role})

    # Networks

    def residences(self, org, quartiers, names, prefix, total_dwellings, centre):
        rng = self.rng
        weights = [rng.uniform(0.2, 2.2) for _ in names]
        scale = total_dwellings / sum(weights)
        created = []
        for i, name in enumerate(names):
            quartier = quartiers[i % len(quartiers)]
            created.append(
                Residence.objects.create(
                    organisation=org,
                    quartier=quartier,
                    name=name,
                    address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                    postal_code="74200",
                    city="Lacville",
                    dwellings=max(12, round(weights[i] * scale)),
                    reference=f"{prefix}-{i + 1:04d}",
                    has_common_room=rng.random() < 0.35,
                    latitude=round(centre[0] + rng.uniform(-0.02, 0.02), 6),
                    longitude=round(centre[1] + rng.uniform(-0.03, 0.03), 6),
                )
            )
        return created

    def person(self, i: int) -> tuple[str, str]:
        return FIRST_NAMES[(i * 7) % len(FIRST_NAMES)], LAST_NAMES[(i * 11) % len(LAST_NAMES)]

    def relais(self, org, staff, residences, count, start_index, *, history_days, own_user=None):
        rng = self.rng
        plan = (
            [Relais.Status.ACTIF] * round(count * 0.62)
            + [Relais.Status.CANDIDAT] * round(count * 0.1)
            + [Relais.Status.PAUSE] * round(count * 0.1)
        )
        plan += [Relais.Status.SORTI] * (count - len(plan))
        rng.shuffle(plan)
        if own_user is not None:
            plan[0] = Relais.Status.ACTIF
        people = []
        for n, target in enumerate(plan):
            first, last = self.person(start_index + n)
            if n == 0 and own_user is not None:
                first, last = own_user.first_name, own_user.last_name
            channel = rng.choices([Relais.Channel.EMAIL, Relais.Channel.SMS, Relais.Channel.PAPER], weights=[7, 2, 1])[
                0
            ]
            if target == Relais.Status.CANDIDAT:
                start = self.today - datetime.timedelta(days=rng.randint(5, 80))
            else:
                start = self.today - datetime.timedelta(days=rng.randint(120, history_days))
            home = residences[n % len(residences)]
            links = [(home, rng.choice(["", "", "Bât. A", "Bât. B", "Esc. 2", "Esc. 4"]))]
            if rng.random() < 0.1:
                other = residences[(n + 3) % len(residences)]
                if other != home:
                    links.append((other, ""))
            relais = services.relais_create(
                organisation=org,
                by=staff,
                first_name=first,
                last_name=last,
                status=Relais.Status.CANDIDAT if target == Relais.Status.CANDIDAT else Relais.Status.ACTIF,
                status_date=start,
                residences=links,
                phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                email="" if channel == Relais.Channel.PAPER else self.email(first, last, n),
                preferred_channel=channel,
                user=own_user if n == 0 else None,
            )
            scopes = [Consent.Scope.ANNUAIRE, Consent.Scope.SMS]
            scopes += [Consent.Scope.EMAIL] if relais.email else []
            scopes += [Consent.Scope.PHOTOS] if n % 3 else []
            consent_give(relais, scopes, on=start, by=staff)
            if own_user is not None and n == 0:
                relais.email = own_user.email
                relais.save(update_fields=["email"])
            span = (self.today - start).days
            if target == Relais.Status.PAUSE:
                services.relais_change_status(
                    relais=relais,
                    to_status=Relais.Status.PAUSE,
                    date=start + datetime.timedelta(days=rng.randint(span // 2, span - 10)),
                    by=staff,
                    note="Disponibilité réduite pour quelques mois.",
                )
            elif target == Relais.Status.SORTI:
                services.relais_change_status(
                    relais=relais,
                    to_status=Relais.Status.SORTI,
                    date=start + datetime.timedelta(days=rng.randint(60, span - 5)),
                    by=staff,
                    exit_reason=rng.choice(
                        [
                            Relais.ExitReason.DEMENAGEMENT,
                            Relais.ExitReason.MANQUE_DE_TEMPS,
                            Relais.ExitReason.RAISONS_PERSONNELLES,
                        ]
                    ),
                )
            relais.refresh_from_db()
            people.append((relais, start, target))
        self.contacts(org, staff, people)
        return people

    def email(self, first: str, last: str, n: int) -> str:
        import unicodedata

        def plain(text):
            return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if c.isalnum() or c == "-")

        return f"{plain(first)}.{plain(last)}{n}@example.org"

    def contacts(self, org, staff, people) -> None:
        rng = self.rng
        rows = []
        for n, (relais, start, target) in enumerate(people):
            if target == Relais.Status.CANDIDAT:
                dates = [start + datetime.timedelta(days=2)]
            else:
                # Every fifth active relais has had no exchange for over 90 days.
                quiet = target == Relais.Status.ACTIF and n % 5 == 3
                last_day = self.today - datetime.timedelta(days=rng.randint(100, 200) if quiet else rng.randint(3, 60))
                if last_day <= start:
                    last_day = start + datetime.timedelta(days=1)
                span = (last_day - start).days
                dates = sorted(
                    {start + datetime.timedelta(days=rng.randint(0, span)) for _ in range(rng.randint(1, 5))}
                )
                dates[-1] = last_day
                if target == Relais.Status.SORTI:
                    dates = [d for d in dates if d <= relais.left_on] or [start]
            for day in dates:
                rows.append(
                    ContactLog(
                        organisation=org,
                        relais=relais,
                        kind=rng.choice(list(ContactLog.Kind.values)),
                        date=day,
                        note=rng.choice(NOTES),
                        author=staff,
                    )
                )
        ContactLog.objects.bulk_create(rows)

    def build_lac(self, org, users) -> None:
        quartiers = [
            Quartier.objects.create(organisation=org, name="Les Hauts du Lac", is_qpv=True),
            Quartier.objects.create(organisation=org, name="La Prairie", is_qpv=True),
            Quartier.objects.create(organisation=org, name="Centre-Bourg", is_qpv=False),
        ]
        residences = self.residences(org, quartiers, RESIDENCE_NAMES, "HDL", 3000, (45.9, 6.12))
        # Relais live in the first 30 residences; the last ten have none yet,
        # among them some of the largest, as in a real network.
        relayed = residences[:30]
        relayed.sort(key=lambda r: (r.quartier_id != quartiers[0].pk, r.pk))
        self.relais(org, users["lac"], relayed, 60, 0, history_days=4 * 365, own_user=users["relais"])

    def build_tilleuls(self, org, users) -> None:
        quartiers = [Quartier.objects.create(organisation=org, name="Les Tilleuls", is_qpv=True)]
        names = [
            "Le Square des Tilleuls",
            "Les Castors",
            "Résidence du Marché",
            "Les Alouettes",
            "Le Carré Vert",
            "Les Pervenches",
        ]
        residences = self.residences(org, quartiers, names, "CST", 420, (45.88, 6.1))
        self.relais(org, users["tilleuls"], residences, 12, 100, history_days=3 * 365)

    def summary(self, *orgs) -> None:
        for org in orgs:
            statuses = {s: 0 for s in Relais.Status.values}
            for status in org.relais.values_list("status", flat=True):
                statuses[status] += 1
            dwellings = sum(org.residences.values_list("dwellings", flat=True))
            self.stdout.write(
                f"{org.name} : {org.residences.count()} résidences, {dwellings} logements, relais "
                + ", ".join(f"{Relais.Status(s).label.lower()} {n}" for s, n in statuses.items())
            )
