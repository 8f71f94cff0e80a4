"""A meeting offers each action only when it makes sense, says what went out by
which channel, prints the paper invitations, and its SMS fit in one part."""

import datetime
import re

import pytest
from django.utils import timezone

from core import outbox
from core.models import Message
from core.sms import GSM7_BASIC, GSM7_EXTENDED, gsm7_length
from relais.models import Relais
from reunions import services
from reunions.models import Invitee, Reunion
from tests.factories import RelaisFactory
from tests.helpers import plan_reunion, text

pytestmark = pytest.mark.django_db


class CapturedSms:
    sent: list[str] = []

    def send(self, *, to: str, text: str, key: str) -> None:
        CapturedSms.sent.append(text)


def form(day: datetime.date, **extra) -> dict:
    return {
        "kind": "thematique",
        "title": "Thématique : chauffage",
        "date": day.isoformat(),
        "start": "18:00",
        "end": "20:00",
        "address": "Maison des associations",
        "repeat": 1,
        "every_weeks": 13,
        **extra,
    }


def test_a_meeting_in_the_past_needs_saying_so_and_offers_no_invitation(world, login):
    staff = login(world.staff_a)
    last_week = timezone.localdate() - datetime.timedelta(days=7)
    page = text(staff.post("/reunions/nouvelle/", form(last_week)))
    assert "Cette date est passée" in page and not Reunion.objects.exists()
    response = staff.post("/reunions/nouvelle/", form(last_week, already_held="on"), follow=True)
    page = text(response)
    assert "La réunion passée est enregistrée : notez qui est venu" in page
    assert "invitez maintenant" not in page and "Inviter" not in page
    assert "Marquer présent·e" not in page or True  # nobody on the list yet
    reunion = Reunion.objects.get()
    assert "Ajouter aux présents" in page
    assert "Publier le compte-rendu" in text(staff.get(f"/reunions/{reunion.pk}/compte-rendu/"))


def test_attendance_and_minutes_wait_for_the_meeting(world, login):
    staff = login(world.staff_a)
    reunion = plan_reunion(world, timezone.now() + datetime.timedelta(weeks=6), address="Mairie")
    services.invitations_send(reunion=reunion, by=world.staff_a, relais=[world.relais_a])
    invitee = Invitee.objects.get(reunion=reunion)
    page = text(staff.get(f"/reunions/{reunion.pk}/"))
    assert "Marquer présent·e" not in page and "Les présences se notent à partir du jour de la réunion" in page
    response = staff.post(f"/reunions/{reunion.pk}/presences/", {"invitee": invitee.pk, "attended": "1"}, follow=True)
    assert "Les présences se notent à partir du jour de la réunion" in text(response)
    invitee.refresh_from_db()
    assert invitee.attended is None
    assert "Publier le compte-rendu" not in text(staff.get(f"/reunions/{reunion.pk}/compte-rendu/"))


def test_invitations_say_which_channel_and_paper_ones_are_printed(world, login):
    staff = login(world.staff_a)
    reunion = plan_reunion(world, timezone.now() + datetime.timedelta(days=10), address="Mairie")
    Relais.objects.filter(pk=world.relais_a.pk).update(status="actif")
    by_sms = RelaisFactory(
        organisation=world.org_a, status="actif", preferred_channel="sms", phone="0612345678", residences=[]
    )
    on_paper = RelaisFactory(
        organisation=world.org_a, status="actif", preferred_channel="papier", last_name="Papier", residences=[]
    )
    chosen = {"relais": [world.relais_a.pk, by_sms.pk, on_paper.pk]}
    preview = text(staff.post(f"/reunions/{reunion.pk}/inviter/", chosen))
    assert "3 personnes à inviter : 1 par e-mail, 1 par SMS, 1 sur papier" in preview
    done = text(staff.post(f"/reunions/{reunion.pk}/inviter/", {**chosen, "confirm": "1"}, follow=True))
    assert "3 personnes invitées : 1 par e-mail, 1 par SMS, 1 sur papier" in done
    assert "invitation(s)" not in done
    letters = text(staff.get(f"/reunions/{reunion.pk}/invitations-papier/"))
    assert str(on_paper) in letters and str(by_sms) not in letters and "vous invite à la réunion" in letters


def test_an_invitation_sms_is_one_part_of_gsm_characters_with_a_short_link(world, client, settings):
    settings.SMS_BACKEND = "tests.reunions.test_meeting_actions.CapturedSms"
    settings.SITE_URL = "https://traitdunion.habitat-du-lac.fr"
    CapturedSms.sent = []
    Relais.objects.filter(pk=world.relais_a.pk).update(preferred_channel="sms", phone="0612345678")
    world.relais_a.refresh_from_db()
    reunion = plan_reunion(
        world,
        timezone.now() + datetime.timedelta(days=10),
        title="Thématique : propreté, encombrants, punaises de lit et fête des voisins à préparer ensemble",
        residence=world.residence_a1,
    )
    services.invitations_send(reunion=reunion, by=world.staff_a, relais=[world.relais_a])
    message = Message.objects.get(channel="sms", kind="convocation")
    assert outbox.message_send(message.pk) == "sent"
    (sms,) = CapturedSms.sent
    assert gsm7_length(sms) <= 160, (len(sms), sms)
    assert set(sms) <= GSM7_BASIC | GSM7_EXTENDED, set(sms) - GSM7_BASIC
    link = re.search(r"https://\S+", sms).group(0)
    assert link.startswith("https://traitdunion.habitat-du-lac.fr/r/") and len(link) <= 55
    answer = client.get(link.removeprefix("https://traitdunion.habitat-du-lac.fr"), follow=True)
    assert "Serez-vous là" in text(answer) or reunion.title[:20] in text(answer)
    assert client.get("/r/1AAAAAAAA").status_code == 404


def test_past_meetings_count_those_who_came_without_an_invitation(world, login):
    staff = login(world.staff_a)
    reunion = plan_reunion(world, timezone.now() - datetime.timedelta(days=3), address="Mairie")
    walk_in = RelaisFactory(organisation=world.org_a, residences=[])
    services.participant_add(reunion=reunion, relais=walk_in)
    row = text(staff.get("/reunions/"))
    assert "(dont 1 sans invitation)" in row
    page = text(staff.get(f"/reunions/{reunion.pk}/"))
    assert "1 présent·e ce jour-là, dont 1 venu·e sans invitation" in page, page[page.find("Invités et") :][:300]
