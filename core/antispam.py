"""What keeps a public form (no login) free of robots without a third-party
service: a signed timestamp good once (too fast or too old is refused), a
honeypot field (the form's), and rate limits counted in Django's cache. Used by
the public page's forms (vitrine/) and the open questionnaires (enquetes/);
each caller names its salt, its delays and its limits."""

from __future__ import annotations

import ipaddress
import secrets
import time

from django.core import signing
from django.core.cache import cache

from core.security import client_ip

# Why a token was refused (the caller says it in its own words).
INVALID, TOO_FAST, TOO_OLD, REPLAYED = "invalid", "too_fast", "too_old", "replayed"


def issue(salt: str, scope: int) -> str:
    """A signed timestamp for a form of `scope` (an organisation, a questionnaire)."""
    return signing.dumps({"o": scope, "t": time.time(), "n": secrets.token_urlsafe(12)}, salt=salt)


def check_token(
    token: str, scope: int, *, salt: str, min_seconds: float, max_seconds: float, now: float | None = None
) -> tuple[str, str]:
    """("", nonce) when the token is good, (one of the refusals above, "")
    otherwise. Does not spend it (see `spend`)."""
    try:
        data = signing.loads(token, salt=salt)
        issued_for, issued, nonce = int(data["o"]), float(data["t"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return INVALID, ""
    if issued_for != scope:
        return INVALID, ""
    age = (now or time.time()) - issued
    if age < min_seconds:
        return TOO_FAST, ""
    if age > max_seconds:
        return TOO_OLD, ""
    if cache.get(f"{salt}:nonce:{nonce}"):
        return REPLAYED, ""
    return "", nonce


def spend(salt: str, nonce: str, ttl: float) -> bool:
    """Mark the token used; False when it already was (two sends at once)."""
    return cache.add(f"{salt}:nonce:{nonce}", 1, int(ttl) + 60)


def hit(key: str, limit: int, window: int) -> bool:
    """Count one attempt; False once over `limit` in `window` seconds."""
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= limit


def network(ip: str) -> str:
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


def client_key(request) -> str:
    """Whom a rate limit counts: the client's address as the trusted proxies
    give it (core.security.client_ip), its /64 for IPv6."""
    return network(client_ip(request))
