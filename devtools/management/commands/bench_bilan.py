"""Benchmark (not a test): how long the bilan of a large organisation takes, and
how much memory, against WeasyPrint's own time for a plain document of the same
page count, in the same run.

    python manage.py bench_bilan          (or: make bench-bilan)

It builds a throwaway organisation — 150 residences, 300 relais, a year of
activity: about 60 meetings, 2,000 remontées, 500 initiatives — then:
  1. computes the figures (this year and the previous one) and counts the queries;
  2. runs `manage.py bilan … --output` in a child process, exactly as an operator
     would, and reads its time and peak memory (max RSS);
  3. times WeasyPrint alone on a plain document with the same number of pages.
Then it deletes what it built.
"""

import datetime
import io
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bilans.selectors import bilan_figures
from core.models import Organisation
from initiatives.models import (
    Equipment,
    GrantRequest,
    Initiative,
    InitiativeKind,
    LogisticsLine,
    LogisticsRequest,
    Partner,
)
from relais.models import Quartier, Relais, RelaisResidence, RelaisStatusChange, Residence
from remontees.models import Remontee, Theme
from reunions.models import ActionItem, Invitee, Reunion

SLUG = "bench-bilan"
TARGET_SECONDS = 10
TARGET_MB = 500


def _aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def build(year: int, *, residences: int = 150, relais: int = 300, meetings: int = 60, remontees: int = 2000,
          initiatives: int = 500, seed: int = 42) -> Organisation:  # fmt: skip
    rng = random.Random(seed)
    first = datetime.date(year, 1, 1)

    def day() -> datetime.date:
        return first + datetime.timedelta(days=rng.randrange(365))

    org = Organisation.objects.create(name="Bailleur du Banc d'essai", slug=SLUG, kind="bailleur")
    quartiers = Quartier.objects.bulk_create(
        [Quartier(organisation=org, name=f"Quartier {i + 1}", is_qpv=i < 3) for i in range(8)]
    )
    homes = Residence.objects.bulk_create(
        [
            Residence(
                organisation=org,
                quartier=quartiers[i % 8],
                name=f"Résidence {i + 1:03d}",
                dwellings=rng.randrange(20, 300),
                reference=f"B{i:04d}",
            )
            for i in range(residences)
        ]
    )
    S = Relais.Status
    statuses = [S.ACTIF] * 240 + [S.PAUSE] * 20 + [S.CANDIDAT] * 15 + [S.SORTI] * 25
    reasons = [r for r, _ in Relais.ExitReason.choices]
    people = []
    for i in range(relais):
        status = statuses[i % len(statuses)]
        started = first - datetime.timedelta(days=rng.randrange(0, 1500)) if status != S.CANDIDAT else None
        since = day() if status in (S.SORTI, S.PAUSE, S.CANDIDAT) else started
        people.append(
            Relais(
                organisation=org,
                first_name="Relais",
                last_name=f"{i:04d}",
                status=status,
                status_since=since,
                started_on=started,
                left_on=since if status == S.SORTI else None,
                exit_reason=rng.choice(reasons) if status == S.SORTI else "",
            )
        )
    people = Relais.objects.bulk_create(people)
    changes, links = [], []
    for i, person in enumerate(people):
        links.append(RelaisResidence(relais=person, residence=homes[i % residences]))
        if person.started_on:
            changes.append(RelaisStatusChange(relais=person, from_status="", to_status=S.ACTIF, date=person.started_on))
        if person.status != S.ACTIF:
            changes.append(
                RelaisStatusChange(
                    relais=person,
                    from_status=S.ACTIF if person.started_on else "",
                    to_status=person.status,
                    date=person.status_since,
                    exit_reason=person.exit_reason,
                )
            )
    RelaisResidence.objects.bulk_create(links)
    RelaisStatusChange.objects.bulk_create(changes)

    kinds = [k for k, _ in Reunion.Kind.choices]
    reunions = Reunion.objects.bulk_create(
        [
            Reunion(
                organisation=org,
                kind=kinds[i % len(kinds)],
                title=f"Réunion {i + 1}",
                starts_at=_aware(d := day(), 18),
                ends_at=_aware(d, 20),
                address="Salle commune",
                status=Reunion.Status.ANNULEE if i % 12 == 0 else Reunion.Status.TENUE,
            )
            for i in range(meetings)
        ]
    )
    answers = ["present", "absent", "peut_etre", ""]
    Invitee.objects.bulk_create(
        [
            Invitee(reunion=r, relais=p, answer=rng.choice(answers), attended=rng.random() < 0.6)
            for r in reunions
            for p in rng.sample(people, 40)
        ]
    )
    ActionItem.objects.bulk_create(
        [
            ActionItem(
                reunion=r,
                title=f"Action {n}",
                owner_relais=rng.choice(people),
                due_on=r.starts_at.date() + datetime.timedelta(days=30),
                status=rng.choice(["ouverte", "faite", "abandonnee"]),
            )
            for r in reunions
            for n in range(3)
        ]
    )

    themes = list(Theme.objects.filter(organisation=org))
    R = Remontee.Status
    rows = []
    for i in range(remontees):
        status = rng.choice(R.values)
        created = _aware(day())
        answered = created + datetime.timedelta(days=rng.randrange(1, 60)) if status != R.NOUVELLE else None
        closed = (
            answered + datetime.timedelta(days=rng.randrange(0, 90)) if status in (R.RESOLUE, R.NON_RETENUE) else None
        )
        rows.append(
            Remontee(
                organisation=org,
                residence=homes[i % residences],
                relais=people[i % relais],
                theme=themes[i % len(themes)],
                description=f"Remontée {i}",
                status=status,
                status_reason="Réponse." if status in (R.RESOLUE, R.NON_RETENUE) else "",
                source="fiche_contact",
                answered_at=answered,
                closed_at=closed,
            )
        )
    made = Remontee.objects.bulk_create(rows, batch_size=1000)
    # created_at is set on insert: move each to its day of the year.
    for remontee, row in zip(made, rows, strict=True):
        remontee.created_at = row.answered_at - datetime.timedelta(days=1) if row.answered_at else _aware(day())
    Remontee.objects.bulk_update(made, ["created_at"], batch_size=1000)

    kinds = list(InitiativeKind.objects.filter(organisation=org))
    partners = Partner.objects.bulk_create([Partner(organisation=org, name=f"Association {i + 1}") for i in range(12)])
    I = Initiative.Status  # noqa: E741
    items = Initiative.objects.bulk_create(
        [
            Initiative(
                organisation=org,
                kind=kinds[i % len(kinds)],
                title=f"Initiative {i + 1}",
                starts_on=day(),
                status=(s := rng.choice([I.REALISEE, I.REALISEE, I.REALISEE, I.ANNULEE, I.PREVUE])),
                participants=rng.randrange(5, 120) if s == I.REALISEE else None,
                children=rng.randrange(0, 20) if s == I.REALISEE and i % 2 else None,
                adults=rng.randrange(0, 40) if s == I.REALISEE and i % 2 else None,
                seniors=rng.randrange(0, 10) if s == I.REALISEE and i % 2 else None,
            )
            for i in range(initiatives)
        ]
    )
    Initiative.residences.through.objects.bulk_create(
        [
            Initiative.residences.through(initiative=item, residence=homes[i % residences])
            for i, item in enumerate(items)
        ]
    )
    Initiative.partners.through.objects.bulk_create(
        [Initiative.partners.through(initiative=item, partner=partners[i % 12]) for i, item in enumerate(items[:200])]
    )
    stock = Equipment.objects.bulk_create(
        [Equipment(organisation=org, name=n, quantity=q) for n, q in [("Tables", 40), ("Chaises", 200), ("Barnum", 4)]]
    )
    requests = LogisticsRequest.objects.bulk_create(
        [
            LogisticsRequest(initiative=item, starts_on=item.starts_on, ends_on=item.starts_on, status="approuvee")
            for item in items[:150]
        ]
    )
    LogisticsLine.objects.bulk_create(
        [LogisticsLine(request=r, equipment=e, quantity=2, granted=2) for r in requests for e in stock]
    )
    grants = GrantRequest.objects.bulk_create(
        [
            GrantRequest(
                initiative=item,
                objectives="Un moment ensemble",
                expected_participants=40,
                amount_requested=300,
                status="accordee" if i % 3 else "refusee",
                amount_granted=250 if i % 3 else None,
                refusal_reason="" if i % 3 else "Budget épuisé.",
            )
            for i, item in enumerate(items[:80])
        ]
    )
    GrantRequest.objects.filter(pk__in=[g.pk for g in grants]).update(
        requested_at=_aware(first + datetime.timedelta(days=100))
    )
    return org


def delete(slug: str) -> None:
    """Remove the throwaway organisation."""
    delete_organisations(Organisation.objects.filter(slug=slug))


def delete_organisations(orgs) -> None:
    """Remove benchmark organisations; protected links are undone from the leaves up."""
    with transaction.atomic():
        LogisticsLine.objects.filter(request__initiative__organisation__in=orgs).delete()
        Initiative.objects.filter(organisation__in=orgs).delete()
        Remontee.objects.filter(organisation__in=orgs).delete()
        Reunion.objects.filter(organisation__in=orgs).delete()
        Relais.objects.filter(organisation__in=orgs).delete()
        Residence.objects.filter(organisation__in=orgs).delete()
        for model in (Quartier, Theme, InitiativeKind, Equipment, Partner):
            model.objects.filter(organisation__in=orgs).delete()
        orgs.delete()


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
            with tempfile.TemporaryDirectory() as tmp:
                output = Path(tmp) / "bilan.pdf"
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bilan", SLUG, str(year),
                     "--output", str(output)],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )  # fmt: skip
                pdf_seconds = time.perf_counter() - started
                peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                data = output.read_bytes()
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
