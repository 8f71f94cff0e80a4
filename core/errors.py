"""Django's handler500: every uncaught exception ends here.

A database that restarts or is out of reach is not a bug in a page: the answer
is a 503 in French that says to try again in a moment, with Retry-After (the
phone's outbox keeps a form answered 5xx and sends it later). It is made without
the database — no session, no user — since that is what failed. Any other error
gets Django's own 500 page. Django logs both.

A middleware would not do: the session and the login are read by other
middleware, whose exceptions never reach one placed around them.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 30


def server_error(request):
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request)
