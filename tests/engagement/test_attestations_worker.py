"""The attestations of 100 relais made by a real Celery worker of the `bilans`
queue, as in production, the progress read on the row while it runs.

Four chunks are enough to see the progress move; `make bench-attestations` times 300."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from config.celery import app as celery_app
from devtools.management.commands.bench_attestations import build
from engagement import services
from engagement.models import Attestation, AttestationRun
from tests.conftest import require_service
from tests.test_real_services import _database_url, _start_worker, redis_available

COUNT = 100  # four chunks of engagement.services.CHUNK


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_makes_100_attestations_and_the_progress_is_seen(tmp_path, settings):
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    require_service("Redis (REDIS_URL)", redis_available())
    year = timezone.localdate().year - 1
    org, staff = build(year, COUNT)
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
        run = services.attestation_run_request(
            organisation=org, year=year, by=staff, signatory_name="Claire Martin", signatory_role="Médiatrice"
        )
        seen: list[tuple[str, int]] = []
        started = time.monotonic()
        while time.monotonic() - started < 600:
            run.refresh_from_db()
            if not seen or seen[-1] != (run.state, run.done):
                seen.append((run.state, run.done))
            if run.state in (AttestationRun.State.PRET, AttestationRun.State.ECHEC):
                break
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.2)
        assert run.state == AttestationRun.State.PRET, run.error
        assert run.total == run.done == COUNT
        # The progress was visible on the way: several steps between 0 and COUNT.
        steps = [done for state, done in seen if state == AttestationRun.State.EN_COURS]
        assert len(set(steps)) >= 3 and 0 < max(steps) <= COUNT, seen
        assert Attestation.objects.filter(organisation=org, year=year).count() == COUNT
        one = Attestation.objects.filter(organisation=org, year=year).select_related("relais").first()
        with one.file.open("rb") as f:
            page = PdfReader(io.BytesIO(f.read())).pages[0].extract_text()
        assert one.relais.last_name in page and "Claire Martin" in page
        print(f"\n{COUNT} attestations in {run.seconds} s by the worker; progress seen: {seen}")
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        worker.terminate()
        worker.communicate(timeout=30)
