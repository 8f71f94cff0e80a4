"""Every page of the project, as each kind of visitor, carries the security
headers: a CSP with no inline script, frame denial, a referrer policy, nosniff;
and HSTS over HTTPS."""

import pytest
from django.test import Client

from tests.access_check import IN_SCOPE_KWARGS, build_url, iter_routes

pytestmark = pytest.mark.django_db

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

# The one page that may be framed: the public page's read-only embed layout, by
# the origins its organisation listed (tests/access_check.py publishes B's with one).
FRAMEABLE = {"public:embed": "frame-ancestors https://www.habitat-b.test;"}


@pytest.mark.slow
def test_every_page_has_the_security_headers(world):
    visitors = {"anonyme": None, "médiation": world.staff_a, "relais": world.relais_user_a}
    clients = {}
    for name, user in visitors.items():
        clients[name] = Client()
        if user is not None:
            clients[name].force_login(user)
    problems, checked = [], 0
    for route in iter_routes():
        if route.route.startswith("admin/") and route.kwarg_names:
            continue
        if any(k not in IN_SCOPE_KWARGS for k in route.kwarg_names):
            continue  # third-party patterns with their own kwargs (allauth's keys)
        url = build_url(route, {k: IN_SCOPE_KWARGS[k](world) for k in route.kwarg_names})
        for name, client in clients.items():
            response = client.get(url)
            checked += 1
            csp = response.headers.get("Content-Security-Policy", "")
            if route.name in FRAMEABLE:
                if FRAMEABLE[route.name] not in csp or "X-Frame-Options" in response.headers:
                    problems.append(f"{url} ({name}): framed beyond its organisation's origins: {csp!r}")
                continue
            for header, value in EXPECTED.items():
                if response.headers.get(header) != value:
                    problems.append(f"{url} ({name}): {header} = {response.headers.get(header)!r}")
            if "frame-ancestors 'none'" not in csp or "script-src 'self'" not in csp and not url.startswith("/admin/"):
                problems.append(f"{url} ({name}): CSP = {csp!r}")
            if "unsafe-inline" in csp.split("script-src", 1)[-1].split(";")[0]:
                problems.append(f"{url} ({name}): inline scripts allowed")
    assert problems == [], "\n".join(problems)
    assert checked > 200


def test_hsts_over_https(world, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = Client().get("/comptes/login/", secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def _minimal_production_env() -> dict[str, str]:
    """Only what production would have: nothing inherited from the tests' own environment."""
    import os
    import secrets

    return {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "DATABASE_URL", "REDIS_URL")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "traitdunion.example",
    }


def _compose_production_env() -> dict[str, str]:
    """What docker-compose.yml gives its web container once .env.example is filled in."""
    import os
    import secrets

    from tests import deploy_files

    env = deploy_files.env_example() | {"SECRET_KEY": secrets.token_urlsafe(50), "POSTGRES_PASSWORD": "motdepasse"}
    return {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
        **deploy_files.dockerfile_env(),
        **env,
        **deploy_files.resolved_compose(env)["services"]["web"]["environment"],
    }


@pytest.mark.parametrize("production_env", [_minimal_production_env, _compose_production_env])
def test_check_deploy_reports_nothing_under_production_settings(tmp_path, production_env):
    import subprocess
    import sys
    from pathlib import Path

    # `check --deploy` reads no database and no broker: the compose file's hosts may stay unreachable.
    env = production_env() | {"VAR_DIR": str(tmp_path), "MEDIA_ROOT": str(tmp_path / "media")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_no_view_is_exempt_from_csrf_and_a_post_without_token_is_refused(world):
    exempt = [route.route for route in iter_routes() if getattr(route.callback, "csrf_exempt", False)]
    assert exempt == []
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.staff_a)
    response = client.post(f"/relais/{world.relais_a.pk}/echanges/nouveau/", {"kind": "appel", "note": "x"})
    assert response.status_code == 403
    assert not world.relais_a.contacts.filter(note="x").exists()
