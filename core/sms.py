"""Pluggable SMS sending. The default writes to the log; a provider adapter is
chosen with the SMS_BACKEND setting (dotted path).

`HttpBackend` speaks the JSON-over-HTTPS shape most SMS gateways offer (a bearer
token, one POST per message, an idempotency key). Temporary failures (network,
timeouts, 5xx, 429) raise an OSError so that the outbox retries with backoff;
a rejected message (4xx, a number that cannot be an SMS number) is a permanent
failure: retrying would never succeed, so the row is marked failed at once and
shown to staff.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


# GSM 03.38: what one SMS part carries at 7 bits a character (160 a part).
# Any other character (ê, ç, «, ’…) switches the whole message to UCS-2 and
# 70 characters a part: SMS bodies are written in this alphabet.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")  # two characters each
_SPELLED = {
    "«": '"', "»": '"', "“": '"', "”": '"', "’": "'", "‘": "'", "–": "-", "—": "-", "…": "...",
    "·": ".", "œ": "oe", "Œ": "OE", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
}  # fmt: skip
SMS_PART = 160


def gsm7(text: str) -> str:
    """`text` in the GSM 7-bit alphabet: accents the alphabet lacks are dropped
    (« Thématique » keeps its é, « fête » becomes « fete »), French quotes and
    spaces become plain ones."""
    out = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENDED:
            out.append(char)
        elif char in _SPELLED:
            out.append(_SPELLED[char])
        else:
            bare = unicodedata.normalize("NFKD", char)[0]
            out.append(bare if bare in GSM7_BASIC else "?")
    return "".join(out)


def gsm7_length(text: str) -> int:
    """How many 7-bit characters `text` takes (the extended ones count twice)."""
    return sum(2 if char in GSM7_EXTENDED else 1 for char in text)


class SmsTemporaryError(OSError):
    """The provider could not take the message now: try again later."""


class SmsRejected(Exception):
    """The provider refused the message: retrying would not help."""


class ConsoleBackend:
    """Prints the SMS: what `make run` uses, with no provider account."""

    # Whether the provider refuses a second message with the same reference, so
    # that resending an SMS whose hand-off was interrupted cannot deliver it
    # twice (core/outbox.py). The console proves nothing: no.
    honours_reference = False

    def send(self, *, to: str, text: str, key: str) -> None:
        logger.info("SMS to %s [%s]: %s", to, key, text)


def e164(number: str) -> str:
    """A French mobile or landline number in E.164: « 06 12 34 56 78 » → +33612345678."""
    digits = re.sub(r"[\s.\-()/]", "", number)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        return "+33" + digits[1:]
    if re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        return digits
    raise SmsRejected(f"Le numéro « {number} » n'est pas un numéro de téléphone valide pour un SMS.")


class HttpBackend:
    """A real provider, configured by SMS_HTTP_URL, SMS_HTTP_TOKEN,
    SMS_HTTP_SENDER and SMS_HTTP_TIMEOUT. Every SMS carries a reference and an
    Idempotency-Key (the message's); SMS_HTTP_HONOURS_REFERENCE=1 says the
    provider refuses a second SMS with the same one (README)."""

    @classmethod
    def honours_reference_setting(cls) -> bool:
        return settings.SMS_HTTP_HONOURS_REFERENCE

    def __init__(self):
        self.url = settings.SMS_HTTP_URL
        if not self.url:
            raise ImproperlyConfigured("SMS_HTTP_URL est vide : indiquez l'adresse de l'API du fournisseur de SMS.")
        self.token = settings.SMS_HTTP_TOKEN
        self.sender = settings.SMS_HTTP_SENDER
        self.timeout = settings.SMS_HTTP_TIMEOUT

    def send(self, *, to: str, text: str, key: str) -> None:
        body = json.dumps({"to": e164(to), "text": text, "sender": self.sender, "reference": key}).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:300]
            if error.code == 429 or error.code >= 500:
                raise SmsTemporaryError(f"fournisseur SMS indisponible (HTTP {error.code}) : {detail}") from None
            raise SmsRejected(f"SMS refusé par le fournisseur (HTTP {error.code}) : {detail}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise SmsTemporaryError(f"fournisseur SMS injoignable : {reason}") from None


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def resend_is_harmless() -> bool:
    """Whether an SMS whose hand-off was interrupted may be sent again: only
    through a provider that refuses a repeated reference."""
    backend = import_string(settings.SMS_BACKEND)
    if hasattr(backend, "honours_reference_setting"):
        return bool(backend.honours_reference_setting())
    return bool(getattr(backend, "honours_reference", False))
