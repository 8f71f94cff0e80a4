"""The surveys' printables, each made in the request (BATCH-NOTES: a small
document): the paper questionnaire, the A4 poster with its QR code, and the
results (a few pages: the questions' charts and tables)."""

from __future__ import annotations

from django.template.loader import render_to_string

from core.qr import qr_svg
from enquetes.models import Questionnaire
from relais.models import Residence


def _pdf(template: str, context: dict) -> bytes:
    # WeasyPrint is imported here: it is slow to import and only the printables need it.
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context)).write_pdf()


def paper_pdf(*, questionnaire: Questionnaire, sections: list) -> bytes:
    return _pdf("enquetes/paper_pdf.html", {"questionnaire": questionnaire, "sections": sections})


def poster_pdf(*, questionnaire: Questionnaire, residence: Residence, link: str) -> bytes:
    context = {"questionnaire": questionnaire, "residence": residence, "link": link, "qr": qr_svg(link)}
    return _pdf("enquetes/poster_pdf.html", context)


def results_pdf(context: dict) -> bytes:
    return _pdf("enquetes/results_pdf.html", context)
