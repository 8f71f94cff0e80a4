"""Benchmark (not a test): how long the bilan of a large organisation takes, and
how much memory, against WeasyPrint's own time for a plain document of the same
page count, in the same run.

    python manage.py bench_bilan          (or: make bench-bilan)

It builds a throwaway organisation (devtools.builder, in bulk) — 150
residences, 300 relais, a year of activity: about 60 meetings, 2,000 remontées,
500 initiatives — then:
  1. computes the figures (this year and the previous one) and counts the queries;
  2. runs `manage.py bilan … --output` in a child process, exactly as an operator
     would, and reads its time and peak memory (max RSS);
  3. times WeasyPrint alone on a plain document with the same number of pages.
Then it deletes what it built.
"""

import datetime
import io
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bilans.selectors import bilan_figures
from core.models import Membership, Organisation
from devtools.bench import bilan_in_child, remove_organisations
from devtools.builder import Builder
from initiatives.models import Initiative
from relais.models import Relais, Residence
from remontees.models import Remontee
from reunions.models import Reunion

SLUG = "bench-bilan"
TARGET_SECONDS = 10
TARGET_MB = 500
S = Relais.Status


def build(year: int, *, residences: int = 150, relais: int = 300, meetings: int = 60, remontees: int = 2000,
          initiatives: int = 500, seed: int = 42) -> Organisation:  # fmt: skip
    """A large organisation's year: relais who joined over the four years before
    it (some candidates, pausing or gone during it), its meetings, remontées and
    initiatives, all within the year."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    org = Organisation.objects.create(name="Bailleur du Banc d'essai", slug=SLUG, kind="bailleur")
    b = Builder(org, rng=random.Random(seed), bulk=True)
    b.by = b.member(f"mediation@{SLUG}.test", Membership.Role.STAFF, first_name="Médiation")
    quartiers = b.quartiers([(f"Quartier {i + 1}", i < 3) for i in range(8)])
    homes = b.residences(residences, quartiers=quartiers, prefix="B")
    b.relais(
        relais,
        homes=homes,
        statuses={S.ACTIF: 240, S.PAUSE: 20, S.CANDIDAT: 15, S.SORTI: 25},
        since=(first - datetime.timedelta(days=1500), first),
        until=last,
    )
    b.reunions(meetings, first=first, last=last, cancelled=1 / 12, invite=(40, 40))
    b.remontees(remontees / len(b.active(last)), first=first, last=last)
    partners = b.partners([f"Association {i + 1}" for i in range(12)])
    stock = b.equipment([("Tables", 40), ("Chaises", 200), ("Barnum", 4)])
    b.initiatives(initiatives, first=first, last=last, stock=stock, partners=partners)
    return org


def delete(slug: str) -> None:
    """Remove the throwaway organisation."""
    remove_organisations(Organisation.objects.filter(slug=slug))


def plain_pdf_seconds(pages: int) -> float:
    from weasyprint import HTML

    paragraph = "<p>" + "Texte ordinaire d'une page de rapport, sans tableau ni graphique. " * 12 + "</p>"
    html = "".join(
        f'<section style="page-break-after: always"><h2>Page {n}</h2>{paragraph * 4}</section>' for n in range(pages)
    )
    started = time.perf_counter()
    HTML(string=f"<html><body>{html}</body></html>").write_pdf()
    return time.perf_counter() - started


class Command(BaseCommand):
    help = "Mesure le temps et la mémoire du bilan d'une grande organisation (150 résidences, 300 relais, un an)."

    def handle(self, *args, **options):
        from pypdf import PdfReader

        year = timezone.localdate().year - 1
        delete(SLUG)
        started = time.perf_counter()
        with transaction.atomic():
            org = build(year)
        built = time.perf_counter() - started
        counts = (
            Residence.objects.filter(organisation=org).count(),
            Relais.objects.filter(organisation=org).count(),
            Reunion.objects.filter(organisation=org).count(),
            Remontee.objects.filter(organisation=org).count(),
            Initiative.objects.filter(organisation=org).count(),
        )
        self.stdout.write(
            f"Jeu de données construit en {built:.1f} s : {counts[0]} résidences, {counts[1]} relais, "
            f"{counts[2]} réunions, {counts[3]} remontées, {counts[4]} initiatives ({connection.vendor})."
        )
        try:
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                bilan_figures(org, year)
                bilan_figures(org, year - 1)
                figures_seconds = time.perf_counter() - started
            pdf_seconds, peak_mb, data = bilan_in_child(SLUG, year)
            pages = len(PdfReader(io.BytesIO(data)).pages)
            plain = plain_pdf_seconds(pages)
        finally:
            delete(SLUG)
        ok = pdf_seconds < TARGET_SECONDS and peak_mb < TARGET_MB
        self.stdout.write(f"  chiffres des deux années : {figures_seconds:.2f} s, {len(queries)} requêtes SQL")
        self.stdout.write(
            f"  bilan PDF complet (manage.py bilan, processus à part) : {pdf_seconds:.2f} s, "
            f"pic mémoire {peak_mb:.0f} Mo, {pages} pages, {len(data) // 1024} Ko"
        )
        self.stdout.write(f"  WeasyPrint seul, document simple de {pages} pages : {plain:.2f} s")
        self.stdout.write(f"  objectif < {TARGET_SECONDS} s et < {TARGET_MB} Mo : {'atteint' if ok else 'MANQUÉ'}")
