"""Benchmark (not a test): a large CSV import as the worker runs it.

    DEVTOOLS=1 python manage.py bench_import [--residences 5000 --relais 2000]

On a throwaway organisation, it writes a CSV of N residences and one of M relais
(living in them), then for each file runs what the worker runs — the check
(`import_job_check`: every row read and checked, nothing written) and, once
« confirmed », the writing (`import_job_write`: the same checks again, every
row written in one transaction) — each in a process of its own, and prints its
time and peak memory (the child's maximum resident set size). The residences are
imported twice, at a fifth of their number and in full, to show that the memory
does not grow with the file's size. Then it deletes what it built.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand
from django.db import connection

from core.models import Organisation
from devtools.bench import number, own_peak_mb, remove_organisations
from relais import csv_import
from relais.models import ImportJob

TARGET_SECONDS = 30
FIRST = "Awa Jules Inès Karim Lucie Mamadou Nadia Paul Rose Samir Yasmine Zoé".split()
LAST = "Koné Petit Roy Martin Diallo Bernard Nguyen Garcia Moreau Haddad Lefèvre Traoré".split()


def residences_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("Référence;Nom;Adresse;Code postal;Commune;Nb logements;Quartier;QPV;Salle commune\r\n")
        for n in range(count):
            f.write(
                f"B-{n:06d};Résidence des Érables {n};{n % 300 + 1} rue des Écoles;69100;Villeurbanne;"
                f"{20 + n % 180};Quartier {n % 40};{'oui' if n % 40 % 3 == 0 else 'non'};"
                f"{'oui' if n % 5 == 0 else 'non'}\r\n"
            )


def relais_csv(path: Path, count: int, residences: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("Prénom;Nom;E-mail;Téléphone;Canal;Statut;Date d'entrée;Résidence;Bâtiment;Date de consentement\r\n")
        for n in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            login = unicodedata.normalize("NFKD", first.lower()).encode("ascii", "ignore").decode()
            f.write(
                f"{first};{last};{login}.{n}@example.org;06 12 34 {n // 100 % 100:02d} {n % 100:02d};e-mail;"
                f"actif;01/03/2024;B-{n * 7 % residences:06d};Esc. {n % 4 + 1};01/03/2024\r\n"
            )


class Command(BaseCommand):
    help = "Mesure un grand import CSV (vérification puis écriture, comme le worker) : durée et mémoire de pointe."

    def add_arguments(self, parser):
        parser.add_argument("--residences", type=int, default=5000)
        parser.add_argument("--relais", type=int, default=2000)
        parser.add_argument("--job", type=int, help=argparse.SUPPRESS)

    def handle(self, *args, residences, relais, job, **options):
        if job:
            return self.child(job)
        out = self.stdout.write
        org = Organisation.objects.create(name="Banc d'import", slug=f"bench-import-{time.time_ns()}", kind="bailleur")
        try:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                small, full, people = folder / "small.csv", folder / "residences.csv", folder / "relais.csv"
                residences_csv(small, max(1, residences // 5))
                residences_csv(full, residences)
                relais_csv(people, relais, residences)
                out(
                    f"Import CSV, comme le worker (un processus par étape, {connection.vendor}) ; "
                    f"objectif : {number(residences)} résidences et {number(relais)} relais en moins de "
                    f"{TARGET_SECONDS} s, mémoire sans rapport avec la taille du fichier."
                )
                total = 0.0
                for label, path, kind in (
                    (f"{number(residences // 5)} résidences (un cinquième)", small, "residences"),
                    (f"{number(residences)} résidences", full, "residences"),
                    (f"{number(relais)} relais", people, "relais"),
                ):
                    if path is small:
                        # A fifth of the file, on an organisation of its own, only to compare memory.
                        scratch = Organisation.objects.create(
                            name="Banc d'import bis", slug=f"bench-import-{time.time_ns()}", kind="bailleur"
                        )
                        figures = self.run(scratch, kind, path)
                        remove_organisations(Organisation.objects.filter(pk=scratch.pk))
                    else:
                        figures = self.run(org, kind, path)
                        total += figures["check"]["seconds"] + figures["write"]["seconds"]
                    size = path.stat().st_size // 1024
                    out(
                        f"  {label:32} ({number(size)} Ko) : vérification {figures['check']['seconds']:5.1f} s "
                        f"({figures['check']['rss_mb']:.0f} Mo), écriture {figures['write']['seconds']:5.1f} s "
                        f"({figures['write']['rss_mb']:.0f} Mo) — {figures['write']['result']}"
                    )
                verdict = "atteint" if total < TARGET_SECONDS else "MANQUÉ"
                out(f"  en tout (résidences et relais, vérification et écriture) : {total:.1f} s ({verdict})")
        finally:
            remove_organisations(Organisation.objects.filter(pk=org.pk))

    def run(self, org: Organisation, kind: str, path: Path) -> dict:
        with path.open("rb") as f:
            job = ImportJob(organisation=org, kind=kind, name=path.name)
            job.file.save(f"bench-{kind}.csv", File(f), save=False)
            job.save()
        try:
            figures = {"check": self.step(job.pk)}
            job.refresh_from_db()
            if job.state != ImportJob.State.A_CONFIRMER:
                raise SystemExit(f"la vérification a trouvé des erreurs : {job.report.get('errors', [])[:5]}")
            ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.ECRITURE)  # confirmed
            figures["write"] = self.step(job.pk)
            job.refresh_from_db()
            figures["write"]["result"] = (
                f"{number(job.created)} créés, {number(job.updated)} mis à jour"
                if job.state == ImportJob.State.TERMINE
                else f"ÉCHEC : {job.error}"
            )
            return figures
        finally:
            job.file.delete(save=False)
            job.delete()

    def step(self, job_id: int) -> dict:
        done = subprocess.run(
            [sys.executable, "manage.py", "bench_import", "--job", str(job_id)],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(done.stderr[-3000:])
        return json.loads(done.stdout.strip().splitlines()[-1])

    def child(self, job_id: int) -> None:
        job = ImportJob.objects.get(pk=job_id)
        started = time.perf_counter()
        if job.state == ImportJob.State.VERIFICATION:
            csv_import.import_job_check(job_id=job_id)
        else:
            csv_import.import_job_write(job_id=job_id)
        seconds = time.perf_counter() - started
        rss_mb = own_peak_mb()
        self.stdout.write(json.dumps({"seconds": seconds, "rss_mb": rss_mb}))
