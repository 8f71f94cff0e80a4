import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Message
from relais.models import Relais
from reunions import services
from reunions.models import Invitee, Reunion
from tests.factories import InviteeFactory
from tests.helpers import plan_reunion, text

pytestmark = pytest.mark.django_db


def future(days=15):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_staff_plans_a_series_of_four_thematic_meetings(world, login):
    client = login(world.staff_a)
    response = client.post(
        "/reunions/nouvelle/",
        {
            "kind": "thematique",
            "title": "Réunion thématique",
            "themes": "encombrants, chauffage",
            "date": future().isoformat(),
            "start": "18:00",
            "end": "20:00",
            "address": "Maison de quartier",
            "repeat": 4,
            "every_weeks": 13,
        },
    )
    assert response.status_code == 302
    meetings = list(Reunion.objects.filter(organisation=world.org_a).order_by("starts_at"))
    assert [m.title for m in meetings] == [f"Réunion thématique ({n}/4)" for n in range(1, 5)]
    assert meetings[1].starts_at - meetings[0].starts_at == datetime.timedelta(weeks=13)
    assert timezone.localtime(meetings[0].starts_at).hour == 18
    assert "4 réunions sont planifiées." in text(client.get(response["Location"]))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"end": "17:00"}, "La fin de la réunion doit suivre son début."),
        ({"address": ""}, "Indiquez un lieu"),
        ({"date": "31/02/2026"}, "Saisissez une date valide."),
        ({"repeat": 0}, "supérieure ou égale à 1"),
    ],
)
def test_bad_meeting_input_gets_a_french_message_and_writes_nothing(world, login, change, message):
    data = {
        "kind": "pleniere",
        "title": "Plénière",
        "date": future().isoformat(),
        "start": "18:00",
        "end": "20:00",
        "address": "Mairie",
        "repeat": 1,
        "every_weeks": 13,
        **change,
    }
    response = login(world.staff_a).post("/reunions/nouvelle/", data)
    assert response.status_code == 200 and message in text(response)
    assert not Reunion.objects.exists()


def plan(world, days=15):
    start = timezone.make_aware(datetime.datetime.combine(future(days), datetime.time(18, 0)))
    return plan_reunion(world, start, kind="pleniere", title="Plénière", address="Mairie")


def test_invite_by_quartier_shows_the_list_before_sending(world, login, django_capture_on_commit_callbacks):
    reunion = plan(world)
    client = login(world.staff_a)
    preview = client.post(f"/reunions/{reunion.pk}/inviter/", {"quartiers": [world.q1.pk]})
    listed = text(preview).split("1 personne à inviter : 1 par e-mail", 1)[1]
    assert "Diallo" in listed and "Moreau" not in listed
    assert not Invitee.objects.exists() and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/reunions/{reunion.pk}/inviter/", {"quartiers": [world.q1.pk], "confirm": "1"})
    assert response.status_code == 302
    assert [i.relais for i in Invitee.objects.all()] == [world.relais_a]
    assert [m.to for m in mail.outbox] == [[world.relais_a.email]]
    empty = client.post(f"/reunions/{reunion.pk}/inviter/", {"confirm": "1"})
    assert "Choisissez au moins une personne ou un groupe à inviter." in text(empty)


def test_attendance_is_one_tap_per_person(world, login):
    reunion = plan(world, days=0)
    invitee = InviteeFactory(reunion=reunion, relais=world.relais_a)
    client = login(world.staff_a)
    client.post(f"/reunions/{reunion.pk}/presences/", {"invitee": invitee.pk, "attended": "1"})
    invitee.refresh_from_db()
    assert invitee.attended is True
    assert "1 présent·e ce jour-là" in text(client.get(f"/reunions/{reunion.pk}/"))
    other = plan(world)
    stranger = InviteeFactory(reunion=other, relais=world.relais_a2)
    response = client.post(f"/reunions/{reunion.pk}/presences/", {"invitee": stranger.pk, "attended": "1"}, follow=True)
    assert "Cette personne n'est pas sur la liste de la réunion." in text(response)
    stranger.refresh_from_db()
    assert stranger.attended is None


def test_move_and_cancel_from_the_pages(world, login, django_capture_on_commit_callbacks):
    reunion = plan(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitations_send(reunion=reunion, by=world.staff_a, relais=[world.relais_a])
    client = login(world.staff_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/reunions/{reunion.pk}/deplacer/", {"date": future(16).isoformat(), "start": "17:00", "end": "19:00"}
        )
    reunion.refresh_from_db()
    assert timezone.localtime(reunion.starts_at).date() == future(16) and reunion.sequence == 1
    assert [m.subject for m in mail.outbox] == ["Réunion déplacée : Plénière"]
    assert "Oui, annuler la réunion" in text(client.get(f"/reunions/{reunion.pk}/annuler/"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reunions/{reunion.pk}/annuler/")
    reunion.refresh_from_db()
    assert reunion.status == Reunion.Status.ANNULEE
    assert mail.outbox[-1].subject == "Annulée : Plénière"
    assert not Message.objects.filter(state=Message.State.PENDING).exists()


@pytest.mark.parametrize("page", ["list", "detail"])
def test_meeting_pages_run_a_constant_number_of_queries(world, login, page, django_assert_num_queries):
    client = login(world.staff_a)
    reunion = plan(world, days=0)  # today: attendance is taken

    def grow(n):
        for i in range(n):
            if page == "list":
                plan(world, days=i + 1)
            else:
                InviteeFactory(reunion=reunion)
        return f"/reunions/{reunion.pk}/" if page == "detail" else "/reunions/"

    url = grow(5)
    client.get(url)
    with CaptureQueriesContext(connection) as at_5:
        assert client.get(url).status_code == 200
    grow(45)
    with django_assert_num_queries(len(at_5)):
        response = client.get(url)
    assert response.status_code == 200
    if page == "detail":
        assert text(response).count("Marquer présent·e") == 50


def test_a_relais_cannot_open_the_meeting_pages(world, login):
    reunion = plan(world)
    client = login(world.relais_user_a)
    assert client.get("/reunions/").status_code == 403
    assert client.get(f"/reunions/{reunion.pk}/").status_code == 403
    assert Relais.objects.count() == 3


def test_the_attendance_sheet_pdf_lists_the_invitees_with_a_signature_column(world, login):
    import io

    from pypdf import PdfReader

    reunion = plan(world)
    InviteeFactory(reunion=reunion, relais=world.relais_a)
    InviteeFactory(reunion=reunion, relais=None, user=world.partner_a)
    response = login(world.staff_a).get(f"/reunions/{reunion.pk}/emargement.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    content = " ".join(page.extract_text() for page in reader.pages)
    assert "Feuille d'émargement" in content and "Plénière" in content and "Signature" in content
    assert "Diallo" in content and "Les Tilleuls" in content and world.partner_a.last_name in content
    assert "18\u00a0h\u00a000" in content and "Page 1 sur 1" in content
    assert login(world.partner_a).get(f"/reunions/{reunion.pk}/emargement.pdf").status_code == 403
    assert login(world.staff_b).get(f"/reunions/{reunion.pk}/emargement.pdf").status_code == 404
