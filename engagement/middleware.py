"""Records that a relais opened their pages: the last day seen, for « no visit
to their space for 90 days » (engagement/selectors.py). The session remembers
the day it was written, so a relais browsing costs one write a day, not one a page."""

from django.utils import timezone

from core.access import access_for
from engagement import services

SESSION_KEY = "engagement_seen_on"


class VisitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and response.status_code < 400 and hasattr(request, "session"):
            today = timezone.localdate().isoformat()
            if request.session.get(SESSION_KEY) != today:
                access = access_for(user)
                if access.is_relais:
                    services.visit_record(user=user, organisation_id=access.organisation_id)
                    request.session[SESSION_KEY] = today
        return response
