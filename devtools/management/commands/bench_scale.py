"""Benchmark data (not a test): a federation of landlords at scale, written into
the configured database with bulk inserts.

    python manage.py bench_scale            (make bench runs it on a database of its own)

20 organisations, 1,000 residences, 1,500 relais, and five years of their life:
meetings with invitations, answers and attendance, minutes and actions;
remontées with every step as an event and the messages that told the relais;
initiatives with organisers, logistics and grants; activity logged from the
phones; contacts and status histories — about 300,000 rows, in well under a
minute on PostgreSQL. Deterministic (a seeded generator). Written by
devtools.builder in bulk: the rows its services would have written, with
histories the product's forms could have recorded.

Logins, for the benchmark's driver: in each organisation an admin, two staff
(one limited to a quartier), a partner, and one for every active or paused
relais. Their passwords are unusable: the driver opens sessions directly.
The organisations' slugs start with "bench-"; `--replace` removes them first.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from core.models import ContactChannel, Membership, Organisation
from devtools.bench import number, remove_organisations
from devtools.builder import Builder, shares
from relais.models import Relais

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
S = Relais.Status


def federation(*, organisations: int, residences: int, relais: int, years: int, seed: int) -> Counter[str]:
    """The organisations, one transaction each; the rows inserted, per model."""
    rng, today = random.Random(seed), timezone.localdate()
    start = today - datetime.timedelta(days=365 * years)
    weights = (WEIGHTS * (organisations // len(WEIGHTS) + 1))[:organisations]
    counts: Counter[str] = Counter()
    for n, (n_res, n_rel) in enumerate(
        zip(shares(residences, weights, least=1), shares(relais, weights, least=1), strict=True)
    ):
        with transaction.atomic():
            counts += organisation(n, n_res, n_rel, rng=rng, start=start)
    return counts


def organisation(n: int, n_residences: int, n_relais: int, *, rng: random.Random, start: datetime.date) -> Counter:
    city, kind = CITIES[n % len(CITIES)], KINDS[n % len(KINDS)]
    label = {"bailleur": "Habitat de", "centre_social": "Centre social de", "association": "Voisins de"}[kind]
    # One by one: the signals give each its default themes and initiative kinds.
    org = Organisation.objects.create(name=f"{label} {city}", slug=f"{PREFIX}{n + 1:02d}", kind=kind)
    b = Builder(org, rng=rng, serial=n * 10_000, bulk=True)
    R = Membership.Role
    b.member(f"admin@{org.slug}.test", R.ADMIN, first_name="Admin", last_name=city)
    b.by = b.member(f"mediation@{org.slug}.test", R.STAFF, first_name="Mediation", last_name=city)
    quartiers = b.quartiers([(f"Quartier {q + 1}", q % 3 == 0) for q in range(max(2, n_residences // 15))])
    b.member(f"agence@{org.slug}.test", R.STAFF, first_name="Agence", last_name=city, quartiers=quartiers[:1])
    b.member(f"partenaire@{org.slug}.test", R.PARTNER, first_name="Partenaire", last_name=city)
    homes = b.residences(
        n_residences, quartiers=quartiers, city=city, postal_code="69000", centre=(45.75, 4.85), common_rooms=0.2
    )
    # Logins for the relais who use their space: the active and those pausing.
    b.relais(
        n_relais,
        homes=homes,
        statuses={S.ACTIF: 70, S.PAUSE: 8, S.CANDIDAT: 7, S.SORTI: 15},
        since=(start, b.today),
        channels={ContactChannel.EMAIL: 9, ContactChannel.SMS: 1},
        logins=(S.ACTIF, S.PAUSE),
    )
    b.contacts(per=(4, 4))
    b.reunions(4 + 2 * len(quartiers), first=start, upcoming=(5, 12, 30, 60))  # what comes: on the relais' home
    b.remontees(10, first=start)
    stock = b.equipment([("Tables", 30), ("Chaises", 150), ("Barnum", 3)])
    partners = b.partners([f"Association {k + 1}" for k in range(6)])
    b.initiatives(len(b.active(b.today)) / 3, first=start, upcoming=0.1, stock=stock, partners=partners)
    b.activities(per=30)
    return b.counts + Counter({"core.Organisation": 1})


class Command(BaseCommand):
    help = "Génère un jeu de données à l'échelle (20 organisations, 1 000 résidences, 1 500 relais, cinq ans)."

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=20)
        parser.add_argument("--residences", type=int, default=1000)
        parser.add_argument("--relais", type=int, default=1500)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--replace", action="store_true", help="supprimer d'abord un jeu déjà généré")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="facteur appliqué aux organisations, résidences et relais (0.2 pour un essai rapide, 10 : "
            "200 organisations)",
        )

    def handle(self, *args, organisations, residences, relais, years, seed, replace, scale, **options):
        if scale <= 0:
            raise CommandError("--scale doit être positif.")
        organisations = max(1, round(organisations * scale))
        residences, relais = max(organisations, round(residences * scale)), max(organisations, round(relais * scale))
        if Organisation.objects.filter(slug__startswith=PREFIX).exists():
            if not replace:
                self.stdout.write("Un jeu de données de banc d'essai existe déjà (--replace pour le refaire).")
                return
            remove_organisations(Organisation.objects.filter(slug__startswith=PREFIX))
        started = time.perf_counter()
        counts = federation(organisations=organisations, residences=residences, relais=relais, years=years, seed=seed)
        built = time.perf_counter() - started
        if connection.vendor == "postgresql":
            # As autovacuum would have it on a live database: fresh statistics,
            # and a visibility map for index-only scans.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        total = sum(counts.values())
        self.stdout.write(
            f"Jeu de données : {number(total)} lignes en {built:.1f} s "
            f"(+ {time.perf_counter() - started - built:.1f} s de VACUUM ANALYZE), {connection.vendor}."
        )
        for label, count in sorted(counts.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {label:34} {number(count):>9}")
