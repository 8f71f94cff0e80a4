"""Printables of a residence, one small document each, made in the request
(BATCH-NOTES: one small document for one person or place)."""

from __future__ import annotations

from django.template.loader import render_to_string

from core.qr import qr_svg
from relais.models import Residence
from vitrine.models import PublicPage


def _pdf(template: str, context: dict) -> bytes:
    # WeasyPrint is imported here: it is slow to import and only this needs it.
    from weasyprint import HTML

    return HTML(string=render_to_string(template, context)).write_pdf()


def welcome_pdf(*, residence: Residence, names: list[str], page: PublicPage) -> bytes:
    """The welcome sheet for new tenants: their relais (those who agreed to be
    named) and how to reach the landlord."""
    return _pdf("public/welcome_pdf.html", {"residence": residence, "names": names, "page": page})


def poster_pdf(*, residence: Residence, names: list[str], page: PublicPage) -> bytes:
    """« Votre relais » for the hall of a residence."""
    return _pdf("public/poster_pdf.html", {"residence": residence, "names": names, "page": page})


def event_poster_pdf(*, event, link: str) -> bytes:
    """The poster of an event open to all, with a QR code to its page."""
    return _pdf("public/event_poster_pdf.html", {"event": event, "link": link, "qr": qr_svg(link)})
