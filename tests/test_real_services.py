"""Tests against the real services: PostgreSQL, Redis and a Celery worker process.

They skip on a laptop without the services and fail under REQUIRE_SERVICES=1,
which is how CI (.ci/run) proves the suite on the production engine.
"""

import datetime
import email
import email.policy
import os
import signal
import subprocess
import sys
import time
import uuid
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


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(tmp_path):
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    require_service("Redis (REDIS_URL)", redis_available())

    org = OrganisationFactory(name="Habitat du Test", slug="habitat-du-test")
    people = Builder(org, bulk=True).due_reminders(1000, due=timezone.now())
    # Staff members' daily digests in the same batches: a message for staff goes once too.
    team = [
        MembershipFactory(organisation=org, role="staff", user=UserFactory(email=f"equipe{n}@test.test")).user
        for n in range(20)
    ]
    RemonteeFactory(residence=ResidenceFactory(organisation=org), relais=people[0])  # something waits
    assert digest_schedule(now=timezone.now()) == 20
    total = 1020
    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mails"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "core.mail.PickupDirectoryBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "VAR_DIR": str(tmp_path / "var"),
    }
    sent = Message.objects.filter(state=Message.State.SENT)
    celery_app.conf.task_always_eager = False
    first = _start_worker(queue, env)
    try:
        assert dispatch(queue=queue) == total
        _wait(lambda: sent.count() >= 200, 120, first)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        at_kill = sent.count()
        assert at_kill < total, "the batch finished before the kill: nothing was proven"

        # Beat, after the lease: what the dead worker held is handed out again.
        second = _start_worker(queue, env)
        try:
            assert dispatch(now=timezone.now() + outbox.LEASE + datetime.timedelta(seconds=1), queue=queue) > 0
            _wait(lambda: sent.count() == total, 180, second)
        finally:
            second.terminate()
            second.communicate(timeout=30)
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)

    recipients, digests = [], []
    for path in mail_dir.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["Subject"].strip().startswith("À traiter le "):
            digests.append(message["To"])
            continue
        recipients.append(message["To"])
        assert message["Subject"] == "Demain : Réunion plénière annuelle"
        text, calendar = (part for part in message.walk() if not part.is_multipart())
        assert "Habitat du Test" in text.get_payload(decode=True).decode()
        assert calendar.get_content_type() == "text/calendar"
    assert sorted(recipients) == [r.email for r in people], "each recipient has exactly one message"
    assert sorted(digests) == sorted(u.email for u in team), "each staff member has exactly one digest"
    # Hand-offs to the transport: once per message, except a row the kill caught
    # between sending and committing (at most one per pool process), which the
    # idempotent folder absorbed.
    handoffs = (mail_dir / "deliveries.log").read_text().split()
    again = len(handoffs) - len(set(handoffs))
    assert len(set(handoffs)) == total and again <= 2, again
    print(f"\nkilled after {at_kill} of {total} sent; messages handed to the transport twice: {again}")


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
