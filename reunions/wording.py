"""How a meeting and its messages are worded for people: the pages, the
messages and the attendance sheet say them the same way."""

from __future__ import annotations

from django.utils import formats, timezone

from reunions.models import Reunion


def when_text(reunion: Reunion) -> str:
    start = timezone.localtime(reunion.starts_at)
    end = timezone.localtime(reunion.ends_at)
    # French typography: « mardi 3 mars 2026, de 18 h 30 à 20 h 00 », with
    # non-breaking spaces so that a time never splits across two lines.
    nb = "\u00a0"
    return f"{formats.date_format(start, 'l j F Y')}, de {start:%H}{nb}h{nb}{start:%M} à {end:%H}{nb}h{nb}{end:%M}"


def message_label(kind: str) -> str:
    """A message's kind as staff read it: « rappel-j7 » → « Rappel J-7 »."""
    prefix, _, detail = kind.partition("-")
    if prefix == "rappel":
        return f"Rappel J-{detail[1:]}"
    return {
        "convocation": "Invitation",
        "modification": "Changement d'horaire",
        "annulation": "Annulation",
        "compte_rendu": "Compte-rendu",
    }.get(prefix, kind)
