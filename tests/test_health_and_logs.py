"""/sante/, the probe of the containers and the proxy; and the logs as JSON lines."""

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from config.logs import JsonFormatter, redact_path

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_health_answers_ok_to_anyone_with_one_query_and_is_never_cached(client, django_assert_num_queries):
    assert reverse("health") == "/sante/"
    with django_assert_num_queries(1):
        response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies, "a probe gets no session"
    assert client.head("/sante/").status_code == 200
    assert client.post("/sante/").status_code == 405


@pytest.mark.django_db
def test_health_names_the_database_when_it_does_not_answer(client, monkeypatch):
    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refused)
    response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "broker": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_names_a_redis_broker_that_does_not_answer_and_does_not_wait_for_it(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    started = time.monotonic()
    response = client.get("/sante/")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error"}


@pytest.mark.django_db
def test_health_names_an_embedded_broker_whose_folder_is_gone(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    gone = str(tmp_path / "gone")
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": gone, "data_folder_out": gone, "control_folder": gone}
    response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json()["broker"] == "error"


@pytest.mark.django_db
def test_health_is_answered_over_plain_http_while_pages_go_to_https(client, settings):
    """The container's health check asks from inside, over HTTP, without a proxy."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/sante/").status_code == 200
    assert client.get("/comptes/login/").status_code == 301


# --- Logs -----------------------------------------------------------------------


def _record(name="relais.outbox", msg="message %s envoyé", args=(42,), **extra) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_a_log_record_is_one_json_object_on_one_line():
    line = JsonFormatter().format(_record())
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "relais.outbox"
    assert entry["message"] == "message 42 envoyé"
    assert entry["time"].endswith("+00:00")


def test_gunicorns_access_line_gives_the_request_and_its_time_but_not_who_made_it():
    atoms = {"m": "GET", "U": "/sante/", "s": "200", "D": 12345, "h": "192.0.2.7", "a": "Mozilla/5.0", "q": "a=b"}
    entry = json.loads(JsonFormatter().format(_record("gunicorn.access", "%(h)s %(r)s", (atoms,))))
    assert {k: entry[k] for k in ("method", "path", "status", "duration_ms")} == {
        "method": "GET",
        "path": "/sante/",
        "status": 200,
        "duration_ms": 12.3,
    }
    line = json.dumps(entry)
    assert "192.0.2.7" not in line and "Mozilla" not in line and "a=b" not in line


def test_an_exception_stays_inside_its_json_line():
    try:
        raise ValueError("boum")
    except ValueError:
        record = _record(msg="échec", args=())
        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boum" in entry["exception"]


@pytest.mark.django_db
def test_the_secret_part_of_a_link_is_never_logged(world):
    from tests.access_check import IN_SCOPE_KWARGS, build_url, iter_routes

    secret_routes = [
        route for route in iter_routes() if any(name.endswith(("token", "key")) for name in route.kwarg_names)
    ]
    checked = 0
    for route in secret_routes:
        if any(name not in IN_SCOPE_KWARGS for name in route.kwarg_names):
            continue  # allauth's keys, tried below
        kwargs = {name: IN_SCOPE_KWARGS[name](world) for name in route.kwarg_names}
        path = redact_path(build_url(route, kwargs))
        assert all(str(value) not in path for value in kwargs.values()) and "…" in path, (route.route, path)
        checked += 1
    assert checked >= 3  # answer links, public minutes, calendar feeds
    assert redact_path("/comptes/password/reset/key/1-abc-0123456789abcdef/") == "/comptes/password/reset/key/1-…/"
    assert redact_path("/reunions/") == "/reunions/"
    assert redact_path("/static/css/app.css") == "/static/css/app.css"


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_log_format_switches_every_line_of_django_to_json(tmp_path, log_format):
    script = "import logging, django; django.setup(); logging.getLogger('relais').warning('relais « %s »', 'Diallo')"
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "test-only-key",
        "VAR_DIR": str(tmp_path),
        "LOG_FORMAT": log_format,
    }
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.splitlines()
    if log_format == "json":
        assert json.loads(line)["message"] == "relais « Diallo »"
    else:
        assert line.endswith("WARNING relais relais « Diallo »")


def test_an_unknown_log_format_fails_at_start_up(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "test-only-key",
        "VAR_DIR": str(tmp_path),
        "LOG_FORMAT": "xml",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "LOG_FORMAT='xml'" in result.stderr
