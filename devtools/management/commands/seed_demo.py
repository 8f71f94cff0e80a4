"""The demo network shown by `make run`.

Deterministic (a seeded random generator, dates as offsets from today so the
demo always looks current) and idempotent: accounts are get-or-created, and an
organisation's network is built once, in one transaction, so a second run (or a
run after an interrupted one) never duplicates anything. The data is written by
devtools.builder, through the product's services; devtools/demo/ holds what it says.
"""

import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.models import Membership, Organisation, User
from devtools.builder import Builder
from devtools.demo import (
    bilans,
    engagement,
    enquetes,
    espace,
    initiatives,
    network,
    parcours,
    privacy,
    public,
    remontees,
    reseau,
    reunions,
)
from relais.models import Relais

PASSWORD = "demo1234"


class Command(BaseCommand):
    help = "Charge le réseau de démonstration (idempotent)."

    def handle(self, *args, **options):
        rng, today = random.Random(2026), timezone.localdate()
        with transaction.atomic():
            users = self.accounts()
            lac = self.organisation("habitat-du-lac", "Habitat du Lac", Organisation.Kind.BAILLEUR)
            tilleuls = self.organisation(
                "centre-social-tilleuls", "Centre social des Tilleuls", Organisation.Kind.CENTRE_SOCIAL
            )
            self.memberships(users, lac, tilleuls)
            if not lac.residences.exists():
                b = Builder(lac, by=users["lac"], rng=rng, today=today)
                network.lac(b, relais_user=users["relais"])
                # In the order of their dependencies: remontées are raised at the
                # meetings, the public page shows the initiatives, the thanks count the
                # activity logged, the bilan looks back on all of it (the hours given and
                # the surveys' barometer included), retention runs last.
                for part in (
                    reunions,
                    remontees,
                    initiatives,
                    espace,
                    parcours,
                    engagement,
                    public,
                    enquetes,
                    bilans,
                    privacy,
                ):
                    part.seed(b)
            if not tilleuls.residences.exists():
                network.tilleuls(Builder(tilleuls, by=users["tilleuls"], rng=rng, today=today, serial=100))
            # The regional network: the two organisations above and a third.
            rhone = self.organisation("rhone-habitat", "Rhône Habitat", Organisation.Kind.BAILLEUR)
            if not rhone.residences.exists():
                network.rhone(Builder(rhone, rng=rng, today=today, serial=200))
            regional = self.organisation(
                "reseau-regional", "Réseau régional des habitants-relais", Organisation.Kind.RESEAU
            )
            Membership.objects.get_or_create(
                user=users["coordination"], organisation=regional, defaults={"role": Membership.Role.COORDINATOR}
            )
            if not reseau.already(regional):
                reseau.seed(
                    regional,
                    [lac, tilleuls, rhone],
                    coordinator=users["coordination"],
                    staff=[users["lac"], users["tilleuls"]],
                    relais_user=users["relais"],
                    today=today,
                )
        self.summary(lac, tilleuls, rhone)

    # Accounts

    def accounts(self) -> dict[str, User]:
        specs = {
            "admin": ("admin@demo.test", "Alex", "Admin", True),
            "lac": ("mediation@habitat-du-lac.test", "Claire", "Fontaine", False),
            "tilleuls": ("mediation@tilleuls.test", "Sophie", "Morel", False),
            "partner": ("partenaire@habitat-du-lac.test", "Paul", "Renard", False),
            "relais": ("relais@habitat-du-lac.test", "Fatou", "Diop", False),
            "coordination": ("coordination@reseau-regional.test", "Inès", "Garnier", False),
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
