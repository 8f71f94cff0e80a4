"""Load and faults, on loopback, against the production processes: gunicorn
(config/gunicorn.py, 2 workers, DEBUG off), a Celery worker with beat, the
test's PostgreSQL database and a Redis of the test's own (started here on a
free port, so the shared one is never stopped).

- 20 people at once for 60 s, relais and staff: no 5xx, and every remontée a
  relais was told was saved is in the database, once.
- Redis stopped for 30 s in the middle: the pages keep answering (login
  included); the messages created meanwhile are sent once it is back, none
  lost, none twice.
- PostgreSQL stopped and started again in the middle: requests meanwhile get a
  clean 503 in French, the same gunicorn workers serve again afterwards, and no
  remontée is half-written; the forms answered 503 are sent again, as the
  phone's outbox does, and each makes one remontée.

They need PostgreSQL (DATABASE_URL), the redis-server program and, for the
restart, the cluster tools of Debian (pg_ctlcluster); they skip without them,
and fail under REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection
from django.test import Client
from django.utils import timezone

from core.models import Membership, Message
from devtools.builder import Builder, RemonteePlan
from relais.models import Relais
from remontees.models import Remontee, RemonteeEvent, Theme
from tests.conftest import require_service
from tests.factories import OrganisationFactory

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PASSWORD = "motdepasse-de-test"
UNAVAILABLE = "Service momentanément indisponible"

# Load and faults are measured alone (make test runs `exclusive` tests after the
# others, in one process): their deadlines assume the machine is theirs, and one
# of them restarts PostgreSQL under everyone.
pytestmark = [pytest.mark.services, pytest.mark.exclusive]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or HOST}:{s['PORT'] or 5432}/{s['NAME']}"


def _require_stack() -> None:
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    require_service("redis-server", shutil.which("redis-server") is not None)


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


# The processes


class PrivateRedis:
    """A redis-server of the test's own, with an append-only file: stopped and
    started again, it keeps what it held, as a production Redis does."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", HOST, "--port", str(self.port), "--dir", str(self.folder),
             "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        _wait(self.answers, 10, "redis-server")

    def answers(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis flushes its file and exits
            self.process.wait(timeout=20)


@dataclass
class Stack:
    port: int
    web: subprocess.Popen
    log: Path

    def workers(self) -> set[int]:
        children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children")
        return {int(pid) for pid in children.read_text().split()}


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    """The static files as the image has them (hashed names): the pages name them."""
    _require_stack()
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "STATIC_ROOT": str(root), "DEBUG": "0",
             "SECRET_KEY": settings.SECRET_KEY, "DATABASE_URL": "sqlite:///:memory:", "REDIS_URL": "",
             "VAR_DIR": str(tmp_path_factory.mktemp("var"))},
        check=True,
    )  # fmt: skip
    return root


@contextmanager
def stack(tmp_path: Path, static_root: Path, redis: PrivateRedis, *, worker: bool) -> Iterator[Stack]:
    """gunicorn as config/gunicorn.py runs it (and a Celery worker with beat every
    2 s), DEBUG off, on plain HTTP on loopback."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions opened here by the test client
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis.url,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(static_root),
        "VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "EMAIL_BACKEND": "core.mail.PickupDirectoryBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mails"),
        "DISPATCH_EVERY_SECONDS": "2",
        "DB_CONNECT_TIMEOUT": "2",
        "WEB_CONCURRENCY": "2",
        "LOG_FORMAT": "plain",
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "stack.log"
    out = open(log, "a")  # noqa: SIM115 - closed below
    processes = []
    try:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "config.wsgi",
             "--bind", f"{HOST}:{port}", "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        processes.append(web)
        if worker:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "-Q", "celery", "-c", "2",
                     "--without-mingle", "--without-gossip", "--loglevel=WARNING", "-n", f"faults-{port}@%h",
                     "--schedule", str(tmp_path / "var" / "beat-schedule")],
                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                )
            )  # fmt: skip

        def up() -> bool:
            assert web.poll() is None, log.read_text()[-3000:]
            try:
                return Browser(port).get("/plancher/").status == 302
            except OSError:
                return False

        _wait(up, 60, "gunicorn")
        yield Stack(port=port, web=web, log=log)
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        out.close()


# The people


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Browser:
    """One person's browser: cookies kept, one connection per request (gunicorn's
    sync workers close each one), redirects not followed."""

    def __init__(self, port: int, session: str = ""):
        self.port = port
        # A CSRF secret of our own, in the cookie and in every form, as the page would give it.
        self.csrf = uuid.uuid4().hex
        self.cookies = {"csrftoken": self.csrf, **({"sessionid": session} if session else {})}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None) -> Answer:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=20)
        try:
            body = urlencode({**form, "csrfmiddlewaretoken": self.csrf}) if form is not None else None
            head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
            if body is not None:
                head["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=head)
            response = conn.getresponse()
            content = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, content)
        finally:
            conn.close()

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, form: dict, headers: dict | None = None) -> Answer:
        return self.request("POST", path, form, headers)


@dataclass
class Hit:
    at: float
    method: str
    path: str
    status: int  # 0: no answer (connection refused, reset, time-out)
    body: bytes = b""


@dataclass
class Report:
    """What the phone was told about one remontée it sent."""

    session: str
    client_key: str
    form: dict
    outbox: bool
    status: int
    at: float


@dataclass
class Load:
    """People working at once until `stop`: each a thread, a browser, a session."""

    port: int
    relais: list[tuple[str, dict]]  # (session, what their form needs)
    staff: list[tuple[str, list[int]]]  # (session, remontées they may answer)
    think: tuple[float, float] = (0.05, 0.4)
    hits: list[Hit] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def call(self, browser: Browser, method: str, path: str, form=None, headers=None) -> Answer:
        try:
            answer = browser.request(method, path, form, headers)
        except OSError:
            answer = Answer(0, {}, b"")
        with self.lock:
            # The start of the page, and its error (the stale-status refusal) wherever it stands.
            at = answer.body.find(b'class="error')
            body = answer.body[:2000] + (answer.body[at : at + 600] if at >= 2000 else b"")
            self.hits.append(Hit(time.monotonic(), method, path, answer.status, body))
        return answer

    def relais_person(self, session: str, needs: dict, rng: random.Random) -> None:
        browser = Browser(self.port, session)
        while not self.stop.is_set():
            action = rng.choices(["home", "report", "mine"], weights=[4, 4, 2])[0]
            if action == "report":
                self.call(browser, "GET", "/remontees/signaler/")
                key, outbox = str(uuid.uuid4()), rng.random() < 0.5
                form = {
                    "residence": needs["residence"],
                    "theme": rng.choice(needs["themes"]),
                    "description": f"Le hall est sale (formulaire {key[:8]}).",
                    "client_key": key,
                }
                # Half of them as the phone's outbox sends them (fetch, X-Outbox): 204 when saved.
                answer = self.call(browser, "POST", "/remontees/signaler/", form, {"X-Outbox": "1"} if outbox else None)
                with self.lock:
                    self.reports.append(Report(session, key, form, outbox, answer.status, time.monotonic()))
            else:
                self.call(browser, "GET", "/espace/" if action == "home" else "/remontees/mes-remontees/")
            time.sleep(rng.uniform(*self.think))

    def staff_person(self, session: str, remontee_ids: list[int], rng: random.Random) -> None:
        browser = Browser(self.port, session)
        pages = ["/tableau-de-bord/", "/remontees/", "/relais/", "/initiatives/"]
        while not self.stop.is_set():
            if rng.random() < 0.3 and remontee_ids:
                remontee = rng.choice(remontee_ids)
                page = self.call(browser, "GET", f"/remontees/{remontee}/")
                # As staff do: one of the statuses the page offers (a remontée
                # already résolue offers « en cours » only; « non retenue » needs
                # a reason, which this comment gives).
                select = re.search(rb'<select name="status".*?</select>', page.body, re.S)
                offered = re.findall(rb'<option value="([a-z_]+)"', select.group()) if select else []
                if offered:
                    self.call(
                        browser,
                        "POST",
                        f"/remontees/{remontee}/statut/",
                        {"status": rng.choice(offered).decode(), "comment": "Le prestataire passe jeudi."},
                    )
            else:
                self.call(browser, "GET", rng.choice(pages))
            time.sleep(rng.uniform(*self.think))

    @contextmanager
    def running(self, seed: int = 7) -> Iterator[Load]:
        threads = [
            threading.Thread(target=self.relais_person, args=(s, n, random.Random(seed + i)), daemon=True)
            for i, (s, n) in enumerate(self.relais)
        ] + [
            threading.Thread(target=self.staff_person, args=(s, ids, random.Random(seed + 100 + i)), daemon=True)
            for i, (s, ids) in enumerate(self.staff)
        ]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=60)

    def unexpected(self, since: float = 0.0, until: float = float("inf")) -> list[Hit]:
        """Answers that are not what the page gives: 200 for a page, 302 for a
        form (204 from the outbox). Two staff members may answer the same
        remontée at once: the second one's status, no longer possible, is refused
        (400) — at its field when the remontée had changed before the form was
        checked (« Choisissez un statut possible »), or by the service when it
        changed in between, under the row's lock (« Une remontée « … » ne peut
        pas passer à « … » ») — the product's answer to a stale form, not a fault."""
        return [
            h for h in self.hits
            if since <= h.at <= until and h.status not in ((302, 204) if h.method == "POST" else (200,))
            and not (h.status == 400 and h.path.endswith("/statut/") and any(s in h.body for s in STALE_STATUS))
        ]  # fmt: skip


STALE_STATUS = [
    "Choisissez un statut possible pour cette remontée.".encode(),  # the form's field
    "ne peut pas passer à".encode(),  # remontees.services.remontee_set_status, under the row's lock
]


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@dataclass
class Network:
    relais: list[tuple[str, dict]]
    staff: list[tuple[str, list[int]]]
    login: str  # a staff member who logs in with a password


def _network(*, relais: int, staff: int) -> Network:
    """An organisation with its residences, relais who agreed to e-mails (each
    with a login), staff, and remontées waiting for an answer."""
    org = OrganisationFactory(name="Habitat de la Charge", slug="habitat-de-la-charge")
    b = Builder(org, rng=0)
    team = [b.member(f"equipe{n}@charge.test", Membership.Role.STAFF) for n in range(staff)]
    b.by = team[0]
    homes = b.residences(4, quartiers=b.quartiers(["Centre"]))
    people = b.relais(relais, homes=homes, logins=(Relais.Status.ACTIF,))
    themes = list(Theme.objects.filter(organisation=org, is_active=True))
    waiting = [
        r.pk
        for r in b.remontees(
            [
                RemonteePlan(
                    homes[n % len(homes)], themes[n % len(themes)], "L'ascenseur est en panne.", timezone.now(),
                    relais=people[n % len(people)], source=Remontee.Source.VISITE,
                )
                for n in range(40)
            ]
        )
    ]  # fmt: skip
    team[0].password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())  # the stack's own hasher
    team[0].save(update_fields=["password"])
    themes = [t.pk for t in themes]
    return Network(
        relais=[(_session(p.user), {"residence": p.relais_links.get().residence_id, "themes": themes}) for p in people],
        staff=[(_session(u), waiting) for u in team],
        login=team[0].email,
    )


def _check_reports(load: Load) -> None:
    """Every remontée the phone was told was saved is in the database, once, with
    its first event; nothing else was made by the relais."""
    saved = [r for r in load.reports if r.status in (302, 204)]
    assert all(r.status == 204 for r in saved if r.outbox) and all(r.status == 302 for r in saved if not r.outbox)
    keys = [r.client_key for r in saved]
    assert len(set(keys)) == len(keys)
    in_db = set(
        str(k) for k in Remontee.objects.filter(source=Remontee.Source.ESPACE).values_list("client_key", flat=True)
    )
    lost, unknown = set(keys) - in_db, in_db - set(keys)
    assert not lost, f"{len(lost)} remontées answered as saved are not in the database"
    assert not unknown, f"{len(unknown)} remontées in the database whose sender was told otherwise"
    _check_whole()


def _check_whole() -> None:
    """No half-written object: every remontée has the event of its creation."""
    orphans = Remontee.objects.exclude(
        pk__in=RemonteeEvent.objects.filter(kind=RemonteeEvent.Kind.CREEE).values("remontee_id")
    )
    assert not orphans.exists(), f"{orphans.count()} remontées without their first event"


def _wait_sent(seconds: float) -> None:
    pending = Message.objects.filter(state=Message.State.PENDING)
    _wait(lambda: not pending.exists(), seconds, f"the messages to be sent ({pending.count()} pending)")


def _delivered_once(mail_dir: Path) -> None:
    """Each message sent is in the pickup folder, handed to it exactly once."""
    sent = set(Message.objects.filter(state=Message.State.SENT).values_list("pk", flat=True))
    log = (mail_dir / "deliveries.log").read_text().split() if (mail_dir / "deliveries.log").exists() else []
    handed = [int(name.split("@")[0].removeprefix("tdu-message-")) for name in log]
    twice = {pk for pk in handed if handed.count(pk) > 1}
    assert set(handed) == sent, (
        f"sent but not delivered: {sent - set(handed)}; delivered, not sent: {set(handed) - sent}"
    )
    assert not twice, f"messages delivered twice: {sorted(twice)}"


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    _require_stack()
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    yield redis
    redis.stop()


# The tests


@pytest.mark.django_db(transaction=True)
def test_twenty_people_for_a_minute_no_error_and_no_lost_remontee(tmp_path, static_root, private_redis):
    network = _network(relais=12, staff=8)
    with stack(tmp_path, static_root, private_redis, worker=True) as served:
        load = Load(served.port, network.relais, network.staff)
        with load.running():
            time.sleep(60)
        assert len(load.hits) > 500, "the load never ran"
        assert not [h for h in load.hits if h.status >= 500 or h.status == 0], _show(load.unexpected())
        assert not load.unexpected(), _show(load.unexpected())
        _check_reports(load)
        assert any(r.status in (302, 204) for r in load.reports)
        # The answers to the relais (one message per status change) all go out, once.
        assert Message.objects.exists()
        _wait_sent(90)
    _delivered_once(tmp_path / "mails")
    print(
        f"\n{len(load.hits)} requests, {len(load.reports)} remontées sent by relais, {Message.objects.count()} messages"
    )


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_for_30_seconds_pages_answer_and_messages_go_out_once_it_is_back(
    tmp_path, static_root, private_redis
):
    network = _network(relais=4, staff=4)
    with stack(tmp_path, static_root, private_redis, worker=True) as served:
        load = Load(served.port, network.relais, network.staff, think=(0.2, 0.6))
        with load.running():
            time.sleep(5)
            before = timezone.now()
            down = time.monotonic()
            private_redis.stop()
            # Logging in counts attempts in the cache, which is Redis.
            browser = Browser(served.port)
            browser.get("/comptes/login/")
            login = browser.post("/comptes/login/", {"login": network.login, "password": PASSWORD})
            time.sleep(max(0.0, 30 - (time.monotonic() - down)))
            private_redis.start()
            up = time.monotonic()
            after = timezone.now()
            time.sleep(5)
        assert login.status == 302 and browser.get("/tableau-de-bord/").status == 200, login.status
        during = [h for h in load.hits if down < h.at < up]
        assert len(during) > 30, "too few requests while Redis was down"
        assert not load.unexpected(), _show(load.unexpected())
        _check_reports(load)
        made_meanwhile = Message.objects.filter(created_at__gt=before, created_at__lt=after)
        assert made_meanwhile.exists(), "no message was created while Redis was down: nothing was proven"
        # Beat (every 2 s here) hands the rows out again once the broker answers.
        _wait_sent(120)
        assert not made_meanwhile.exclude(state=Message.State.SENT).exists()
    _delivered_once(tmp_path / "mails")
    print(f"\nwhile Redis was down: {len(during)} requests, {made_meanwhile.count()} messages created, all sent after")


def _cluster() -> tuple[str, str] | None:
    """The Debian cluster (version, name) that serves the test database."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW cluster_name")
        name = cursor.fetchone()[0]
    if "/" not in name or not shutil.which("pg_ctlcluster"):
        return None
    version, _, cluster = name.partition("/")
    return version, cluster


def _pg_ctl(action: str, cluster: tuple[str, str]) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, action], check=True, capture_output=True, timeout=120
    )


def _pg_answers() -> bool:
    s = connection.settings_dict
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", s["HOST"] or HOST, "-p", str(s["PORT"] or 5432)], check=False
        ).returncode
        == 0
    )


@pytest.mark.django_db(transaction=True)
def test_postgresql_restarted_requests_fail_cleanly_and_the_same_workers_recover(tmp_path, static_root, private_redis):
    cluster = _cluster()
    require_service("a Debian PostgreSQL cluster to restart (pg_ctlcluster)", cluster is not None)
    network = _network(relais=6, staff=2)
    try:
        with stack(tmp_path, static_root, private_redis, worker=False) as served:
            workers = served.workers()
            load = Load(served.port, network.relais, network.staff, think=(0.05, 0.2))
            with load.running():
                time.sleep(4)
                stopped = time.monotonic()
                _pg_ctl("stop", cluster)
                time.sleep(3)  # a restart that takes its time: requests arrive meanwhile
                _pg_ctl("start", cluster)
                started = time.monotonic()
                time.sleep(8)
            assert served.workers() == workers, "gunicorn's workers were replaced: they did not recover by themselves"
            # The phone's outbox sends again what was answered 503, from the same phone.
            retried = [r for r in load.reports if r.status not in (302, 204)]
            for report in retried:
                answer = Browser(served.port, report.session).post(
                    "/remontees/signaler/", report.form, {"X-Outbox": "1"}
                )
                assert answer.status == 204, (answer.status, answer.body[:300])
                report.status, report.outbox = 204, True
    finally:
        if not _pg_answers():
            _pg_ctl("start", cluster)
        _wait(_pg_answers, 60, "PostgreSQL")
        connection.close()  # the test's own connection died with the server: the next query reconnects

    failed = [h for h in load.hits if h.status >= 500 or h.status == 0]
    assert failed, "no request reached the server while PostgreSQL was down: nothing was proven"
    for hit in failed:
        assert hit.status == 503 and UNAVAILABLE in hit.body.decode(), _show([hit])
        assert stopped - 1 < hit.at < started + 5, _show([hit])
    # Recovered: a few seconds later every answer is the page's own again.
    assert not load.unexpected(since=started + 5), _show(load.unexpected(since=started + 5))
    # Each form, sent once or twice, made exactly one whole remontée.
    _check_reports(load)
    keys = [r.client_key for r in load.reports]
    assert Remontee.objects.filter(client_key__in=keys).count() == len(set(keys))
    print(f"\nPostgreSQL down {started - stopped:.1f} s: {len(failed)} clean 503, {len(retried)} forms sent again")


def _show(hits: list[Hit]) -> str:
    def said(body: bytes) -> bytes:  # the page's error, where it has one
        at = body.find(b'class="error')
        return body[at : at + 600] if at >= 0 else body[:300]

    return "\n".join(f"{h.method} {h.path} -> {h.status} {said(h.body)!r}" for h in hits[:10])
