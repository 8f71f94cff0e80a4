"""Tests against the real services: PostgreSQL, Redis and a Celery worker process.

They skip on a laptop without the services and fail under REQUIRE_SERVICES=1,
which is how CI (.ci/run) proves the suite on the production engine.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from relais.models import Invitation, Membership
from relais.tasks import send_invitation
from tests.conftest import require_service
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

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


def _sent_messages(mail_dir: Path) -> list[str]:
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        text = path.read_text(errors="replace")
        messages += [chunk for chunk in text.split("-" * 79) if "Subject:" in chunk]
    return messages


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_each_invitation_once(tmp_path):
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    require_service("Redis (REDIS_URL)", redis_available())

    org = OrganisationFactory(name="Habitat du Test", slug="habitat-du-test")
    invitations = [
        Invitation.objects.create(
            membership=MembershipFactory(
                user=UserFactory(email=f"invite{i}@example.test"),
                organisation=org,
                role=Membership.Role.RELAIS,
            )
        )
        for i in range(2)
    ]
    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mails"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": "worker-test",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "VAR_DIR": str(tmp_path / "var"),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "-c",
            "1",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.task_always_eager = False
    try:
        # The same invitation twice (a retried or duplicated delivery), then another.
        first = invitations[0].pk
        send_invitation.apply_async(args=[first], queue=queue)
        send_invitation.apply_async(args=[first], queue=queue)
        send_invitation.apply_async(args=[invitations[1].pk], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Invitation.objects.filter(sent_at__isnull=False).count() == 2:
                break
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.3)
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        worker.terminate()
        output, _ = worker.communicate(timeout=30)

    for invitation in invitations:
        invitation.refresh_from_db()
        assert invitation.sent_at is not None, output
        assert invitation.attempts == 1
    messages = _sent_messages(mail_dir)
    recipients = sorted(line.split(": ", 1)[1] for m in messages for line in m.splitlines() if line.startswith("To: "))
    assert recipients == ["invite0@example.test", "invite1@example.test"], output
    assert all("Habitat du Test" in m for m in messages)
