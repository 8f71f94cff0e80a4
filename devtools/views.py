from django.db import connection
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from core.access import READERS, RELAIS, role_required


@role_required(*READERS, RELAIS)
@require_safe
def floor(request):
    """The stack's own limit, for `make bench`: the same door and middleware as
    every page (session, login, organisation), one trivial query, a tiny answer
    that tells nothing. A page's requests per second are read against it."""
    return _bare()


@require_safe
def floor_anonymous(request):
    """The floor of the pages anyone reads without logging in (the public
    page): the same middleware, no session and no login, one trivial query.
    The public page's requests per second are read against it."""
    return _bare()


def _bare() -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    response = HttpResponse("ok", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
