"""The door of every page: who is asking, for which organisation, with which role.

The roles, `Access` and `access_for(user)` are defined with the scoping
(core/scoping.py) and exported here, where views find them with the
`role_required` decorator. The middleware computes the access once per request
(`User.compute_access`) and pins it on the user; `ScopedQuerySet.for_user` and
`role_required` read it.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from core.models import Membership
from core.scoping import (
    ADMIN,
    ADMINS,
    COORDINATOR,
    NO_ACCESS,
    PARTNER,
    READERS,
    RELAIS,
    RELAIS_ONLY,
    SAFE_METHODS,
    STAFF,
    WRITERS,
    Access,
    access_for,
)

__all__ = [
    "ADMIN",
    "ADMINS",
    "COORDINATOR",
    "NO_ACCESS",
    "PARTNER",
    "READERS",
    "RELAIS",
    "RELAIS_ONLY",
    "SAFE_METHODS",
    "SESSION_KEY",
    "STAFF",
    "WRITERS",
    "Access",
    "AccessMiddleware",
    "access_context",
    "access_for",
    "compute_access",
    "role_required",
]

SESSION_KEY = "organisation_id"


def compute_access(user, organisation_id: int | None = None) -> Access:
    """The access of `user` in one of their organisations (the first when not said)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Access(user=user)
    return user.compute_access(organisation_id)


class AccessMiddleware:
    """Pins the request's organisation (chosen in the session) on the user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and getattr(user, "_access_cache", None) is None:
            user._access_cache = compute_access(user, request.session.get(SESSION_KEY))
        response = self.get_response(request)
        _session_length(request)
        return response


EXPIRY_KEY = "session_policy"


def _session_length(request) -> None:
    """A relais stays logged in for months on their own phone (no password to
    remember); staff sessions end after a working day. Set once per session,
    after the login view (which sets its own expiry) has run."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return
    if request.session.get(EXPIRY_KEY) in ("relais", "staff"):
        return
    # Long only for someone who is nothing but a relais: a staff role anywhere, or
    # the superuser's, gets the short one (the same session may switch organisation).
    only_relais = not user.is_superuser and not Membership.objects.filter(user=user).exclude(role=RELAIS).exists()
    policy = "relais" if only_relais else "staff"

    if policy == "relais":
        request.session.set_expiry(settings.RELAIS_SESSION_DAYS * 86400)
    else:
        request.session.set_expiry(settings.STAFF_SESSION_HOURS * 3600)
    request.session[EXPIRY_KEY] = policy


def access_context(request) -> dict:
    user = getattr(request, "user", None)
    return {"access": access_for(user) if user is not None else NO_ACCESS}


def role_required(*roles: str):
    """The page-level door: who may open this page at all.

    Anonymous users go to the login page; other roles get 403. Partners are
    read-only everywhere: any non-safe method from them is refused here.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = access_for(request.user)
            if access.role not in roles:
                raise PermissionDenied("Cette page n'est pas accessible avec votre rôle.")
            if request.method not in SAFE_METHODS and not (access.can_write or access.is_relais):
                raise PermissionDenied("Votre rôle est en lecture seule.")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = roles
        return wrapper

    return decorator
