"""The personal link of an invitation: its id and a signature (an HMAC with
the project's secret), nothing stored. Short enough for an SMS; a forged or
mistyped link is refused."""

from __future__ import annotations

import base64

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

SALT = "enquetes.invitation"


def _signature(pk: int) -> str:
    return base64.urlsafe_b64encode(salted_hmac(SALT, str(pk)).digest()[:9]).decode()


def code(invitation_id: int) -> str:
    return f"{int_to_base36(invitation_id)}{_signature(invitation_id)}"


def url(invitation_id: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("enquetes:answer_link", kwargs={"enquete_code": code(invitation_id)})


def invitation_id(raw: str) -> int | None:
    """The invitation a code stands for, or None (forged, cut or mistyped)."""
    head, signature = raw[:-12], raw[-12:]
    try:
        pk = base36_to_int(head) if head and len(head) <= 12 else None
    except ValueError:
        return None
    if pk is None or not constant_time_compare(signature, _signature(pk)):
        return None
    return pk


def open_url(questionnaire, residence_id: int | None = None) -> str:
    path = reverse("enquetes:answer_open", kwargs={"enquete_key": questionnaire.key})
    return settings.SITE_URL.rstrip("/") + path + (f"?r={residence_id}" if residence_id else "")
