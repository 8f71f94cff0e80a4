"""Logs as one JSON object per line (LOG_FORMAT=json), for a log collector.

The same formatter serves Django (settings.LOGGING), gunicorn (config/gunicorn.py)
and Celery (config/celery.py). A request's line says which page answered what and
how fast; never the client's address, user agent or query string, which would make
the logs a record of people, nor the secret part of a link (`redact_path`).
"""

import datetime
import json
import logging

# URL arguments that are bearer secrets: signed answer and minutes links, calendar
# feeds, password-reset keys. Whoever reads the logs must not be able to use them.
SECRET_URL_ARGUMENTS = ("token", "key")


def redact_path(path: str) -> str:
    """The path with the secret parts of its URL pattern replaced by « … »."""
    try:
        from django.urls import resolve

        match = resolve(path)
    except Exception:  # not a page of ours (a 404, a static file), or Django not loaded
        return path
    for name, value in match.kwargs.items():
        if name.endswith(SECRET_URL_ARGUMENTS) and value:
            path = path.replace(str(value), "…", 1)
    return path


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            # gunicorn hands a request's fields to its access log as the record's arguments.
            atoms = record.args
            entry.update(
                method=atoms.get("m"),
                path=atoms.get("U"),
                status=_int(atoms.get("s")),
                duration_ms=round(atoms.get("D", 0) / 1000, 1),
                message=f"{atoms.get('m')} {atoms.get('U')} {atoms.get('s')}",
            )
        else:
            entry["message"] = record.getMessage()
            request = getattr(record, "request", None)
            if hasattr(request, "method") and hasattr(request, "path"):  # django.request's errors
                entry.update(method=request.method, path=redact_path(request.path))
            if isinstance(getattr(record, "status_code", None), int):
                entry["status"] = record.status_code
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _int(value) -> int | str | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
