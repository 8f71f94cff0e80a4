"""The docker-compose stack, without Docker (these machines have no engine).

The first tests read docker-compose.yml, .env.example, the Dockerfile and the
Caddyfile, and check that everything they name exists: services, volumes,
variables, modules, commands, queues. The last one starts for real, on
PostgreSQL and Redis, the processes the compose file starts (the same commands,
under the environment of .env.example) and checks what a deployment needs:
health, static files, a page, a message sent by the worker that beat woke.
"""

from __future__ import annotations

import email
import email.policy
import importlib
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import deploy_files as files

APP_SERVICES = ("migrate", "web", "worker", "worker-bilans", "beat")


@pytest.fixture(scope="module")
def stack() -> dict:
    return files.compose()


@pytest.fixture(scope="module")
def production_env() -> dict[str, str]:
    """.env.example as an operator fills it: its values, and the two secrets."""
    env = files.env_example()
    env.update(SECRET_KEY=secrets.token_urlsafe(50), POSTGRES_PASSWORD="motdepasse")
    return env


def _command(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def _option(command: list[str], *names: str) -> str | None:
    for i, word in enumerate(command):
        if word in names and i + 1 < len(command):
            return command[i + 1]
    return None


def _healthcheck_argv(test: list[str]) -> list[str]:
    kind, *rest = test
    if kind == "CMD":
        return rest
    assert kind == "CMD-SHELL", test
    return ["sh", "-c", rest[0]]


# --- What the compose file names exists -----------------------------------------


def test_every_service_restarts_and_every_long_running_one_has_a_health_check(stack):
    services = stack["services"]
    assert set(APP_SERVICES) | {"postgres", "redis", "proxy"} <= set(services)
    for name, service in services.items():
        assert service.get("restart") in ("unless-stopped", "always") or service.get("restart", "").startswith(
            "on-failure"
        ), f"{name}: no restart policy"
        if service["restart"].startswith("on-failure"):
            # A one-shot step (migrate): the others wait for it to finish, not to be healthy.
            dependants = [s for s in services.values() if name in s.get("depends_on", {})]
            assert dependants, f"{name}: a one-shot service nobody waits for"
            for dependant in dependants:
                assert dependant["depends_on"][name]["condition"] == "service_completed_successfully"
            continue
        healthcheck = service.get("healthcheck", {})
        assert healthcheck.get("test") and not healthcheck.get("disable"), f"{name}: no health check"
        for key in ("interval", "timeout", "retries"):
            assert key in healthcheck, f"{name}: health check without {key}"


def test_services_start_in_order_behind_healthy_dependencies(stack):
    services = stack["services"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on a service that does not exist: {dependency}"
            assert condition["condition"] in ("service_healthy", "service_completed_successfully"), name
    for name in ("web", "worker", "worker-bilans", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_every_named_volume_is_declared_and_every_declared_one_is_used(stack):
    declared = set(stack.get("volumes") or {})
    used = set()
    for name, service in stack["services"].items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0] if isinstance(mount, str) else mount["source"]
            if source.startswith((".", "/", "~")):
                assert (files.ROOT / source).exists(), f"{name}: bind-mounts a missing file {source}"
                continue
            assert source in declared, f"{name}: volume {source} is not declared"
            used.add(source)
    assert used == declared, f"declared but never mounted: {declared - used}"
    # What must survive a `docker compose down`: the database, the uploads, the certificates.
    assert {"pgdata", "media", "caddy-data"} <= declared


def test_media_volume_is_where_the_image_keeps_uploads(stack):
    media_root = files.dockerfile_env()["MEDIA_ROOT"]
    for name in ("web", "worker", "worker-bilans"):
        targets = [m.split(":")[1] for m in stack["services"][name]["volumes"] if m.startswith("media:")]
        assert targets == [media_root], f"{name} does not mount the media volume at {media_root}"


def test_every_variable_the_compose_file_refers_to_is_in_env_example():
    documented = set(files.env_example(commented=True))
    referenced = files.referenced_variables(files.COMPOSE.read_text())
    assert referenced, "the compose file interpolates nothing: the test reads the wrong file"
    assert referenced <= documented, f"not in .env.example: {sorted(referenced - documented)}"


def test_every_variable_of_env_example_is_read_by_something():
    readers = files.settings_variables() | files.gunicorn_variables()
    readers |= files.referenced_variables(files.COMPOSE.read_text())  # SITE_DOMAIN, POSTGRES_PASSWORD
    listed = set(files.env_example(commented=True))
    assert listed - readers == set(), f".env.example lists variables nothing reads: {sorted(listed - readers)}"
    # Everything production must set is set, not left commented.
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SITE_URL", "BEHIND_HTTPS_PROXY"):
        assert name in files.env_example(), name
    for name in ("EMAIL_BACKEND", "EMAIL_HOST", "DEFAULT_FROM_EMAIL", "LOG_FORMAT"):
        assert name in files.env_example(), name


def test_env_example_holds_no_secret():
    example = files.env_example(commented=True)
    for name in ("SECRET_KEY", "POSTGRES_PASSWORD", "EMAIL_HOST_PASSWORD", "SMS_HTTP_TOKEN"):
        assert example[name] == "", f"{name} has a value in .env.example"
    for name, value in files.env_example().items():  # the addresses to fill in are examples
        host = urlsplit(value).hostname if "://" in value else None
        assert host is None or host.endswith(".example.org") or host in ("postgres", "redis"), (name, value)


def test_the_production_image_neither_ships_nor_installs_the_dev_toolbox(production_env):
    ignored = (files.ROOT / ".dockerignore").read_text().split()
    assert "devtools" in ignored, "the demo data and the benchmarks stay out of the image"
    resolved = files.resolved_compose(production_env)["services"]["web"]["environment"]
    env = {"PATH": os.environ["PATH"], **{k: str(v) for k, v in resolved.items()}}
    env["DATABASE_URL"] = "sqlite:///:memory:"  # the settings only parse it
    done = subprocess.run(
        [sys.executable, "-c", "from config import settings; print('devtools' in settings.INSTALLED_APPS)"],
        cwd=files.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"


def test_the_application_environment_is_what_the_settings_read(stack):
    for name in APP_SERVICES:
        service = stack["services"][name]
        assert service["env_file"] == ".env"
        unknown = set(service.get("environment", {})) - files.settings_variables()
        assert unknown == set(), f"{name} sets variables the settings do not read: {unknown}"


def test_compose_refuses_to_start_with_the_secrets_left_empty():
    with pytest.raises(files.MissingVariable, match="SECRET_KEY"):
        files.resolved_compose(files.env_example())
    env = files.env_example() | {"SECRET_KEY": secrets.token_urlsafe(50)}
    with pytest.raises(files.MissingVariable, match="POSTGRES_PASSWORD"):
        files.resolved_compose(env)


def test_the_urls_lead_to_the_compose_files_own_database_and_broker(production_env):
    resolved = files.resolved_compose(production_env)
    services = resolved["services"]
    postgres = services["postgres"]["environment"]
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        database = urlsplit(environment["DATABASE_URL"])
        assert database.hostname == "postgres" and database.port == 5432
        assert database.username == postgres["POSTGRES_USER"]
        assert database.password == postgres["POSTGRES_PASSWORD"] == production_env["POSTGRES_PASSWORD"]
        assert database.path == "/" + postgres["POSTGRES_DB"]
        assert urlsplit(environment["REDIS_URL"]).hostname == "redis"
        assert environment["SECRET_KEY"] == production_env["SECRET_KEY"], "one key for every container"
    # Another database named in .env wins over the compose file's own.
    outside = "postgres://tdu:secret@db.example.org:5432/tdu"
    resolved = files.resolved_compose(production_env | {"DATABASE_URL": outside})
    assert resolved["services"]["web"]["environment"]["DATABASE_URL"] == outside


def test_the_site_address_agrees_everywhere(production_env):
    domain = production_env["SITE_DOMAIN"]
    assert domain in production_env["ALLOWED_HOSTS"].split(",")
    assert f"https://{domain}" in production_env["CSRF_TRUSTED_ORIGINS"].split(",")
    assert production_env["SITE_URL"] == f"https://{domain}"
    assert production_env["BEHIND_HTTPS_PROXY"] == "1", "the proxy terminates HTTPS"


def test_the_web_processes_trust_the_one_proxy_in_front(production_env):
    """Caddy appends the client's address to X-Forwarded-For: the rate limits of
    the public forms read it there (core.security.client_ip), and only there."""
    resolved = files.resolved_compose(production_env)["services"]
    assert "proxy" in resolved
    assert resolved["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"


def test_the_commands_name_modules_and_commands_that_exist(stack):
    from celery import Celery
    from django.conf import settings
    from django.core.management import get_commands

    import config

    services = stack["services"]
    assert _command(services["web"]) == files.dockerfile_cmd(), "the image's CMD is the web service"
    queues = set()
    for name in APP_SERVICES:
        command = _command(services[name])
        program = command[0]
        if program == "gunicorn":
            assert (files.ROOT / _option(command, "--config", "-c")).is_file()
            wsgi = importlib.import_module(command[-1])
            assert callable(wsgi.application)
        elif program == "celery":
            assert _option(command, "-A", "--app") == "config"
            assert isinstance(config.celery_app, Celery)
            subcommand = next(word for word in command[1:] if word in ("worker", "beat", "inspect"))
            if subcommand == "worker":
                queues |= set(_option(command, "-Q", "--queues").split(","))
                node = _option(command, "-n", "--hostname")
                # The health check pings this very worker.
                assert f"-d {node.replace('%h', '$$HOSTNAME')}" in services[name]["healthcheck"]["test"][1]
        elif program == "python":
            assert command[1] == "manage.py" and command[2] in get_commands(), command
        else:
            raise AssertionError(f"{name}: unknown program {program}")
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert queues == {"celery"} | routed, "every queue the tasks go to has a worker, and no worker waits on nothing"


def test_the_health_checks_run_scripts_that_exist(stack):
    for name, service in stack["services"].items():
        argv = _healthcheck_argv(service.get("healthcheck", {}).get("test", ["CMD", "true"]))
        if argv[:2] == ["python", "deploy/healthcheck.py"]:
            assert (files.ROOT / argv[1]).is_file()
            assert argv[2] in ("web", "beat"), name
    assert _healthcheck_argv(stack["services"]["web"]["healthcheck"]["test"]) == [
        "python",
        "deploy/healthcheck.py",
        "web",
    ]


def test_the_proxy_sends_requests_to_the_web_service(stack):
    caddyfile = (files.ROOT / "deploy" / "Caddyfile").read_text()
    proxy = stack["services"]["proxy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    for variable in re.findall(r"\{\$([A-Z_]+)\}", caddyfile):
        assert variable in proxy["environment"], f"the Caddyfile reads {variable}, which the proxy is not given"
    name = re.search(r"^\s*name (\S+)$", caddyfile, re.M).group(1)
    port = re.search(r"^\s*port (\d+)$", caddyfile, re.M).group(1)
    assert name in stack["services"] and port in stack["services"][name]["expose"]
    # Only the proxy is published; web containers can be scaled without port clashes.
    assert [s for s, service in stack["services"].items() if service.get("ports")] == ["proxy"]


def test_the_dockerfile_builds_a_slim_non_root_image_that_can_make_pdfs():
    instructions = files.dockerfile_instructions()
    assert instructions[0][0] == "FROM" and instructions[0][1].startswith("python:3.11-slim")
    users = [args for instruction, args in instructions if instruction == "USER"]
    assert users and users[-1] not in ("root", "0")
    runs = " ".join(args for instruction, args in instructions if instruction == "RUN")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libharfbuzz-subset0", "fonts-dejavu"):
        assert package in runs, package
    assert "pip install -r requirements.txt" in runs
    assert "collectstatic --noinput" in runs
    assert files.dockerfile_env()["DJANGO_SETTINGS_MODULE"] == "config.settings"
    ignored = (files.ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", ".git", "var"} <= set(ignored), "secrets and local state stay out of the image"


def test_every_static_file_a_template_names_exists():
    """In production a name missing from collectstatic's manifest is a 500 on
    every page that names it (the tests' own storage would not notice)."""
    from django.contrib.staticfiles import finders

    names = set()
    for template in files.ROOT.glob("**/templates/**/*"):
        if template.is_file() and ".venv" not in template.parts:
            names |= set(re.findall(r"""\{% static ['"]([^'"]+)['"]""", template.read_text(errors="replace")))
    assert names, "no {% static %} found: the test reads the wrong folders"
    assert [name for name in sorted(names) if finders.find(name) is None] == []


# --- The same processes, started for real --------------------------------------

# A Redis database of its own: the workers started here must not take the tasks
# of another test run on the same Redis, nor leave theirs to it.
REDIS_DB = 13


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_url() -> str | None:
    from django.conf import settings

    if not settings.REDIS_URL:
        return None
    import redis

    url = urlsplit(settings.REDIS_URL)._replace(path=f"/{REDIS_DB}").geturl()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return None
    return url


def _database_url(connection) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Stack:
    """The compose file's application processes on this machine, each in its own
    process group, its output in a file."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.folder, self.env, self.processes = folder, env, {}

    def start(self, name: str, argv: list[str]) -> None:
        out = (self.folder / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            argv, cwd=files.ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()

    def alive(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} stopped:\n{self.log(name)[-3000:]}"

    def wait_for(self, condition, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.alive()
            if condition():
                return
            time.sleep(0.2)
        logs = "\n".join(f"--- {name}\n{self.log(name)[-2000:]}" for name in self.processes)
        raise AssertionError(f"timed out waiting for {what}\n{logs}")

    # The image's build and migrate steps: a deadline only against a hung step
    # (collectstatic took over a minute on a machine with a load of 17).
    def run(self, argv: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(argv, cwd=files.ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)

    def stop(self) -> dict[str, int]:
        """What `docker compose stop` does: SIGTERM to each container's first
        process (not to its children: gunicorn and celery stop their own), then
        a grace period, then SIGKILL to everything left."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self.processes.items():
            try:
                codes[name] = process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                codes[name] = process.wait(timeout=10)
        return codes

    def leftovers(self) -> str:
        pids = [str(p.pid) for p in self.processes.values()]
        result = subprocess.run(["ps", "-o", "pid,args", "--no-headers", "-g", ",".join(pids)], capture_output=True)
        return result.stdout.decode().strip()


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_compose_processes_serve_and_send_for_real(tmp_path, stack, production_env):
    from allauth.account.utils import user_pk_to_url_str
    from django.db import connection
    from django.utils import timezone

    from core import outbox
    from core.models import Message
    from tests.conftest import require_service
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    redis_url = _redis_url()
    require_service("Redis (REDIS_URL)", redis_url is not None)
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # nothing left over from an interrupted run

    port = _free_port()
    host = production_env["ALLOWED_HOSTS"].split(",")[0]
    resolved = files.resolved_compose(production_env)["services"]
    env = {
        # What the image has (Dockerfile's ENV) and what compose gives the containers…
        **{k: v for k, v in os.environ.items() if k in ("HOME", "LANG")},
        **files.dockerfile_env(),
        **production_env,
        **resolved["web"]["environment"],
        # …but this machine's services, folders and mail transport, and no waiting.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DATABASE_URL": _database_url(connection),
        "REDIS_URL": redis_url,
        "VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "EMAIL_BACKEND": "core.mail.PickupDirectoryBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mails"),
        "DISPATCH_EVERY_SECONDS": "1",
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}",
        "HOSTNAME": socket.gethostname(),
    }
    if os.geteuid() == 0:
        # The image runs as a user; run here as root, celery would warn about it on
        # stderr before its logging starts.
        env["PYTHONWARNINGS"] = "ignore:You're running the worker with superuser privileges:UserWarning"
    processes = Stack(tmp_path, env)
    # The image's build step, then the migrate service (nothing to apply: pytest made the schema).
    build = next(args for instruction, args in files.dockerfile_instructions() if "collectstatic" in args)
    # Without the build's throw-away variables (this test gives its own).
    collect = processes.run([word for word in shlex.split(build.split("&&")[0]) if not re.match(r"[A-Z_]+=", word)])
    assert collect.returncode == 0, collect.stderr
    migrate = processes.run(_command(resolved["migrate"]))
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    # An invitation due now: a row in the outbox, that only beat and the worker will send.
    org = OrganisationFactory(name="Habitat du Déploiement", slug="habitat-du-deploiement")
    colleague = UserFactory(email="nouvelle@deploiement.test")
    colleague.set_unusable_password()
    colleague.save(update_fields=["password"])
    membership = MembershipFactory(user=colleague, organisation=org, role="staff")
    message = outbox.message_schedule(
        organisation_id=org.pk, recipient=colleague, subject=membership, kind="invitation-1", when=timezone.now()
    )

    for name in ("web", "worker", "worker-bilans", "beat"):
        processes.start(name, _command(resolved[name]))
    try:
        # The health checks compose runs, as it runs them.
        web_check = _healthcheck_argv(resolved["web"]["healthcheck"]["test"]) + [str(port)]
        processes.wait_for(lambda: processes.run(web_check).returncode == 0, 60, "web's health check")
        for name in ("worker", "worker-bilans"):
            check = _healthcheck_argv(resolved[name]["healthcheck"]["test"])
            processes.wait_for(lambda check=check: processes.run(check).returncode == 0, 90, f"{name}'s ping")
        beat_check = _healthcheck_argv(resolved["beat"]["healthcheck"]["test"])
        processes.wait_for(lambda: processes.run(beat_check).returncode == 0, 60, "beat's health check")

        base = f"http://127.0.0.1:{port}"
        # The probe: plain HTTP from inside, no cookie, no HTTPS redirect; JSON, never cached.
        status, headers, body = _get(base + "/sante/", {"Host": host})
        assert status == 200, body
        assert json.loads(body) == {"status": "ok", "database": "ok", "broker": "ok"}
        assert "no-store" in headers["Cache-Control"] and "Set-Cookie" not in headers

        # Pages: only over HTTPS (the proxy says so); a login page for a visitor.
        assert _get(base + "/comptes/login/", {"Host": host})[0] == 301
        https = {"Host": host, "X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
        status, headers, body = _get(base + "/comptes/login/", https)
        assert status == 200 and "Connexion" in body.decode()
        assert "Strict-Transport-Security" in headers

        # Static files: hashed names in the page, served by whitenoise, compressed, cached for a year.
        css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', body.decode()).group(1)
        status, headers, body = _get(base + css, https)
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
        assert headers["Content-Security-Policy"].startswith("default-src 'self'")

        # The invitation: beat wakes the dispatcher, the worker sends it, once.
        sent = Message.objects.filter(pk=message.pk, state=Message.State.SENT)
        processes.wait_for(sent.exists, 60, "the invitation to be sent")
        (mail,) = [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in (tmp_path / "mails").glob("*.eml")
        ]
        assert mail["To"] == colleague.email and "Habitat du Déploiement" in mail["Subject"]
        # Its link, signed by the worker, is good on the web process: one SECRET_KEY for all.
        link = re.search(r"https://\S+", mail.get_body(("plain",)).get_content()).group()
        assert link.startswith(production_env["SITE_URL"] + "/comptes/password/reset/key/")
        status, headers, body = _get(base + urlsplit(link).path, https)
        assert status == 302 and headers["Location"].endswith("-set-password/"), body
    finally:
        codes = processes.stop()
        redis.Redis.from_url(redis_url).flushdb()

    # Stopped cleanly, as `docker compose stop` would: every process exits at the
    # SIGTERM, nothing is left behind.
    assert codes == {"web": 0, "worker": 0, "worker-bilans": 0, "beat": 0}, codes
    assert processes.leftovers() == ""
    # LOG_FORMAT=json (.env.example): every line of every process is one JSON object,
    # but the one celery prints itself (not through logging) as a worker stops.
    for name in processes.processes:
        for line in processes.log(name).splitlines():
            if not line or re.fullmatch(r"worker: (Warm|Cold) shutdown \(MainProcess\)", line):
                continue
            entry = json.loads(line)
            assert {"time", "level", "logger", "message"} <= set(entry), (name, line)
    access = [json.loads(line) for line in processes.log("web").splitlines() if '"gunicorn.access"' in line]
    health = next(entry for entry in access if entry["path"] == "/sante/" and entry["status"] == 200)
    assert health["method"] == "GET" and isinstance(health["duration_ms"], float)
    # The invitation's key opened a password page: it is in no log, only its place.
    key = urlsplit(link).path.split("/key/", 1)[1].split("-", 1)[1].strip("/")
    assert all(key not in processes.log(name) for name in processes.processes)
    uid = user_pk_to_url_str(colleague)
    assert any(entry["path"] == f"/comptes/password/reset/key/{uid}-…/" for entry in access), access
