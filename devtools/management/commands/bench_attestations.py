"""Benchmark (not a test): every attestation d'engagement of a year for 300
relais, as the batch task makes them, timed, with its peak memory.

    python manage.py bench_attestations

It builds a throwaway organisation (devtools.builder, in bulk) — 300 relais who
each gave time in the year (meetings, initiatives, activity logged) — then runs
the batch's service (engagement.services.attestation_run_generate, what the
Celery task runs) in a child process, exactly as the worker would, and reads its
time and peak memory (max RSS). Then it deletes what it built, files included.
"""

import argparse
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
from django.utils import timezone

from core.models import Membership, Organisation
from devtools.bench import MEASURED, peak_mb_in, remove_organisations
from devtools.builder import Builder
from engagement import services
from engagement.models import Attestation, AttestationRun
from relais.models import Relais

SLUG = "bench-attestations"
TARGET_SECONDS = 60
S = Relais.Status


def build(year: int, relais: int = 300, seed: int = 7) -> tuple[Organisation, Membership]:
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    org = Organisation.objects.create(name="Bailleur des Attestations", slug=SLUG, kind="bailleur")
    b = Builder(org, rng=random.Random(seed), bulk=True, today=last)
    b.by = b.member(f"mediation@{SLUG}.test", Membership.Role.STAFF, first_name="Médiation")
    quartiers = b.quartiers([(f"Quartier {i + 1}", i < 2) for i in range(6)])
    homes = b.residences(100, quartiers=quartiers, prefix="A")
    b.relais(relais, homes=homes, statuses={S.ACTIF: relais}, since=(first - datetime.timedelta(days=900), first))
    b.reunions(24, first=first, last=last, cancelled=1 / 12, invite=(40, 60))
    b.initiatives(150, first=first, last=last, stock=b.equipment([("Tables", 40)]), partners=[])
    b.activities(per=6)
    return org, b.by


def delete(slug: str) -> None:
    orgs = Organisation.objects.filter(slug=slug)
    for attestation in Attestation.objects.filter(organisation__in=orgs):
        attestation.file.delete(save=False)
    AttestationRun.objects.filter(organisation__in=orgs).delete()
    remove_organisations(orgs)


class Command(BaseCommand):
    help = "Mesure le temps et la mémoire de la génération des attestations d'engagement de 300 relais."

    def add_arguments(self, parser):
        parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
        parser.add_argument("--relais", type=int, default=300)

    def handle(self, *args, **options):
        if options["run"]:
            # The child process: the batch, as the worker runs it.
            run = AttestationRun.objects.get(pk=options["run"])
            services.attestation_run_generate(run_id=run.pk, token=str(run.token))
            return
        year = timezone.localdate().year - 1
        delete(SLUG)
        started = time.perf_counter()
        with transaction.atomic():
            org, staff = build(year, options["relais"])
        self.stdout.write(
            f"Jeu de données construit en {time.perf_counter() - started:.1f} s : "
            f"{Relais.objects.filter(organisation=org).count()} relais ({connection.vendor})."
        )
        try:
            run = AttestationRun.objects.create(
                organisation=org,
                year=year,
                signatory_name="Claire Martin",
                signatory_role="Responsable de la médiation",
                requested_by=staff,
            )
            started = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    MEASURED,
                    str(Path(settings.BASE_DIR) / "manage.py"),
                    "bench_attestations",
                    "--run",
                    str(run.pk),
                ],
                check=True,
                cwd=settings.BASE_DIR,
                stderr=subprocess.PIPE,
                text=True,
            )
            seconds = time.perf_counter() - started
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            peak_mb = peak_mb_in(done.stderr)
            cpu = usage.ru_utime + usage.ru_stime
            run.refresh_from_db()
            sizes = [a.file.size for a in Attestation.objects.filter(organisation=org)]
        finally:
            delete(SLUG)
        ok = run.state == AttestationRun.State.PRET and seconds < TARGET_SECONDS
        self.stdout.write(
            f"  {run.done} attestations sur {run.total} ({run.get_state_display().lower()}) : {seconds:.1f} s "
            f"(dont {run.seconds or 0:.1f} s de génération), soit {1000 * seconds / max(run.done, 1):.0f} ms "
            f"l'une ; pic mémoire {peak_mb:.0f} Mo ; {sum(sizes) // 1024} Ko en tout"
        )
        # On a machine shared with other work, the wall time says more of the others than of this:
        # the CPU time is what the batch itself costs.
        self.stdout.write(f"  temps CPU du processus : {cpu:.1f} s ({1000 * cpu / max(run.done, 1):.0f} ms l'une)")
        self.stdout.write(f"  objectif < {TARGET_SECONDS} s : {'atteint' if ok else 'MANQUÉ'}")
