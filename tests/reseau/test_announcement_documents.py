"""Library documents attached to an announcement: staff attach them when they
add the document; the relais reading the announcement on the phone find those
meant for relais, never the team's own."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from espace import services as espace_services
from reseau.models import Document
from tests.espace.test_announcements import PDF, draft
from tests.helpers import text

pytestmark = pytest.mark.django_db

PHONE = {"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile"}


def _add(client, title: str, audience: str, announcement) -> None:
    response = client.post(
        "/bibliotheque/ajouter/",
        {
            "title": title,
            "kind": "guide",
            "audience": audience,
            "file": SimpleUploadedFile(f"{audience}.pdf", PDF, content_type="application/pdf"),
            "annonces": [str(announcement.pk)],
        },
    )
    assert response.status_code == 302, text(response)[:800]


def test_a_relais_reads_the_documents_meant_for_relais_attached_to_an_announcement(world, login):
    announcement = draft(world, title="Fête des voisins")
    espace_services.announcement_send(announcement=announcement, by=world.staff_a)
    staff = login(world.staff_a)
    assert "Joindre aux annonces" in text(staff.get("/bibliotheque/ajouter/"))
    _add(staff, "Guide de la fête des voisins", "relais", announcement)
    _add(staff, "Budget interne de la fête", "organisation", announcement)
    assert Document.objects.filter(annonces=announcement).count() == 2

    relais = login(world.relais_user_a)
    page = text(relais.get(f"/espace/annonces/{announcement.pk}/", **PHONE))
    assert "Guide de la fête des voisins" in page and "bibliothèque, version 1" in page
    assert "Budget interne" not in page
    guide = Document.objects.get(title="Guide de la fête des voisins")
    response = relais.get(f"/bibliotheque/version/{guide.versions.get().pk}/", **PHONE)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    # The team sees both on the announcement's page.
    assert "Budget interne de la fête" in text(staff.get(f"/espace/annonces/{announcement.pk}/"))


def test_an_announcement_of_another_organisation_cannot_be_chosen(world, login):
    theirs = draft(world, title="Annonce de A")
    espace_services.announcement_draft(
        organisation=world.org_b, by=world.staff_b, title="Annonce de B", body="B", audience="tous", attachments=[]
    )
    response = login(world.staff_b).post(
        "/bibliotheque/ajouter/",
        {
            "title": "Guide de B",
            "kind": "guide",
            "audience": "relais",
            "file": SimpleUploadedFile("b.pdf", PDF, content_type="application/pdf"),
            "annonces": [str(theirs.pk)],
        },
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in text(response)
    assert not Document.objects.filter(title="Guide de B").exists()
