"""Two web machines and two worker machines on one PostgreSQL and one Redis, as
`docker compose up --scale web=2 --scale worker=2` runs them, on loopback:

- two gunicorn processes (config/gunicorn.py) on two ports, two Celery worker
  nodes with different names on the `celery` queue, one beat (every 2 s), a
  `redis-server` of the test's own and the test's PostgreSQL database;
- a real SMTP server (aiosmtpd) that counts what it accepts by Message-ID;
- relais and staff working on both web processes at once, each request to
  either, while 5,000 J-1 reminders fall due and one worker node is SIGKILLed
  (main process and pool) in the middle of the batch;
- a login by e-mail code asked on one web process and finished on the other.

What it asserts, precisely:
- every request was answered by the page's own answer (no 5xx, no refused
  connection), on both processes;
- every message the outbox recorded « envoyé » was accepted by the SMTP server
  exactly once; no message was accepted twice; none is left pending;
- the messages the killed node held between its claim and its record (it died
  with them in hand) are « envoi incertain » — accepted once or not at all,
  never resent by themselves (BATCH-NOTES: staff decide) — and they are the
  only rows not « envoyé »; the rows it had reserved but not claimed went to
  the other node once their lease was over, and were sent once;
- the login finished on the other process: the session, the code's state and
  the rate limits are shared (database and Redis), nothing lives in a process.

The lease (10 min) is not waited for: once the surviving node has sent all it
could, the test runs the dispatcher once « a lease later » (`dispatch(now=…)`,
a process of its own on the same Redis), as beat would ten minutes on.
"""

from __future__ import annotations

import email
import email.policy
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from core.models import Message, Organisation
from devtools.builder import Builder
from tests import test_load_faults
from tests.test_load_faults import HOST, Browser, PrivateRedis, _database_url, _network, _require_stack, _wait

static_root = test_load_faults.static_root  # the collected static files, a fixture

pytestmark = [pytest.mark.services, pytest.mark.exclusive]

ROOT = Path(__file__).resolve().parent.parent
REMINDERS = 5000
KILL_AT = 0.3  # share of the reminders accepted when the first node is killed
# Deadlines of each step: far above what a quiet 2-core machine needs, since a
# shared one may send ten times slower, and a slow send is not what is tested.
WAIT = 600
MESSAGE_ID = re.compile(r"<tdu-message-(\d+)@")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Smtp:
    """A real SMTP server on loopback that keeps what it accepted (its « 250 »)."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.accepted: list[email.message.EmailMessage] = []
        self.ids: list[int] = []  # the outbox's ids, read from the Message-IDs as they come
        self.lock = threading.Lock()
        server = self

        class Handler:
            async def handle_DATA(self, smtp, session, envelope):
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                found = MESSAGE_ID.search(message["Message-ID"] or "")
                with server.lock:
                    server.accepted.append(message)
                    if found:
                        server.ids.append(int(found.group(1)))
                return "250 OK"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname=HOST, port=self.port)

    def message_ids(self) -> list[int]:
        with self.lock:
            return list(self.ids)

    def login_code(self, address: str) -> str | None:
        with self.lock:
            mails = [m for m in self.accepted if m["To"] == address and "Code de connexion" in m["Subject"]]
        if not mails:
            return None
        body = mails[-1].get_body(("plain",)).get_content()
        return re.search(r"^\s*([A-Z0-9]{4,}(?:-[A-Z0-9]+)*)\s*$", body, re.M).group(1)


@dataclass
class Machines:
    env: dict
    log: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)

    def start(self, name: str, argv: list[str]) -> None:
        out = self.log.open("a")
        self.processes[name] = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self, *names: str) -> None:
        for name in names or self.processes:
            assert self.processes[name].poll() is None, f"{name} stopped:\n{self.log.read_text()[-3000:]}"

    def up(self, port: int) -> bool:
        self.alive()
        try:
            return Browser(port).get("/plancher/").status == 302
        except OSError:
            return False

    def kill(self, name: str) -> None:
        """A machine gone at once: SIGKILL to its whole process group (main and pool)."""
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    def stop(self) -> None:
        """As `docker compose stop`: SIGTERM to each main process (a worker
        finishes the message in its hands), then SIGKILL to what is left."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _machines(tmp_path: Path, static_root: Path, redis: PrivateRedis, smtp: Smtp) -> Machines:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions opened by the test client
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis.url,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(static_root),
        "VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "media"),  # shared by both web processes, as the compose volume is
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "DISPATCH_EVERY_SECONDS": "2",
        "WEB_CONCURRENCY": "1",  # two machines of one worker each: the machine has two cores
        "LOG_FORMAT": "plain",
        "LOG_LEVEL": "WARNING",
    }
    (tmp_path / "var").mkdir(exist_ok=True)
    return Machines(env=env, log=tmp_path / "machines.log")


@dataclass
class Hit:
    port: int
    method: str
    path: str
    status: int  # 0: no answer


@dataclass
class Load:
    """Relais and staff, each request to either web process."""

    ports: list[int]
    relais: list[tuple[str, dict]]
    staff: list[tuple[str, list[int]]]
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def call(self, session: str, rng: random.Random, method: str, path: str, form: dict | None = None) -> None:
        port = rng.choice(self.ports)
        try:
            status = Browser(port, session).request(method, path, form).status
        except OSError:
            status = 0
        with self.lock:
            self.hits.append(Hit(port, method, path, status))

    def relais_person(self, session: str, needs: dict, rng: random.Random) -> None:
        while not self.stop.is_set():
            if rng.random() < 0.2:
                form = {
                    "residence": needs["residence"],
                    "theme": rng.choice(needs["themes"]),
                    "description": "La porte du local vélos ne ferme plus.",
                    "client_key": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                }
                self.call(session, rng, "POST", "/remontees/signaler/", form)
            else:
                self.call(session, rng, "GET", rng.choice(["/espace/", "/remontees/mes-remontees/"]))
            time.sleep(rng.uniform(0.5, 1.5))

    def staff_person(self, session: str, rng: random.Random) -> None:
        pages = ["/tableau-de-bord/", "/a-traiter/", "/remontees/", "/relais/", "/initiatives/"]
        while not self.stop.is_set():
            self.call(session, rng, "GET", rng.choice(pages))
            time.sleep(rng.uniform(0.5, 1.5))

    def start(self) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self.relais_person, args=(s, n, random.Random(i)), daemon=True)
            for i, (s, n) in enumerate(self.relais)
        ] + [
            threading.Thread(target=self.staff_person, args=(s, random.Random(100 + i)), daemon=True)
            for i, (s, _) in enumerate(self.staff)
        ]
        for thread in threads:
            thread.start()
        return threads

    def unexpected(self) -> list[Hit]:
        return [h for h in self.hits if h.status != (302 if h.method == "POST" else 200)]


def due():
    return Message.objects.filter(state=Message.State.PENDING, next_attempt_at__lte=timezone.now())


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_web_and_two_worker_machines_one_killed_mid_batch(tmp_path, static_root):
    _require_stack()
    started = time.monotonic()
    network = _network(relais=6, staff=4)
    org = Organisation.objects.get(slug="habitat-de-la-charge")
    Builder(org, bulk=True).due_reminders(REMINDERS, due=timezone.now())
    reminders = Message.objects.filter(kind="rappel-j1")
    assert reminders.count() == REMINDERS
    built = time.monotonic() - started

    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    smtp = Smtp()
    smtp.controller.start()
    machines = _machines(tmp_path, static_root, redis, smtp)
    load = None
    try:
        for n in (1, 2):
            port = _free_port()
            machines.ports.append(port)
            machines.start(
                f"web{n}",
                [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "config.wsgi",
                 "--bind", f"{HOST}:{port}"],
            )  # fmt: skip
            machines.start(
                f"worker{n}",
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "celery", "-c", "2",
                 "--without-mingle", "--without-gossip", "--loglevel=WARNING", "-n", f"machine{n}@%h"],
            )  # fmt: skip
        for port in machines.ports:
            _wait(lambda port=port: machines.up(port), 60, f"gunicorn on {port}")

        load = Load(machines.ports, network.relais, network.staff)
        threads = load.start()

        # A login by e-mail code, asked on one machine and finished on the other.
        web1, web2 = machines.ports
        person = Browser(web1)
        assert person.get("/comptes/login/code/").status == 200
        asked = person.post("/comptes/login/code/", {"email": network.login})
        assert asked.status == 302 and "/comptes/login/code/confirm/" in asked.headers["location"], asked.status
        _wait(lambda: smtp.login_code(network.login) is not None, 60, "the login code's e-mail (sent by a worker)")
        person.port = web2
        confirmed = person.post("/comptes/login/code/confirm/", {"code": smtp.login_code(network.login)})
        assert confirmed.status == 302, (confirmed.status, confirmed.body[:500])
        assert person.get("/tableau-de-bord/").status == 200
        person.port = web1
        assert person.get("/tableau-de-bord/").status == 200

        # Beat wakes the dispatcher every 2 s: the 5,000 reminders are due.
        machines.start(
            "beat",
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=WARNING",
             "--schedule", str(tmp_path / "var" / "beat-schedule")],
        )  # fmt: skip

        reminder_ids = set(reminders.values_list("pk", flat=True))

        def sent_reminders() -> int:
            time.sleep(0.5)  # the SMTP server and the load share this process
            return len(reminder_ids.intersection(smtp.message_ids()))

        _wait(lambda: sent_reminders() >= REMINDERS * KILL_AT, WAIT, "a third of the reminders")
        machines.alive("worker1")
        machines.kill("worker1")
        killed_at = sent_reminders()
        print(f"\ndata {built:.0f} s; killed at {time.monotonic() - started:.0f} s after {killed_at} reminders")

        # The other node sends what it is given; what the killed one held stays
        # « en cours d'envoi » (claimed) or handed out (reserved, not claimed).

        def settled() -> bool:
            machines.alive("worker2", "beat")
            before = sent_reminders()
            if due().filter(kind="rappel-j1", queued_at__isnull=True).exists():
                return False
            time.sleep(3)
            return sent_reminders() == before

        _wait(settled, WAIT, "the surviving node to send what it was given")
        print(f"settled at {time.monotonic() - started:.0f} s after {sent_reminders()} reminders")
        load.stop.set()
        for thread in threads:
            thread.join(timeout=30)
        # Claimed by the killed node: still « en cours d'envoi », or already
        # « envoi incertain » if the send lease (5 min) ran out meanwhile.
        stuck_claimed = set(
            Message.objects.filter(state__in=(Message.State.SENDING, Message.State.UNCERTAIN)).values_list(
                "pk", flat=True
            )
        )
        stuck_reserved = set(
            Message.objects.filter(state=Message.State.PENDING, queued_at__isnull=False).values_list("pk", flat=True)
        )
        assert stuck_claimed or stuck_reserved, "the killed node held nothing: the kill proved nothing"

        # Ten minutes later, as beat would: the claims are « envoi incertain », the
        # reserved rows are handed out again (a process of its own, on the same Redis).
        later = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c",
             "import datetime; from django.utils import timezone; from core import outbox; "
             "print(outbox.dispatch(now=timezone.now() + outbox.LEASE + datetime.timedelta(seconds=1)))"],
            cwd=ROOT, env=machines.env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert later.returncode == 0, later.stderr[-3000:]
        sending = Message.objects.filter(state=Message.State.SENDING)
        _wait(
            lambda: machines.alive("worker2") is None and not due().exists() and not sending.exists(),
            WAIT,
            "the reserved rows to be sent",
        )
    finally:
        if load is not None:
            load.stop.set()
        machines.stop()
        smtp.controller.stop()
        redis.stop()

    # Every request answered, by both machines.
    assert not load.unexpected(), [(h.port, h.method, h.path, h.status) for h in load.unexpected()[:10]]
    per_port = Counter(h.port for h in load.hits)
    assert all(per_port[port] > 50 for port in machines.ports), per_port

    # Every message: sent and accepted exactly once, or « envoi incertain » and
    # accepted at most once; never twice, none lost silently, none left pending.
    accepted = Counter(smtp.message_ids())
    assert max(accepted.values()) == 1, [pk for pk, n in accepted.items() if n > 1]
    states = dict(Message.objects.values_list("pk", "state"))
    sent = {pk for pk, state in states.items() if state == Message.State.SENT}
    uncertain = {pk for pk, state in states.items() if state == Message.State.UNCERTAIN}
    unknown = set(accepted) - sent - uncertain
    assert not unknown, f"accepted by the server, not sent nor uncertain: {[(pk, states[pk]) for pk in unknown]}"
    assert sent <= set(accepted), f"recorded sent, never accepted: {sorted(sent - set(accepted))[:10]}"
    assert uncertain == stuck_claimed, "« envoi incertain » is exactly what the killed node held, claimed"
    assert not due().exists(), "a message due and still pending"
    assert reminders.filter(state__in=(Message.State.SENT, Message.State.UNCERTAIN)).count() == REMINDERS
    print(
        f"\ndata {built:.0f} s; {len(load.hits)} requests ({dict(per_port)} per web process), all answered; "
        f"worker1 killed after {killed_at} reminders accepted; it held {len(stuck_claimed)} claimed "
        f"(now « envoi incertain », {len(stuck_claimed & set(accepted))} of them accepted before the kill) and "
        f"{len(stuck_reserved)} reserved (sent by worker2 after the lease); {len(sent)} messages sent, "
        f"each accepted once; login by code asked on :{web1}, finished on :{web2}; "
        f"{time.monotonic() - started:.0f} s in all"
    )
