"""Who is asking, for which organisation, with which role.

`access_for(user)` answers once per request (the middleware caches it on the
user); `ScopedQuerySet.for_user` and the `role_required` decorator read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

SESSION_KEY = "organisation_id"

ADMIN = "admin"
STAFF = "staff"
PARTNER = "partenaire"
RELAIS = "relais"
READERS = (ADMIN, STAFF, PARTNER)
WRITERS = (ADMIN, STAFF)
ADMINS = (ADMIN,)
RELAIS_ONLY = (RELAIS,)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Access:
    user: object
    organisation_id: int | None = None
    organisation: object | None = None
    role: str | None = None
    quartier_ids: frozenset[int] = field(default_factory=frozenset)
    organisations: tuple = ()

    @property
    def is_staff(self) -> bool:
        return self.role in WRITERS

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_partner(self) -> bool:
        return self.role == PARTNER

    @property
    def is_relais(self) -> bool:
        return self.role == RELAIS

    @property
    def can_write(self) -> bool:
        return self.is_staff


NO_ACCESS = Access(user=None)


def compute_access(user, organisation_id: int | None = None) -> Access:
    from relais.models import Membership, Organisation

    if user is None or not user.is_authenticated or not user.is_active:
        return Access(user=user)
    memberships = list(Membership.objects.filter(user=user).select_related("organisation"))
    chosen = None
    if memberships:
        chosen = next((m for m in memberships if m.organisation_id == organisation_id), memberships[0])
    if user.is_superuser and (chosen is None or chosen.organisation_id != organisation_id):
        # A superuser administers every organisation, the chosen one or the first.
        orgs = list(Organisation.objects.all())
        org = next((o for o in orgs if o.pk == organisation_id), None) or (
            chosen.organisation if chosen else (orgs[0] if orgs else None)
        )
        return Access(
            user=user,
            organisation_id=org.pk if org else None,
            organisation=org,
            role=ADMIN,
            organisations=tuple(orgs),
        )
    if chosen is None:
        return Access(user=user)
    quartier_ids: frozenset[int] = frozenset()
    if chosen.role == STAFF:
        quartier_ids = frozenset(chosen.quartiers.values_list("pk", flat=True))
    return Access(
        user=user,
        organisation_id=chosen.organisation_id,
        organisation=chosen.organisation,
        role=chosen.role,
        quartier_ids=quartier_ids,
        organisations=tuple(m.organisation for m in memberships),
    )


def access_for(user) -> Access:
    """The access of a user, computed once and cached on the user object."""
    if user is None:
        return NO_ACCESS
    cached = getattr(user, "_access_cache", None)
    if cached is None:
        cached = compute_access(user)
        if user.is_authenticated:
            user._access_cache = cached
    return cached


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
    from django.conf import settings

    from relais.models import Membership

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
