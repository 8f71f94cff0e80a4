"""Benchmark (not a test): a streamed export of 100,000 rows, its time and its
peak memory, as an operator's download would run it.

    python manage.py bench_export [--rows 100000] [--format csv|xlsx]

It builds a throwaway organisation whose relais logged `--rows` activities
(bulk inserts), then downloads « Activité des relais » with `?format=…` through
Django's test client in a child process (the view, the scoping, the journal
and the writer, as in production) and reads the child's time and peak memory
(max RSS). Then it deletes what it built. Target: under 30 s and 200 MB.
"""

import datetime
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client

from core.models import Membership, Organisation, User
from devtools.bench import remove_organisations
from devtools.builder import Builder
from espace.models import Activity

SLUG = "bench-export"
TARGET_SECONDS = 30
TARGET_MB = 200
BATCH = 5000


def build(rows: int) -> None:
    org = Organisation.objects.create(name="Bailleur des exports", slug=SLUG, kind="bailleur")
    b = Builder(org, rng=random.Random(7), bulk=True)
    b.by = b.member(f"mediation@{SLUG}.test", Membership.Role.STAFF, first_name="Médiation")
    homes = b.residences(20, quartiers=b.quartiers([("Quartier 1", True)]), prefix="X")
    # Active since before the first activity (900 days back), so that every row is one they could log.
    joined = (b.today - datetime.timedelta(days=1500), b.today - datetime.timedelta(days=1000))
    people = b.relais(50, homes=homes, since=joined)
    kinds, themes = Activity.Kind.values, Activity.Theme.values
    for start in range(0, rows, BATCH):
        Activity.objects.bulk_create(
            Activity(
                organisation=org,
                relais=people[n % len(people)],
                kind=kinds[n % len(kinds)],
                theme=themes[n % len(themes)],
                households=1 + n % 7,
                date=b.today - datetime.timedelta(days=n % 900),
            )
            for n in range(start, min(rows, start + BATCH))
        )


class Command(BaseCommand):
    help = "Mesure le temps et la mémoire d'un export en flux de 100 000 lignes (CSV ou XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--child", action="store_true", help="(interne) télécharge l'export et sort")

    def handle(self, *args, rows, format, child, **options):
        if child:
            return self.download(format)
        remove_organisations(Organisation.objects.filter(slug=SLUG))
        started = time.perf_counter()
        with transaction.atomic():
            build(rows)
        self.stdout.write(
            f"{Activity.objects.filter(organisation__slug=SLUG).count()} activités écrites en "
            f"{time.perf_counter() - started:.1f} s ({connection.vendor})."
        )
        try:
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench_export", "--child",
                 "--format", format],
                check=True,
                capture_output=True,
                text=True,
            )  # fmt: skip
            seconds = time.perf_counter() - started
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            peak_mb, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
        finally:
            remove_organisations(Organisation.objects.filter(slug=SLUG))
        lines, size = result.stdout.split()
        ok = seconds < TARGET_SECONDS and peak_mb < TARGET_MB
        self.stdout.write(
            f"  export {format.upper()} de {int(lines) - 1} lignes ({int(size) // 1024} Ko), processus à part : "
            f"{seconds:.1f} s ({cpu:.1f} s de processeur, démarrage de Django compris), pic mémoire {peak_mb:.0f} Mo"
        )
        self.stdout.write(f"  objectif < {TARGET_SECONDS} s et < {TARGET_MB} Mo : {'atteint' if ok else 'MANQUÉ'}")

    def download(self, fmt: str) -> None:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
        client.force_login(User.objects.get(email=f"mediation@{SLUG}.test"))
        response = client.get(f"/espace/activite/equipe/?format={fmt}", secure=True)
        if response.status_code != 200:
            raise SystemExit(f"réponse {response.status_code}")
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n") if fmt == "csv" else 0
        if fmt == "xlsx":
            lines = Activity.objects.filter(organisation__slug=SLUG).count() + 1
        self.stdout.write(f"{lines} {size}")
