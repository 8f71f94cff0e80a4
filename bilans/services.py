"""Writes and heavy output of the bilan: its texts, its PDF, and the generation
that a Celery worker runs in its own queue."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from bilans.charts import bar_chart
from bilans.models import Bilan
from bilans.selectors import bilan_comparison, bilan_figures
from core.access import WRITERS, compute_access
from core.models import Organisation, User
from remontees.models import Remontee

logger = logging.getLogger(__name__)

FIRST_YEAR = 2000


def bilan_open(*, organisation: Organisation, year: int) -> Bilan:
    """The bilan of a year, made on first use (its texts start empty)."""
    this_year = timezone.localdate().year
    if not FIRST_YEAR <= year <= this_year:
        raise ValidationError(f"Choisissez une année entre {FIRST_YEAR} et {this_year}.")
    bilan, _ = Bilan.objects.get_or_create(organisation=organisation, year=year)
    return bilan


def bilan_save_texts(
    *, bilan: Bilan, introduction: str, perspectives: str, examples: Iterable[Remontee], logo=None
) -> Bilan:
    examples = list(examples)
    if any(r.organisation_id != bilan.organisation_id for r in examples):
        raise ValidationError("Un exemple choisi n'appartient pas à l'organisation.")
    with transaction.atomic():
        bilan.introduction = introduction.strip()
        bilan.perspectives = perspectives.strip()
        bilan.save(update_fields=["introduction", "perspectives"])
        bilan.examples.set(examples)
        if logo is not None:
            organisation = bilan.organisation
            old = organisation.logo.name if organisation.logo else ""
            organisation.logo.save(f"{organisation.slug}.jpg", logo, save=False)
            organisation.save(update_fields=["logo"])
            if old and old != organisation.logo.name:
                organisation.logo.storage.delete(old)
    return bilan


def example_choices(bilan: Bilan):
    """The remontées staff may pick as examples: those of the year that were closed with an answer."""
    return (
        Remontee.objects.filter(
            organisation=bilan.organisation,
            created_at__year=bilan.year,
            status__in=[Remontee.Status.RESOLUE, Remontee.Status.NON_RETENUE],
        )
        .select_related("theme", "residence")
        .order_by("-closed_at", "-created_at")
    )


def bilan_context(bilan: Bilan) -> dict:
    """Everything the page and the PDF show: the figures of the year and of the one before."""
    current = bilan_figures(bilan.organisation, bilan.year)
    # The year in progress is compared with the same months of the year before.
    cut = None
    if not current["whole_year"]:
        as_of = current["as_of"]
        cut = (
            as_of.replace(year=as_of.year - 1, day=28)
            if (as_of.month, as_of.day) == (2, 29)
            else as_of.replace(year=as_of.year - 1)
        )
    previous = bilan_figures(bilan.organisation, bilan.year - 1, until=cut)
    examples = list(bilan.examples.select_related("theme", "residence")) if bilan.pk else []
    year, before = str(bilan.year), str(bilan.year - 1)
    charts = {
        "quartiers": bar_chart(current["relais"]["by_quartier"], title="Relais actifs par quartier"),
        "reunions": bar_chart(
            [(label, held) for label, held, *_ in current["reunions"]["by_kind"]], title="Réunions tenues par type"
        ),
        "themes": bar_chart(
            [(name, total, resolved) for name, total, resolved in current["remontees"]["by_theme"]],
            title="Remontées par thème",
            legend=("reçues", "résolues"),
        ),
        "initiatives": bar_chart(
            [(name, total, done) for name, total, done in current["initiatives"]["by_kind"]],
            title="Initiatives par type",
            legend=("toutes", "réalisées"),
        ),
        "comparison": bar_chart(
            [
                (row["label"], row["current"] or 0, row["previous"] or 0)
                for row in bilan_comparison(current, previous)
                # Counts of people, meetings and events only: dwellings and invitations would flatten the rest.
                if row["unit"] == "" and row["label"] not in ("Logements couverts", "Invitations envoyées")
            ],
            title=f"{year} comparé à {before}",
            legend=(year, before),
        ),
    }
    return {
        "bilan": bilan,
        "organisation": bilan.organisation,
        "year": year,
        "previous_year": before,
        "previous_until": cut,
        "figures": current,
        "previous": previous,
        "comparison": bilan_comparison(current, previous),
        "charts": charts,
        "examples": examples,
    }


def _logo_data_uri(organisation: Organisation) -> str:
    # Inlined, so that WeasyPrint fetches nothing (the storage may be remote).
    if not organisation.logo:
        return ""
    try:
        with organisation.logo.open("rb") as f:
            return "data:image/jpeg;base64," + base64.b64encode(f.read()).decode()
    except OSError:
        logger.warning("Logo of %s unreadable", organisation.slug)
        return ""


def bilan_pdf(bilan: Bilan) -> bytes:
    # WeasyPrint is imported here: it is slow to import and only the PDFs need it.
    from weasyprint import HTML

    context = bilan_context(bilan)
    context["logo"] = _logo_data_uri(bilan.organisation)
    context["generated_on"] = timezone.localdate()
    html = render_to_string("bilans/pdf.html", context)
    return HTML(string=html).write_pdf()


def bilan_request(*, bilan: Bilan, by: User) -> Bilan:
    """Queue the PDF's generation; a newer request overtakes an older one still waiting."""
    from bilans.tasks import generate_bilan

    with transaction.atomic():
        bilan = Bilan.objects.select_for_update().get(pk=bilan.pk)
        bilan.token = Bilan.new_token()
        bilan.state = Bilan.State.EN_ATTENTE
        bilan.error = ""
        bilan.requested_by = by
        bilan.requested_at = timezone.now()
        bilan.save(update_fields=["token", "state", "error", "requested_by", "requested_at"])
        token = str(bilan.token)
        # A broker out of reach is logged, not raised: the request stays « en attente »
        # until it is shown as stuck, and can be made again.
        transaction.on_commit(lambda: generate_bilan.delay(bilan.pk, token), robust=True)
    return bilan


def _claim(bilan_id: int, token: str, state: str, **fields) -> Bilan | None:
    """Move the row to `state` if this request is still the current one."""
    with transaction.atomic():
        bilan = Bilan.objects.select_for_update().select_related("organisation").filter(pk=bilan_id).first()
        if bilan is None or str(bilan.token) != token:
            return None
        bilan.state = state
        for name, value in fields.items():
            setattr(bilan, name, value)
        bilan.save(update_fields=["state", *fields])
        return bilan


def bilan_generate(*, bilan_id: int, token: str) -> Bilan | None:
    """Make the PDF and keep it; run by the worker. Returns None when there is nothing to do:
    the row is gone, or a newer request took over."""
    bilan = _claim(bilan_id, token, Bilan.State.EN_COURS)
    if bilan is None:
        return None
    # Permissions are checked again: the requester may have lost their role since.
    requester = bilan.requested_by
    access = compute_access(requester, bilan.organisation_id) if requester else None
    if access is None or access.organisation_id != bilan.organisation_id or access.role not in WRITERS:
        return _claim(bilan_id, token, Bilan.State.ECHEC, error="La personne qui l'a demandé n'y a plus accès.")
    started = time.monotonic()
    pdf = bilan_pdf(bilan)
    seconds = round(time.monotonic() - started, 2)
    with transaction.atomic():
        current = Bilan.objects.select_for_update().select_related("organisation").filter(pk=bilan_id).first()
        if current is None or str(current.token) != token:
            return None
        old = current.file.name if current.file else ""
        current.file.save(current.filename, ContentFile(pdf), save=False)
        current.state = Bilan.State.PRET
        current.error = ""
        current.generated_at = timezone.now()
        current.generation_seconds = seconds
        current.save(update_fields=["file", "state", "error", "generated_at", "generation_seconds"])
        if old and old != current.file.name:
            # Regenerating replaces the file; once the new one is saved.
            transaction.on_commit(lambda: current.file.storage.delete(old))
    logger.info("Bilan %s of %s made in %.2f s", current.year, current.organisation.slug, seconds)
    return current


def bilan_failed(*, bilan_id: int, token: str, error: str) -> None:
    _claim(bilan_id, token, Bilan.State.ECHEC, error=error[:500])
