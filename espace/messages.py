"""What an announcement says in each channel: the outbox renderer of « annonce ».

By e-mail: the whole text and its attachments. By SMS: one message of one part,
under 160 characters of the GSM alphabet (an accented letter outside it would
turn the SMS into UCS-2, 70 characters a part): the organisation, the title
transliterated, cut if need be, and the short link to the announcement.

Registered on import, from EspaceConfig.ready().
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from core import outbox
from core.models import Message
from espace.models import Announcement, AnnouncementAttachment

SMS_LIMIT = 160
# Letters that NFKD does not take apart; the rest of the GSM extension table
# ([]{}\\^~| and €) counts twice, and the backtick is not in GSM at all.
_SPELLED = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "«": '"', "»": '"', "’": "'", "‘": "'"}
_SPELLED |= {"“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "€": "EUR"}
_OUTSIDE_BASIC = set("[]{}\\^~|`")


def gsm_text(text: str) -> str:
    """`text` in plain ASCII letters that the GSM-7 basic alphabet holds: accents
    dropped, French punctuation spelled, anything else a space; spaces collapsed."""
    out = []
    for char in text:
        char = _SPELLED.get(char, char)
        char = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append("".join(c if (" " <= c <= "~" and c not in _OUTSIDE_BASIC) else " " for c in char))
    return " ".join("".join(out).split())


def short_url(announcement: Announcement) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("espace:announcement_short", args=[announcement.token])


def sms_body(announcement: Announcement) -> str:
    """One SMS part: « Org: title - Lire: link », the title cut to fit."""
    link = f" - Lire : {short_url(announcement)}"
    head = gsm_text(announcement.organisation.name)[:40] + " : "
    room = SMS_LIMIT - len(head) - len(link)
    title = gsm_text(announcement.title)
    if len(title) > room:
        title = title[: max(room - 3, 0)].rstrip() + "..."
    return (head + title + link)[:SMS_LIMIT]


def _attachments(announcement: Announcement) -> list[tuple[str, bytes, str]]:
    files = []
    for row in AnnouncementAttachment.objects.filter(announcement=announcement).order_by("pk"):
        with row.file.open("rb") as handle:
            files.append((row.name, handle.read(), row.content_type))
    return files


def _render_announcement(message: Message) -> outbox.Rendered | None:
    announcement = outbox.memo(
        ("annonce", message.subject_id),
        lambda: (
            Announcement.objects.select_related("organisation")
            .filter(pk=message.subject_id, sent_at__isnull=False)
            .first()
        ),
    )
    if announcement is None:
        return None
    if message.channel == Message.Channel.SMS:
        return outbox.Rendered(subject="", body=sms_body(announcement))
    text = render_to_string(
        "emails/annonce.txt",
        {"announcement": announcement, "url": short_url(announcement)},
    )
    subject, _, body = text.strip().partition("\n")
    attachments = outbox.memo(("annonce-pieces", announcement.pk), lambda: _attachments(announcement))
    return outbox.Rendered(subject=subject.strip(), body=body.strip() + "\n", attachments=attachments)


outbox.renderer("annonce")(_render_announcement)
