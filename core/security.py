"""Security headers on every response: a Content-Security-Policy with no inline
script, and a Permissions-Policy. (HSTS, frame denial, referrer policy and
nosniff come from Django's own middleware and settings.)"""

from urllib.parse import urlsplit

from django.conf import settings


def content_security_policy() -> str:
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
            "frame-ancestors 'none'",
            "worker-src 'self'",
            "manifest-src 'self'",
        ]
    )


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
