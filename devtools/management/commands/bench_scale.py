"""Benchmark data (not a test): a federation of landlords at scale, written into
the configured database with bulk inserts.

    python manage.py bench_scale            (make bench runs it on a database of its own)

20 organisations, 1,000 residences, 1,500 relais, and five years of their life
(`--scale 10`: 200 organisations, each the size of its match among the first
twenty, and one landlord of 1,500 residences, 100,000 dwellings and 2,000
relais; `--extend` adds what a larger scale has to a smaller one already built):
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

import argparse
import datetime
import random
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
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
LARGEST = -1  # the index of the largest landlord, apart from the blocks of twenty
# The ten-times scale adds one landlord of this size (issue 23).
LARGEST_SIZE = {"residences": 1500, "relais": 2000, "dwellings": 100_000}


def slug(n: int) -> str:
    return f"{PREFIX}{n + 1:02d}"


def federation(
    *, organisations: int, residences: int, relais: int, years: int, seed: int, first: int = 0
) -> Counter[str]:
    """The organisations `first` … `organisations - 1`, one transaction each;
    the rows inserted, per model. Each organisation is drawn from a generator of
    its own and sized by its place in a block of twenty (`WEIGHTS`): the nth of
    the federation is the same whether it has 20 organisations or 200, so that a
    larger run only adds other organisations' data."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=365 * years)
    n_res, n_rel = sizes(residences, organisations), sizes(relais, organisations)
    counts: Counter[str] = Counter()
    for n in range(first, organisations):
        with transaction.atomic():
            counts += organisation(n, n_res[n], n_rel[n], rng=random.Random(seed * 100_003 + n), start=start)
    return counts


def sizes(total: int, organisations: int) -> list[int]:
    """Each organisation's share of `total`, repeated block after block of twenty."""
    block = WEIGHTS[:organisations]
    one = shares(round(total * len(block) / organisations), block, least=1)
    return [one[n % len(block)] for n in range(organisations)]


def largest_landlord(*, residences: int, relais: int, dwellings: int, years: int, seed: int) -> Counter[str]:
    """One landlord far larger than the others (a national one's regional branch)."""
    start = timezone.localdate() - datetime.timedelta(days=365 * years)
    with transaction.atomic():
        return organisation(
            LARGEST, residences, relais, rng=random.Random(seed * 100_003 - 1), start=start, dwellings=dwellings
        )


def mid_size() -> Organisation:
    """The organisation the two scales are compared on: a bailleur of the first
    block of twenty, in the larger half but not the largest — the same
    organisation, with the same data, at every scale."""
    first = Organisation.objects.filter(slug__in=[slug(n) for n in range(len(WEIGHTS))])
    orgs = list(first.annotate(size=Count("residences")).order_by("-size", "pk"))
    if not orgs:
        raise CommandError("Aucune donnée de banc d'essai : lancez manage.py bench_scale (ou make bench).")
    return orgs[len(orgs) // 4]


def largest() -> Organisation | None:
    """The organisation with the most residences."""
    orgs = Organisation.objects.filter(slug__startswith=PREFIX).annotate(size=Count("residences"))
    return orgs.order_by("-size", "pk").first()


def organisation(
    n: int, n_residences: int, n_relais: int, *, rng: random.Random, start: datetime.date, dwellings=(20, 300)
) -> Counter:
    if n == LARGEST:
        city, kind, name, org_slug = "Lyon", "bailleur", "Grand Habitat Rhône-Alpes", f"{PREFIX}grand-habitat"
    else:
        city, kind = CITIES[n % len(CITIES)], KINDS[n % len(KINDS)]
        label = {"bailleur": "Habitat de", "centre_social": "Centre social de", "association": "Voisins de"}[kind]
        # Past the first twenty, a city's second, third… organisation.
        name, org_slug = f"{label} {city}" + (f" {n // len(CITIES) + 1}" if n >= len(CITIES) else ""), slug(n)
    # One by one: the signals give each its default themes and initiative kinds.
    org = Organisation.objects.create(name=name, slug=org_slug, kind=kind)
    b = Builder(org, rng=rng, serial=(n if n != LARGEST else 9_999) * 10_000, bulk=True)
    R = Membership.Role
    b.member(f"admin@{org.slug}.test", R.ADMIN, first_name="Admin", last_name=city)
    b.by = b.member(f"mediation@{org.slug}.test", R.STAFF, first_name="Mediation", last_name=city)
    quartiers = b.quartiers([(f"Quartier {q + 1}", q % 3 == 0) for q in range(max(2, n_residences // 15))])
    b.member(f"agence@{org.slug}.test", R.STAFF, first_name="Agence", last_name=city, quartiers=quartiers[:1])
    b.member(f"partenaire@{org.slug}.test", R.PARTNER, first_name="Partenaire", last_name=city)
    homes = b.residences(
        n_residences,
        quartiers=quartiers,
        city=city,
        postal_code="69000",
        centre=(45.75, 4.85),
        common_rooms=0.2,
        dwellings=dwellings,
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
    # Meetings a year: more with more quartiers, up to what the largest of the
    # twenty holds (a plenary invites every active relais: the largest
    # landlord's would otherwise grow with its relais times its quartiers).
    b.reunions(
        4 + 2 * min(len(quartiers), 11), first=start, upcoming=(5, 12, 30, 60)
    )  # what comes: on the relais' home
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
            "--extend",
            action="store_true",
            help="garder le jeu déjà généré (à une échelle plus petite) et ajouter les organisations qui manquent",
        )
        parser.add_argument(
            "--landlord",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="ajouter un grand bailleur de 1 500 résidences, 100 000 logements et 2 000 relais "
            "(par défaut : à partir de --scale 10)",
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="facteur appliqué aux organisations, résidences et relais (0.2 pour un essai rapide, 10 : "
            "200 organisations)",
        )

    def handle(
        self, *args, organisations, residences, relais, years, seed, replace, extend, scale, landlord, **options
    ):
        if scale <= 0:
            raise CommandError("--scale doit être positif.")
        organisations = max(1, round(organisations * scale))
        residences, relais = max(organisations, round(residences * scale)), max(organisations, round(relais * scale))
        landlord = scale >= 10 if landlord is None else landlord
        existing = Organisation.objects.filter(slug__startswith=PREFIX)
        first = 0
        if existing.exists():
            if extend:
                first = existing.filter(slug__in=[slug(n) for n in range(organisations)]).count()
                if existing.filter(slug=slug(first)).exists() or first > organisations:
                    raise CommandError("--extend : les organisations déjà générées ne suivent pas la numérotation.")
            elif not replace:
                self.stdout.write("Un jeu de données de banc d'essai existe déjà (--replace pour le refaire).")
                return
            else:
                remove_organisations(existing)
        started = time.perf_counter()
        counts = federation(
            organisations=organisations, residences=residences, relais=relais, years=years, seed=seed, first=first
        )
        if landlord and not existing.filter(slug=f"{PREFIX}grand-habitat").exists():
            counts += largest_landlord(**LARGEST_SIZE, years=years, seed=seed)
        built = time.perf_counter() - started
        if connection.vendor == "postgresql":
            # As autovacuum would have it on a live database: fresh statistics,
            # and a visibility map for index-only scans.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        total = sum(counts.values())
        added = f", ajoutées à {first} organisations existantes" if first else ""
        self.stdout.write(
            f"Jeu de données : {number(total)} lignes en {built:.1f} s{added} "
            f"(+ {time.perf_counter() - started - built:.1f} s de VACUUM ANALYZE), {connection.vendor}."
        )
        for label, count in sorted(counts.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {label:34} {number(count):>9}")
