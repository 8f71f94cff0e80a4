"""The phone's outbox speaks to the server with `fetch`: it must tell a form
saved from a form refused and from a session that ended, which redirects hide
(a redirect to the login page would look like success)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.urls import reverse

OUTBOX_HEADER = "HTTP_X_OUTBOX"


class OutboxMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "POST" and request.path == reverse("account_logout"):
            # Leaving a shared phone: the cached pages and the kept forms go too.
            response["Clear-Site-Data"] = '"cache", "storage"'
        if request.META.get(OUTBOX_HEADER) != "1" or request.method != "POST":
            return response
        if response.status_code in (301, 302, 303):
            location = response["Location"]
            if urlsplit(location).path == resolve_url(settings.LOGIN_URL):
                return HttpResponse("Session terminée : reconnectez-vous.", status=401)
            saved = HttpResponse(status=204)
            saved["X-Outbox-Saved"] = "1"
            saved["X-Outbox-Location"] = location
            return saved  # the success message is stored on it by MessageMiddleware, which runs after
        return response
