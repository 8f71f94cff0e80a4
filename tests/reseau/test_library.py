"""The library: documents with an audience, their versions, uploads judged by
their content (nothing executable, nothing too big, nothing written when refused)."""

import datetime
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from reseau import services
from reseau.models import Document, DocumentVersion
from tests.helpers import jpeg, plan_reunion, text

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _docx(*, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00macro")
    return buffer.getvalue()


def _files() -> set[str]:
    found = set()

    def walk(path):
        try:
            dirs, files = default_storage.listdir(path)
        except FileNotFoundError:
            return
        found.update(f"{path}/{f}" for f in files)
        for d in dirs:
            walk(f"{path}/{d}")

    walk("bibliotheque")
    return found


def _add(client, name, content, **extra):
    data = {"title": "Kit de sensibilisation", "kind": "kit", "audience": "relais", **extra}
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content)
    return client.post("/bibliotheque/ajouter/", data)


def test_a_document_and_its_versions_the_old_ones_kept(world, login):
    client = login(world.staff_a)
    response = _add(client, "kit.pdf", PDF)
    assert response.status_code == 302, text(response)
    document = Document.objects.get()
    response = client.post(
        f"/bibliotheque/{document.pk}/version/",
        {"file": SimpleUploadedFile("kit-2.docx", _docx()), "note": "Affiches refaites"},
    )
    assert response.status_code == 302, text(response)
    v1, v2 = document.versions.order_by("number")
    assert (v1.number, v1.content_type, v2.number, v2.filename) == (1, "application/pdf", 2, "kit-2.docx")
    page = text(client.get(f"/bibliotheque/{document.pk}/"))
    assert "Télécharger le document" in page and "kit-2.docx" in page and "Version 1" in page
    # Both files are still there, each served as what it is.
    old = client.get(f"/bibliotheque/version/{v1.pk}/")
    assert old.status_code == 200 and b"".join(old.streaming_content) == PDF
    assert client.get(f"/bibliotheque/version/{v2.pk}/")["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )


def test_a_video_is_a_link(world, login):
    client = login(world.staff_a)
    response = _add(client, "", None, link="https://video.example/kit", kind="video")
    assert response.status_code == 302
    version = DocumentVersion.objects.get()
    assert login(world.relais_user_a).get(f"/bibliotheque/version/{version.pk}/")["Location"] == (
        "https://video.example/kit"
    )


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("guide.pdf", b"MZ\x90\x00" + b"\x00" * 200, "n'est pas accepté"),  # a Windows executable renamed
        ("guide.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "n'est pas accepté"),
        ("guide.docx", _docx(macros=True), "n'est pas accepté"),
        ("guide.docx", b"PK\x03\x04 not really a zip", "n'est pas accepté"),
        ("guide.txt", b"#!/bin/sh\nrm -rf /\n", "n'est pas accepté"),
        ("vide.pdf", b"", "vide"),
    ],
)
def test_a_hostile_upload_is_refused_in_french_and_nothing_is_written(world, login, name, content, message):
    before = _files()
    response = _add(login(world.staff_a), name, content)
    assert response.status_code == 400
    assert message in text(response)
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    assert _files() == before


@override_settings(DOCUMENT_MAX_BYTES=1000)
def test_an_oversize_file_is_refused_and_nothing_is_written(world, login):
    before = _files()
    response = _add(login(world.staff_a), "gros.pdf", PDF + b"0" * 2000)
    assert response.status_code == 400
    assert "la limite est de" in text(response)
    assert not Document.objects.exists() and _files() == before


def test_an_image_is_kept_as_a_clean_jpeg(world, login):
    response = _add(login(world.staff_a), "affiche.png", jpeg(gps=True))
    assert response.status_code == 302
    assert DocumentVersion.objects.get().content_type == "image/jpeg"


def _doc(organisation, audience, title, by=None):
    return services.document_create(
        organisation=organisation, by=by, title=title, kind="guide", audience=audience, link="https://ex.test/d"
    )


def test_each_reads_what_its_audience_allows(world, net, login):
    network_kit = _doc(net.network, "relais", "Kit du réseau")
    network_note = _doc(net.network, "organisation", "Note de coordination")
    c_shared = _doc(net.org_c, "reseau", "Charte de C")
    c_relais = _doc(net.org_c, "relais", "Guide des relais de C")
    a_team = _doc(world.org_a, "organisation", "Note de A")
    # A relais of A, on the phone: the network's kit; not C's, not the teams' notes.
    relais = text(login(world.relais_user_a).get("/bibliotheque/"))
    assert "Kit du réseau" in relais
    for title in ("Charte de C", "Guide des relais de C", "Note de coordination", "Note de A"):
        assert title not in relais
    # A's staff: their own, the network's shared ones and what C shared.
    staff = text(login(world.staff_a).get("/bibliotheque/"))
    for title in ("Kit du réseau", "Charte de C", "Note de A", "Guide des relais de C"):
        assert title in staff, title
    assert "Note de coordination" not in staff
    # The coordinator: the network's own and what members shared, never A's team note.
    coordinator = text(login(net.coordinator).get("/bibliotheque/"))
    assert "Note de coordination" in coordinator and "Charte de C" in coordinator and "Note de A" not in coordinator
    # B sees nothing of it; nobody changes another's document.
    assert "Kit du réseau" not in text(login(world.staff_b).get("/bibliotheque/"))
    assert login(world.staff_b).get(f"/bibliotheque/{network_kit.pk}/").status_code == 404
    response = login(world.staff_a).post(f"/bibliotheque/{c_shared.pk}/version/", {"link": "https://x.test"})
    assert response.status_code == 404 and c_shared.versions.count() == 1
    assert login(world.relais_user_a).get(f"/bibliotheque/{c_relais.pk}/").status_code == 404
    assert login(world.relais_user_a).get(f"/bibliotheque/{network_note.pk}/").status_code == 404
    assert login(world.staff_a).get(f"/bibliotheque/{a_team.pk}/").status_code == 200


def test_a_document_is_attached_to_a_meeting(world, login):
    reunion = plan_reunion(world, timezone.now() + datetime.timedelta(days=3), title="Plénière", address="Mairie")
    client = login(world.staff_a)
    response = client.post(
        "/bibliotheque/ajouter/",
        {"title": "Ordre du jour", "kind": "autre", "audience": "relais", "link": "https://ex.test/odj",
         "reunions": [reunion.pk]},
    )  # fmt: skip
    assert response.status_code == 302
    assert list(Document.objects.get().reunions.all()) == [reunion]
    assert "Plénière" in text(client.get(response["Location"]))
