"""The attestation de présence of one relais at one training session: one small
document for one person, made in the request (WeasyPrint)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from parcours.models import TrainingSession, duration_text
from reunions.models import Invitee
from reunions.wording import when_text


def certificate_pdf(*, session: TrainingSession, attendee: Invitee, signed_by, today=None) -> bytes:
    # WeasyPrint is imported here: it is slow to import and only this needs it.
    from weasyprint import HTML

    module = session.module
    # The time the session took (the meeting's), which the attendance proves.
    reunion = session.reunion
    duration = duration_text(int((reunion.ends_at - reunion.starts_at).total_seconds() // 60))
    context = {
        "session": session,
        "module": module,
        "relais": attendee.relais,
        "organisation": session.reunion.organisation,
        "when": when_text(session.reunion),
        "duration": duration,
        "signed_by": signed_by,
        "today": today or timezone.localdate(),
    }
    return HTML(string=render_to_string("parcours/certificate.html", context)).write_pdf()


def certificate_filename(session: TrainingSession, attendee: Invitee) -> str:
    day = timezone.localdate(session.reunion.starts_at)
    return f"attestation-formation-{day:%Y-%m-%d}-{attendee.relais_id}.pdf"
