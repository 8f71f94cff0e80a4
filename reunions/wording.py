"""How a meeting and its messages are worded for people: the pages, the
messages and the attendance sheet say them the same way."""

from __future__ import annotations

from django.utils import formats, timezone

from core import sms
from core.sms import gsm7, gsm7_length
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


def meeting_sms(kind: str, reunion: Reunion, link: str, *, days: int | None = None) -> str:
    """A meeting's SMS in one part: 160 characters of the GSM alphabet at most,
    the title shortened if it must be (« Invitation Habitat du Lac : Thématique
    : propreté…, sam. 12/12 18h00, Les Tilleuls. Répondez : https://…/r/3fAb1cD2eF »)."""
    start = timezone.localtime(reunion.starts_at)
    when = f"{formats.date_format(start, 'D j/m')} {start:%H}h{start:%M}"
    where = reunion.residence.name if reunion.residence_id else (reunion.address or "en visio")
    org = reunion.organisation.name
    head, tail = {
        "convocation": (f"Invitation {org}", f"Répondez : {link}"),
        "rappel": ("Demain" if days == 1 else f"Dans {days} jours" if days else "Rappel", f"Répondez : {link}"),
        "modification": (f"Réunion déplacée ({org})", f"Répondez : {link}"),
        "annulation": (f"ANNULÉE ({org})", "Toutes nos excuses."),
    }[kind]
    text = gsm7(f"{head} : {{title}}, {when}, {where}. {tail}")
    room = sms.SMS_PART - gsm7_length(text.replace("{title}", ""))
    title = gsm7(reunion.title)
    if gsm7_length(title) > room:
        title = title[: max(room - 3, 0)].rstrip() + "..."
    text = text.replace("{title}", title)
    if gsm7_length(text) > sms.SMS_PART:  # a very long place: cut what is before the link
        text = text[: sms.SMS_PART - len(tail) - 5].rstrip() + "... " + tail
    return text
