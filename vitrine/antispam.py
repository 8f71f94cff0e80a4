"""What keeps « Devenir relais » free of robots without a third-party service:
a signed timestamp (a form sent less than MIN_SECONDS after it was shown, or
more than a day later, is refused; each one is good once), a honeypot field
(public/forms.py), and rate limits per IP address and per e-mail address in
Django's cache."""

from __future__ import annotations

import ipaddress
import secrets
import time

from django.core import signing
from django.core.cache import cache

SALT = "public.candidate"
MIN_SECONDS = 3
MAX_SECONDS = 86400
PER_IP = (5, 3600)  # 5 forms an hour from one address
PER_EMAIL = (2, 86400)  # 2 a day for one e-mail address or phone number

TOO_FAST = "Le formulaire a été envoyé trop vite. Relisez-le et envoyez-le à nouveau dans quelques secondes."
TOO_OLD = "Ce formulaire a expiré. Rechargez la page et remplissez-le à nouveau."
REPLAYED = "Ce formulaire a déjà été envoyé. Rechargez la page pour en remplir un nouveau."
INVALID = "Ce formulaire n'est pas valable. Rechargez la page et remplissez-le à nouveau."
TOO_MANY = "Trop de candidatures ont été envoyées d'ici. Réessayez plus tard, ou appelez l'accueil du bailleur."
HONEYPOT = "Ce formulaire n'a pas pu être enregistré."


def issue(organisation_id: int) -> str:
    return signing.dumps({"o": organisation_id, "t": time.time(), "n": secrets.token_urlsafe(12)}, salt=SALT)


def check_token(token: str, organisation_id: int, *, now: float | None = None) -> tuple[str, str]:
    """("", nonce) when the token is good, (the French refusal, "") otherwise.
    Does not spend it (see `spend`)."""
    try:
        data = signing.loads(token, salt=SALT)
        organisation, issued, nonce = int(data["o"]), float(data["t"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return INVALID, ""
    if organisation != organisation_id:
        return INVALID, ""
    age = (now or time.time()) - issued
    if age < MIN_SECONDS:
        return TOO_FAST, ""
    if age > MAX_SECONDS:
        return TOO_OLD, ""
    if cache.get(f"public:nonce:{nonce}"):
        return REPLAYED, ""
    return "", nonce


def spend(nonce: str) -> bool:
    """Mark the token used; False when it already was (two sends at once)."""
    return cache.add(f"public:nonce:{nonce}", 1, MAX_SECONDS + 60)


def _hit(key: str, limit: int, window: int) -> bool:
    """Count one attempt; False once over `limit` in `window` seconds."""
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= limit


def _network(ip: str) -> str:
    """The rate limit's key for an address: an IPv6 client holds a whole /64
    (any address of it in a moment), so its /64 counts as one."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip or "inconnue"
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def allow_ip(ip: str) -> bool:
    return _hit(f"public:rate:ip:{_network(ip)}", *PER_IP)


def allow_address(address: str) -> bool:
    return _hit(f"public:rate:addr:{address.strip().lower()}", *PER_EMAIL)
