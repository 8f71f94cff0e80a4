"""Benchmark (not a test): the network dashboard of a network of 200 members.

    DEBUG=1 DEVTOOLS=1 python manage.py bench_network [--members 200]

(DEBUG=1: the pages are rendered without collected static files.)

Builds a throwaway network (kind réseau) and its members (each with two
residences and three relais, in bulk), then:
  1. computes every member's key figures of this year and the last through
     their bilans (the task the coordinator's « Recalculer » queues), timed;
  2. opens the dashboard as the coordinator, first and last page, and prints the
     time and the number of queries (the same on every page, whatever the members);
  3. makes the network's bilan PDF (the bilans machinery, the network's kind) in a
     child process, `manage.py bilan <network> <year> --output`, as bench_bilan
     does, and prints its time, peak memory (the child's max RSS) and pages.
Then it deletes what it built.
"""

import io
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Membership, Organisation
from devtools.bench import bilan_in_child, remove_organisations
from devtools.builder import Builder, RelaisPlan, Step
from reseau import services

SLUG = "bench-reseau"
PDF_TARGET_SECONDS = 60
PDF_TARGET_MB = 1024


class Command(BaseCommand):
    help = "Mesure le tableau de bord d'un réseau de 200 membres."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=200)

    def handle(self, *args, members: int, **options):
        today = timezone.localdate()
        remove_organisations(Organisation.objects.filter(slug__startswith=SLUG))
        network = Organisation.objects.create(name="Réseau du banc d'essai", slug=SLUG, kind="reseau")
        coordinator = Builder(network).member(f"coordination@{SLUG}.test", Membership.Role.COORDINATOR)
        rng = random.Random(7)
        started = time.monotonic()
        for n in range(members):
            org = Organisation.objects.create(name=f"Bailleur {n:03}", slug=f"{SLUG}-{n}", kind="bailleur")
            b = Builder(org, rng=rng, bulk=True)
            homes = b.residences(2, quartiers=b.quartiers([f"Quartier {n}"]), prefix=f"R{n}")
            joined = [Step("actif", today.replace(month=1, day=2))]
            b.relais([RelaisPlan("R", str(i), joined, homes=[(homes[i % 2], "")]) for i in range(3)])
            services.network_member_add(network=network, member=org)
        self.stdout.write(f"{members} membres construits en {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        services.network_figures_refresh(network=network, year=today.year)
        self.stdout.write(f"Chiffres des membres (2 ans, par leurs bilans) : {time.monotonic() - started:.1f} s")
        client = Client()
        client.force_login(coordinator)
        with override_settings(ALLOWED_HOSTS=["testserver"]):  # the test client's host, not served
            self.measure(client, network, members, today)
        self.network_bilan(network, today.year)
        remove_organisations(Organisation.objects.filter(slug__startswith=SLUG))

    def measure(self, client, network, members, today) -> None:
        url = f"/reseau/{network.pk}/chiffres/?annee={today.year}"
        client.get(url, secure=True)
        last = (members + 24) // 25
        for page in (1, last):
            with CaptureQueriesContext(connection) as queries:
                started = time.monotonic()
                response = client.get(f"{url}&tri=-relais_active&page={page}", secure=True)
                ms = (time.monotonic() - started) * 1000
            self.stdout.write(
                f"Tableau de bord, page {page}/{last} : {response.status_code}, {ms:.0f} ms, {len(queries)} requêtes"
            )

    def network_bilan(self, network, year: int) -> None:
        from pypdf import PdfReader

        seconds, peak_mb, data = bilan_in_child(network.slug, year)
        pages = len(PdfReader(io.BytesIO(data)).pages)
        ok = seconds < PDF_TARGET_SECONDS and peak_mb < PDF_TARGET_MB
        self.stdout.write(
            f"Bilan du réseau en PDF (manage.py bilan, processus à part) : {seconds:.1f} s, "
            f"pic mémoire {peak_mb:.0f} Mo, {pages} pages, {len(data) // 1024} Ko"
        )
        self.stdout.write(
            f"  objectif < {PDF_TARGET_SECONDS} s et < {PDF_TARGET_MB} Mo : {'atteint' if ok else 'MANQUÉ'}"
        )
