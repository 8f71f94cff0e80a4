"""/sante/: is this web process able to work? For the container's health check,
a load balancer or a monitoring probe.

It asks the database for one row and opens a connection to the Celery broker,
each with a short time-out, and answers 200 when both answer, 503 naming the
part that did not. Open to anyone (it shows no data), never cached, and never a
500: a failing check is the answer, not an error.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 2  # seconds


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as error:  # any failure is an answer here: the database is not usable
        # One line, no traceback: a probe asks every 30 s for as long as the outage lasts.
        logger.warning("Health check: the database does not answer (%s: %s)", type(error).__name__, error)
        return False


def broker_ok() -> bool:
    url = settings.CELERY_BROKER_URL
    try:
        if url.startswith("filesystem://"):
            # The embedded broker is a folder: it works if this process may write there.
            folders = settings.CELERY_BROKER_TRANSPORT_OPTIONS
            return all(
                os.access(Path(folders[key]), os.W_OK)
                for key in ("data_folder_in", "data_folder_out", "control_folder")
            )
        # The project's Celery app (config/celery.py), reached without core importing config.
        with current_app.connection_for_write(url, connect_timeout=BROKER_TIMEOUT) as conn:
            # One try, no back-off: a probe wants an answer now.
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)
        return True
    except Exception as error:
        logger.warning("Health check: the broker does not answer (%s: %s)", type(error).__name__, error)
        return False


@never_cache
@require_safe
def health(request):
    checks = {"database": database_ok(), "broker": broker_ok()}
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "error"}
    body.update({name: "ok" if ok else "error" for name, ok in checks.items()})
    return JsonResponse(body, status=200 if healthy else 503)
