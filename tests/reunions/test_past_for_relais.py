"""« Mes réunions » keeps the meetings held: their published compte-rendu, its
decisions and actions, on the page and as a PDF; a relais reads only the
meetings they were invited to."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from reunions import services
from reunions.models import Reunion
from tests.factories import InviteeFactory
from tests.helpers import plan_reunion, same_queries_for_few_and_many, text

pytestmark = pytest.mark.django_db


def held(world, days_ago=10, title="Encombrants", invite=None, publish=True):
    start = timezone.localtime(timezone.now() - datetime.timedelta(days=days_ago)).replace(hour=18, minute=0)
    reunion = plan_reunion(world, start, title=title, address="Maison de quartier")
    InviteeFactory(reunion=reunion, relais=invite or world.relais_a)
    services.minutes_save(
        reunion=reunion,
        agenda="Le local vélos",
        minutes="Nous avons parlé des encombrants du bâtiment C.",
        decisions="Un passage de la benne chaque mois",
    )
    services.action_add(
        reunion=reunion,
        by=None,
        title="Afficher le calendrier de la benne",
        owner=world.relais_a,
        due_on=timezone.localdate() + datetime.timedelta(days=20),
    )
    if publish:
        services.minutes_publish(reunion=reunion, by=None)
    return reunion


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_relais_reads_the_minutes_of_a_past_meeting_and_its_pdf(world, login):
    reunion = held(world)
    client = login(world.relais_user_a)
    listing = text(client.get("/reunions/mes-reunions/"))
    assert "Réunions passées" in listing and "Encombrants" in listing
    assert "Lire le compte-rendu, les décisions et les actions" in listing
    page = text(client.get(f"/reunions/mes-reunions/{reunion.pk}/"))
    assert "Nous avons parlé des encombrants du bâtiment C." in page
    assert "Un passage de la benne chaque mois" in page and "Afficher le calendrier de la benne" in page
    response = client.get(f"/reunions/{reunion.pk}/compte-rendu.pdf")
    assert response["Content-Type"] == "application/pdf"
    content = pdf_text(response.content)
    assert "Compte-rendu : Encombrants" in content
    assert "Un passage de la benne chaque mois" in content and "Afficher le calendrier de la benne" in content


def test_minutes_not_published_are_announced_not_shown(world, login):
    reunion = held(world, publish=False)
    client = login(world.relais_user_a)
    assert "Compte-rendu pas encore publié" in text(client.get("/reunions/mes-reunions/"))
    page = text(client.get(f"/reunions/mes-reunions/{reunion.pk}/"))
    assert "pas encore publié" in page and "benne" not in page
    assert client.get(f"/reunions/{reunion.pk}/compte-rendu.pdf").status_code == 404
    # Staff print the draft.
    draft = login(world.staff_a).get(f"/reunions/{reunion.pk}/compte-rendu.pdf")
    assert "Projet, non publié" in pdf_text(draft.content)


def test_a_relais_never_reads_a_meeting_they_were_not_invited_to(world, login):
    theirs = held(world, title="Réunion des autres", invite=world.relais_a2)
    client = login(world.relais_user_a)
    assert "Réunion des autres" not in text(client.get("/reunions/mes-reunions/"))
    assert client.get(f"/reunions/mes-reunions/{theirs.pk}/").status_code == 404
    assert client.get(f"/reunions/{theirs.pk}/compte-rendu.pdf").status_code == 404


def test_cancelled_meetings_are_not_kept(world, login):
    reunion = held(world, days_ago=3, publish=False, title="Annulée")
    Reunion.objects.filter(pk=reunion.pk).update(status=Reunion.Status.ANNULEE)
    page = text(login(world.relais_user_a).get("/reunions/mes-reunions/"))
    assert "Réunions passées" in page and "Pas encore de réunion passée." in page


def test_my_reunions_reads_past_meetings_in_constant_queries(world, login):
    client = login(world.relais_user_a)

    def grow(first, last):
        for i in range(first, last):
            held(world, days_ago=i + 2, title=f"Réunion passée {i}", publish=i % 2 == 0)

    response = same_queries_for_few_and_many(client, "/reunions/mes-reunions/", grow, 5, 25)
    assert "Réunion passée 24" in text(response)
