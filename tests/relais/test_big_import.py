"""Large CSV imports: a worker checks the file (nothing written), staff read the
report and confirm, a worker writes every row in one transaction; small files
are imported in the request as before. The same checks as the small import
(csv_import.check_*), read row by row from the stored file."""

import os
import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from relais import csv_import
from relais.models import ImportJob, Quartier, Relais, Residence
from relais.services import relais_change_status
from tests.conftest import require_service
from tests.helpers import text

pytestmark = pytest.mark.django_db

HEADER = "Référence;Nom;Adresse;Code postal;Commune;Nb logements;Quartier\r\n"


def residences_csv(count: int, *, start: int = 0, encoding: str = "utf-8") -> bytes:
    rows = "".join(
        f"GR-{n:05d};Résidence des Érables {n};{n} rue des Écoles;69100;Villeurbanne;{40 + n % 200};"
        f"Quartier {n % 7}\r\n"
        for n in range(start, start + count)
    )
    return (HEADER + rows).encode(encoding)


def upload(client: Client, kind: str, content: bytes, name: str = "fichier.csv"):
    return client.post(f"/import/{kind}/", {"file": SimpleUploadedFile(name, content, "text/csv")})


@pytest.fixture
def large(settings):
    settings.IMPORT_TASK_BYTES = 2000  # a few dozen rows are « large » here
    return settings


def staff_client(world) -> Client:
    client = Client()
    client.force_login(world.staff_a)
    return client


def test_a_small_file_is_still_imported_in_the_request(world, large):
    client = staff_client(world)
    response = upload(client, "residences", residences_csv(3))
    assert response.status_code == 200 and "Vérifiez avant d'importer" in text(response)
    assert not ImportJob.objects.exists()


def test_a_large_file_is_checked_by_a_worker_then_written_after_confirmation(
    world, large, django_capture_on_commit_callbacks
):
    client = staff_client(world)
    before = Residence.objects.count(), Quartier.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "residences", residences_csv(120, encoding="cp1252"), "parc 2026.csv")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/import/{job.pk}/"
    assert (job.state, job.rows, job.organisation, job.created_by) == ("a_confirmer", 120, world.org_a, world.staff_a)
    # The report before anything is written.
    assert (Residence.objects.count(), Quartier.objects.count()) == before
    page = text(client.get(response["Location"]))
    assert "Vérifiez avant d'importer" in page and "120 résidences à créer" in page
    assert "Résidence des Érables 0" in page and "Résidence des Érables 49" in page
    assert "Résidence des Érables 50" not in page, "a page's worth of rows, not the whole file"
    assert "parc 2026.csv" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/import/{job.pk}/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.created, job.updated) == ("termine", 120, 0)
    assert Residence.objects.filter(organisation=world.org_a, reference__startswith="GR-").count() == 120
    assert Residence.objects.get(reference="GR-00007").name == "Résidence des Érables 7"
    state = text(client.get(f"/import/{job.pk}/etat/"))
    assert "Import terminé" in state and "120 résidences créées" in state
    # Confirmed once: a second confirmation is refused, nothing written twice.
    response = client.post(f"/import/{job.pk}/", follow=True)
    assert "Cet import n'attend pas de confirmation." in text(response)


def test_errors_in_a_large_file_are_reported_by_line_and_nothing_is_written(
    world, large, django_capture_on_commit_callbacks
):
    client = staff_client(world)
    content = residences_csv(60) + "GR-00010;Doublon;;;;12;\r\n;Sans référence;;;;quarante;\r\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "residences", content)
    job = ImportJob.objects.get()
    assert job.state == "erreurs" and job.report["error_count"] == 3
    page = text(client.get(f"/import/{job.pk}/"))
    assert "3 erreurs : rien n'a été importé" in page
    assert "Référence déjà présente ligne 12." in page and "« quarante » n'est pas un nombre entier positif." in page
    assert "Confirmer l'import" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/import/{job.pk}/")
    assert not Residence.objects.filter(reference__startswith="GR-").exists()


def test_a_row_refused_at_writing_time_undoes_the_whole_import(world, large, django_capture_on_commit_callbacks):
    """Checked, then the data changed before the confirmation: the same checks
    run again as each row is written, and one refusal keeps nothing."""
    rows = "".join(
        f"Prénom{n};Nom{n};p{n}@example.org;;e-mail;actif;01/03/2024;{world.residence_a1.reference}\n"
        for n in range(40)
    )
    content = (
        "Prénom;Nom;E-mail;Téléphone;Canal;Statut;Date d'entrée;Résidence\n"
        + rows
        + f"{world.relais_a.first_name};{world.relais_a.last_name};{world.relais_a.email};;e-mail;pause;;"
        f"{world.residence_a1.reference}\n"
    ).encode()
    client = staff_client(world)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "relais", content)
    job = ImportJob.objects.get()
    assert job.state == "a_confirmer", job.report
    assert job.report["to_create"] == 40 and job.report["to_update"] == 1
    relais_change_status(
        relais=world.relais_a, to_status="sorti", date=world.relais_a.status_since, exit_reason="demenagement",
        note="", by=world.staff_a,
    )  # fmt: skip
    before = Relais.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/import/{job.pk}/")
    job.refresh_from_db()
    assert job.state == "echec" and "passage à « En pause » impossible" in job.error, job.error
    assert Relais.objects.count() == before
    page = text(client.get(f"/import/{job.pk}/"))
    assert "Échec : rien n'a été importé" in page and "ligne 42" in page


def test_a_job_is_its_organisations_own(world, large, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client(world), "residences", residences_csv(40))
    job = ImportJob.objects.get()
    other = Client()
    other.force_login(world.staff_b)
    assert other.get(f"/import/{job.pk}/").status_code == 404
    assert other.post(f"/import/{job.pk}/").status_code == 404
    partner = Client()
    partner.force_login(world.partner_a)
    assert partner.get(f"/import/{job.pk}/").status_code == 403
    job.refresh_from_db()
    assert job.state == "a_confirmer"


def test_an_imports_file_goes_a_month_after_it_was_dropped(world, large, django_capture_on_commit_callbacks):
    import datetime

    from django.utils import timezone

    from privacy.tasks import apply_retention

    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client(world), "residences", residences_csv(40))
        upload(staff_client(world), "residences", residences_csv(40))
    old, recent = ImportJob.objects.order_by("pk")
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    assert old.file.storage.exists(old.file.name)
    assert apply_retention.delay().get()["imports"] == 1
    assert list(ImportJob.objects.all()) == [recent]
    assert not old.file.storage.exists(old.file.name) and recent.file.storage.exists(recent.file.name)


def test_the_stored_file_is_read_in_chunks_whatever_its_encoding(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(residences_csv(5000, encoding="cp1252"))
    assert csv_import.file_encoding(lambda: path.open("rb")) == "cp1252"
    path.write_bytes(b"\xef\xbb\xbf" + residences_csv(5000))
    with csv_import.stream_rows(lambda: path.open("rb")) as (headers, rows):
        assert headers[0] == "Référence"
        first = next(rows)
        assert first[0] == 2 and first[1][1] == "Résidence des Érables 0"
        assert sum(1 for _ in rows) == 4999


@pytest.mark.django_db(transaction=True)
def test_a_large_import_goes_through_a_real_worker(world, tmp_path, settings):
    """On PostgreSQL and Redis, the page's upload goes through the broker to a
    worker that checks, then (after confirmation) writes."""
    from config.celery import app as celery_app
    from tests.test_real_services import _database_url, _start_worker, _wait, redis_available

    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    require_service("Redis (REDIS_URL)", redis_available())
    settings.IMPORT_TASK_BYTES = 2000
    queue = f"test-{uuid.uuid4().hex[:8]}"
    routes = celery_app.conf.task_routes
    celery_app.conf.task_routes = {**(routes or {}), "relais.csv_import.*": {"queue": queue}}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "VAR_DIR": str(tmp_path / "var"),
    }
    celery_app.conf.task_always_eager = False
    worker = _start_worker(queue, env, "-c", "1")
    try:
        client = staff_client(world)
        response = upload(client, "residences", residences_csv(300))
        job = ImportJob.objects.get()
        assert response["Location"] == f"/import/{job.pk}/"

        def reaches(state):
            job.refresh_from_db()
            return job.state == state

        _wait(lambda: reaches("a_confirmer"), 120, worker)
        assert not Residence.objects.filter(reference__startswith="GR-").exists()
        started = time.monotonic()
        client.post(f"/import/{job.pk}/")
        _wait(lambda: reaches("termine"), 120, worker)
        assert Residence.objects.filter(reference__startswith="GR-").count() == 300
        print(f"\n300 residences written by the worker in {time.monotonic() - started:.1f} s")
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        celery_app.conf.task_routes = routes
        worker.terminate()
        worker.communicate(timeout=30)
