"""The inbox's count in the navigation, for staff; read only when a page shows it."""

from django.utils.functional import SimpleLazyObject

from core.access import access_for
from inbox import selectors


def waiting_count(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not access_for(user).is_staff:
        return {}
    return {"waiting_count": SimpleLazyObject(lambda: selectors.count(user))}
