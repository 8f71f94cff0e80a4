"""Security headers on every response: a Content-Security-Policy with no inline
script, and a Permissions-Policy. (HSTS, frame denial, referrer policy and
nosniff come from Django's own middleware and settings.)

And what a URL may carry: no control character anywhere (a 400 before any
view), tokens of bearer links of a known alphabet and length (a 404)."""

import ipaddress
import re
from urllib.parse import unquote_plus, urlsplit

from django.conf import settings
from django.core.exceptions import BadRequest


def content_security_policy(*, frame_ancestors: str = "'none'") -> str:
    """The policy of every page. `frame_ancestors` is relaxed by one view only,
    the public page's embed layout (public/views.py), to the origins its
    organisation listed: every other page may not be framed."""
    tiles = urlsplit(settings.MAP_TILES_URL)
    tile_origin = f" {tiles.scheme}://{tiles.netloc}" if tiles.scheme and tiles.netloc else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",  # no inline script anywhere: every script is a file
            "style-src 'self'",
            f"img-src 'self' data: blob:{tile_origin}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
            "worker-src 'self'",
            "manifest-src 'self'",
        ]
    )


def client_ip(request) -> str:
    """The address of the person at the other end, for rate limits.

    Behind `TRUSTED_PROXY_COUNT` reverse proxies, each appending the address it
    saw to X-Forwarded-For, the client is the entry that many places from the
    right: what lies further left was written by the client and proves nothing.
    With no trusted proxy (the default) the header is ignored. A header with
    fewer entries than proxies gives its left-most; an unreadable entry, the
    connection's address."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies <= 0 or not forwarded:
        return remote
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


# Django's admin writes a few inline styles; it is for superusers only.
ADMIN_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        admin = request.path.startswith("/admin/")
        response.headers.setdefault("Content-Security-Policy", ADMIN_CSP if admin else self.csp)
        response.headers.setdefault("Permissions-Policy", "geolocation=(), microphone=(), payment=(), usb=()")
        return response


# Control characters (C0 and DEL) have no business in a URL: a path never
# carries them, and a query string only in a GET form's multi-line field (tab,
# line feed, carriage return). NUL is the sharpest: PostgreSQL refuses it in any
# string, so a NUL reaching a filter was a 500 for anyone.
_CONTROL_IN_PATH = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_QUERY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RejectControlCharactersMiddleware:
    """A request whose path or query string carries a control character is a
    bad request (400), answered before any view, session or database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = unquote_plus(request.META.get("QUERY_STRING", ""), errors="replace")
        if _CONTROL_IN_PATH.search(request.path_info) or _CONTROL_IN_QUERY.search(query):
            raise BadRequest("control character in the URL")
        return self.get_response(request)


class TokenConverter:
    """A bearer link's token (a signed value, a feed's secret): the characters
    of URL-safe base64 and Django's signing, at most 200 of them. Anything else
    is no link of ours, a 404 before the view."""

    regex = r"[A-Za-z0-9_\-:.]{1,200}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
