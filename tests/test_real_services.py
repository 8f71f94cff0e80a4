"""Tests against the real services: PostgreSQL, Redis and a Celery worker process.

They skip on a laptop without the services and fail under REQUIRE_SERVICES=1,
which is how CI (.ci/run) proves the suite on the production engine.
"""

import contextlib
import datetime
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from core import outbox
from core.models import Message
from core.outbox import dispatch
from devtools.builder import Builder
from inbox.services import digest_schedule
from tests.conftest import require_service
from tests.factories import MembershipFactory, OrganisationFactory, RemonteeFactory, ResidenceFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


def redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


def test_suite_runs_on_postgresql_when_required(db):
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0]


def test_redis_broker_answers():
    require_service("Redis (REDIS_URL)", redis_available())
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(queue: str, env: dict, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            *(options or ("-c", "2")),
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
            "-n",
            f"{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: SIGKILL reaches the pool too
    )


def _wait(condition, seconds: float, worker) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.05)
    raise AssertionError("timed out")


class SmtpServer:
    """A real SMTP server on loopback (aiosmtpd) that counts what it accepts
    (its « 250 » to DATA) by Message-ID, and kills the worker pool process that
    sent a message right after the « 250 », when asked: the client is then
    waiting for the answer to QUIT, so the kill always falls between the
    server's acceptance and the worker recording it."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import SMTP

        self.accepted: list[str] = []  # Message-IDs, in the order the server took them
        self.kill_after: set[int] = set()  # acceptance numbers after which to kill
        self.killed_after_acceptance = 0
        self.worker: subprocess.Popen | None = None
        server = self

        class Handler:
            async def handle_DATA(self, smtp, session, envelope):
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                server.accepted.append(message["Message-ID"])
                return "250 OK"

        class KillingSMTP(SMTP):
            async def smtp_DATA(self, arg):
                before = len(server.accepted)
                await super().smtp_DATA(arg)  # the 250 is written and drained
                if len(server.accepted) > before and len(server.accepted) in server.kill_after:
                    pid = _pid_of_client(self.session.peer[1], server.worker.pid)
                    if pid:
                        os.kill(pid, signal.SIGKILL)
                        server.killed_after_acceptance += 1

        class KillingController(Controller):
            def factory(self):
                return KillingSMTP(self.handler, **self.SMTP_kwargs)

        with socket.socket() as probe:  # a free port (the controller checks it can connect to it)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = KillingController(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def _pool_processes(main: int) -> list[int]:
    """The pool processes of a Celery worker: its main process's children."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == main:
                children.append(int(entry.name))
    return children


def _pid_of_client(port: int, main: int) -> int | None:
    """Which pool process holds the TCP connection from this local port."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inode = fields[9]
    for pid in _pool_processes(main):
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_pool_processes_killed_around_the_smtp_acceptance_lose_nothing_and_duplicate_nothing_silently(tmp_path):
    """600 reminders through a real SMTP server while pool processes are
    SIGKILLed at random moments and right after the server's « 250 ». Then,
    as staff would, every message recorded « envoi incertain » is resent.
    0 lost: every message was accepted at least once. 0 silent duplicates: a
    message accepted twice is one the outbox recorded as interrupted, and both
    copies carry its Message-ID."""
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    require_service("Redis (REDIS_URL)", redis_available())
    import random
    import threading

    from django.test import override_settings

    count = 600
    org = OrganisationFactory(name="Habitat du Test", slug="habitat-du-test")
    people = Builder(org, bulk=True).due_reminders(count, due=timezone.now())
    # Staff members' daily digests in the same batches: a message for staff is
    # held to the same guarantee.
    for n in range(20):
        MembershipFactory(organisation=org, role="staff", user=UserFactory(email=f"equipe{n}@test.test"))
    RemonteeFactory(residence=ResidenceFactory(organisation=org), relais=people[0])  # something waits
    assert digest_schedule(now=timezone.now()) == 20
    count += 20
    ids = {
        f"<tdu-message-{pk}@{settings.MESSAGE_ID_DOMAIN}>": pk for pk in Message.objects.values_list("pk", flat=True)
    }
    assert len(ids) == count
    queue = f"test-{uuid.uuid4().hex[:8]}"
    rng = random.Random(15)
    rows = Message.objects.filter(organisation=org)

    with SmtpServer() as smtp:
        smtp.kill_after = set(rng.sample(range(20, count - 20), 6))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_USE_TLS": "0",
            "VAR_DIR": str(tmp_path / "var"),
        }
        celery_app.conf.task_always_eager = False
        worker = smtp.worker = _start_worker(queue, env)
        random_kills = []
        done = threading.Event()

        def kill_at_random():
            # Pool processes killed at any moment: rendering, talking to the
            # server, recording the result.
            while not done.wait(rng.uniform(0.4, 1.2)) and len(random_kills) < 6:
                pool = _pool_processes(worker.pid)
                if pool and len(smtp.accepted) > 10:
                    victim = rng.choice(pool)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(victim, signal.SIGKILL)
                        random_kills.append(len(smtp.accepted))

        killer = threading.Thread(target=kill_at_random, daemon=True)
        try:
            assert dispatch(queue=queue) == count
            killer.start()
            deadline = time.monotonic() + 240
            while rows.filter(state=Message.State.PENDING).exists():
                assert time.monotonic() < deadline, "the worker did not finish"
                assert worker.poll() is None, worker.stdout.read()
                time.sleep(0.2)
                if not killer.is_alive() and rows.filter(state=Message.State.PENDING, queued_at__isnull=False).exists():
                    # What a lost task held: handed out again after its lease, as the beat does.
                    dispatch(now=timezone.now() + outbox.LEASE + datetime.timedelta(seconds=1), queue=queue)
        finally:
            done.set()
            killer.join(timeout=5)
            celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
            worker.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.communicate(timeout=30)
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)

        # The beat, once the hand-offs' lease is over: interrupted ones are uncertain.
        outbox.claims_expire(now=timezone.now() + outbox.SEND_LEASE + datetime.timedelta(seconds=1))
        interrupted = set(rows.filter(state=Message.State.UNCERTAIN).values_list("pk", flat=True))
        assert rows.filter(state=Message.State.SENT).count() + len(interrupted) == count, (
            "a message neither sent nor uncertain"
        )
        accepted_before = len(smtp.accepted)
        # Staff resend every « envoi incertain » with one click each (in this process).
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=smtp.port
        ):
            for message in rows.filter(pk__in=interrupted):
                outbox.message_resend(message=message, by=None)
        assert rows.filter(state=Message.State.SENT).count() == count

    acceptances = Counter(smtp.accepted)
    assert set(acceptances) == set(ids), "lost: a message the server never accepted"
    twice = {ids[message_id] for message_id, n in acceptances.items() if n > 1}
    assert max(acceptances.values()) <= 2
    assert twice <= interrupted, (
        f"silent duplicates: {sorted(twice - interrupted)} accepted twice, never recorded uncertain"
    )
    print(
        f"\n{count} messages; pool processes killed {smtp.killed_after_acceptance} times right after the server's 250 "
        f"and {len(random_kills)} times at random; {len(interrupted)} recorded « envoi incertain », resent by staff, "
        f"{len(twice)} of which the server had already accepted (same Message-ID); "
        f"{accepted_before} acceptances before the resends, {len(smtp.accepted)} after; 0 lost, 0 silent duplicates"
    )
    # Something was proven: kills landed between the server's acceptance and the record.
    assert smtp.killed_after_acceptance >= 3 and len(twice) >= 3


@pytest.mark.django_db(transaction=True)
def test_the_bilan_is_made_by_its_own_worker_as_in_production(tmp_path, settings):
    """The queue, concurrency and recycling of `make run` and the compose file: the
    page's request goes through the broker to a worker that writes the PDF."""
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    require_service("Redis (REDIS_URL)", redis_available())
    from bilans import services
    from bilans.models import Bilan
    from tests.factories import MembershipFactory, UserFactory

    org = OrganisationFactory(name="Habitat du Worker", slug="habitat-du-worker")
    staff = MembershipFactory(user=UserFactory(email="staff@worker.test"), organisation=org, role="staff").user
    bilan = services.bilan_open(organisation=org, year=2025)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "VAR_DIR": str(tmp_path / "var"),
    }
    celery_app.conf.task_always_eager = False
    worker = _start_worker("bilans", env, "-c", "1", "--max-tasks-per-child", "1")
    try:
        for round_ in (1, 2):
            services.bilan_request(bilan=bilan, by=staff)
            states = set()

            def ready(states=states):
                bilan.refresh_from_db()
                states.add(bilan.state)
                return bilan.state in (Bilan.State.PRET, Bilan.State.ECHEC)

            _wait(ready, 120, worker)
            assert bilan.state == Bilan.State.PRET, bilan.error
            with bilan.file.open("rb") as f:
                from pypdf import PdfReader

                first_page = PdfReader(f).pages[0].extract_text()
            assert "Bilan 2025" in first_page and "Habitat du Worker" in first_page
            print(f"\nround {round_}: states seen {sorted(states)}, made in {bilan.generation_seconds} s")
        # Regenerating replaced the file: one PDF is kept.
        assert len(list((settings.MEDIA_ROOT / "bilans").glob("*.pdf"))) == 1
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        worker.terminate()
        worker.communicate(timeout=30)
