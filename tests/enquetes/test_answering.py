"""Answering: every kind of question and the conditional display, through the
phone page (personal link, open link) and through paper entry; refusals with a
clear French message and nothing written."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from core.models import Message
from enquetes import links, services, views
from enquetes.models import Answer, Invitation, Response
from tests.enquetes.helpers import FULL, every_kind, post_data
from tests.helpers import text

pytestmark = pytest.mark.django_db


def _invite(questionnaire, relais):
    return Invitation.objects.create(questionnaire=questionnaire, relais=relais)


def _link(invitation) -> str:
    return f"/l/{links.code(invitation.pk)}/"


def _counts():
    return Response.objects.count(), Answer.objects.count(), Invitation.objects.filter(used=True).count()


def test_every_kind_through_the_phone_page(world):
    questionnaire, q = every_kind(world)
    invitation = _invite(questionnaire, world.relais_a)
    page = Client().get(_link(invitation))
    assert page.status_code == 200
    shown = text(page)
    assert "Questionnaire anonyme" in shown
    assert "Seulement si vous avez répondu « Oui » à « Avez-vous participé ? »" in shown.replace("\u00a0", " ")
    response = Client().post(_link(invitation), post_data(q, **FULL))
    assert response.status_code == 302
    saved = Response.objects.get()
    assert saved.channel == "lien" and saved.invitation is None and saved.residence is None
    assert saved.submitted_on == timezone.localdate()
    by_question = {}
    for answer in Answer.objects.all():
        by_question.setdefault(answer.question_id, []).append(answer)
    assert by_question[q["scale"].pk][0].number == 6
    assert by_question[q["single"].pk][0].option == 0
    assert by_question[q["cond"].pk][0].number == 4
    assert sorted(a.option for a in by_question[q["multi"].pk]) == [0, 2]
    assert by_question[q["number"].pk][0].number == Decimal("12.5")
    assert by_question[q["short"].pk][0].text == "Merci"
    assert by_question[q["long"].pk][0].text == "Plus de fêtes dans la cour"
    assert by_question[q["ten"].pk][0].number == 9
    invitation.refresh_from_db()
    assert invitation.used
    thanks = Client().get(_link(invitation) + "?merci=1")
    assert "Merci" in text(thanks)


def test_a_conditional_question_is_required_only_when_shown_and_dropped_when_hidden(world):
    questionnaire, q = every_kind(world)
    # « Oui »: the follow-up is asked, and required.
    missing = Client().post(_link(_invite(questionnaire, world.relais_a)), post_data(q, scale="3", single="0"))
    assert missing.status_code == 400
    assert "Cette question demande une réponse." in text(missing)
    assert _counts() == (0, 0, 0)
    # « Non »: not asked; whatever came for it is not an answer.
    done = Client().post(_link(_invite(questionnaire, world.relais_a2)), post_data(q, scale="3", single="1", cond="5"))
    assert done.status_code == 302
    assert not Answer.objects.filter(question=q["cond"]).exists()
    assert Answer.objects.filter(question=q["single"], option=1).exists()


def test_paper_entry_every_kind_marked_as_paper(world, login):
    questionnaire, q = every_kind(world)
    client = login(world.staff_a)
    url = f"/enquetes/{questionnaire.pk}/papier/"
    page = client.get(url)
    assert page.status_code == 200 and "Saisir les réponses papier" in text(page)
    response = client.post(url, {**post_data(q, **FULL), "residence": world.residence_a1.pk})
    assert response.status_code == 302
    saved = Response.objects.get()
    assert saved.channel == "papier" and saved.residence == world.residence_a1
    assert Answer.objects.filter(response=saved).count() == 9  # two options ticked for the multiple choice
    # Hidden follow-up on paper too, and a missing required answer refused.
    refused = client.post(url, post_data(q, single="1"))
    assert refused.status_code == 400
    assert "Cette question demande une réponse." in text(refused)
    assert Response.objects.count() == 1


def test_a_link_used_twice_keeps_the_first_answer(world):
    questionnaire, q = every_kind(world)
    invitation = _invite(questionnaire, world.relais_a)
    assert Client().post(_link(invitation), post_data(q, scale="2")).status_code == 302
    before = _counts()
    again = Client().post(_link(invitation), post_data(q, scale="7"))
    assert "Ce lien a déjà servi" in text(again)
    assert _counts() == before
    assert Answer.objects.get(question=q["scale"]).number == 2
    assert "ne peut donc plus être modifiée" in text(Client().get(_link(invitation)))


def test_a_named_answer_is_changed_until_the_close_date(world):
    questionnaire, q = every_kind(world, anonymous=False)
    invitation = _invite(questionnaire, world.relais_a)
    Client().post(_link(invitation), post_data(q, scale="2", short="Avant"))
    page = Client().get(_link(invitation))
    assert "Questionnaire nominatif" in text(page) and "Modifier ma réponse" in text(page)
    assert 'value="Avant"' in page.content.decode()
    Client().post(_link(invitation), post_data(q, scale="5", short="Après"))
    response = Response.objects.get()
    assert response.invitation == invitation and response.residence == world.residence_a1
    assert Answer.objects.get(question=q["scale"]).number == 5
    assert Answer.objects.get(question=q["short"]).text == "Après"


def test_a_closed_questionnaire_refuses_answers(world):
    questionnaire, q = every_kind(world, opens=-20, closes=-1)
    invitation = _invite(questionnaire, world.relais_a)
    page = Client().post(_link(invitation), post_data(q, **FULL))
    assert "Ce questionnaire est clos" in text(page)
    assert _counts() == (0, 0, 0)
    not_yet, qq = every_kind(world, opens=3, closes=10, title="Bientôt")
    assert "pas encore ouvert" in text(Client().get(_link(_invite(not_yet, world.relais_a))))


def test_a_forged_link_is_refused(world):
    questionnaire, q = every_kind(world)
    invitation = _invite(questionnaire, world.relais_a)
    code = links.code(invitation.pk)
    for forged in (
        code[:-1] + ("A" if code[-1] != "A" else "B"),
        "zz" + code[2:],
        "abc",
        links.code(invitation.pk + 1),
    ):
        response = Client().post(f"/l/{forged}/", post_data(q, **FULL))
        assert response.status_code == 404
        assert "Ce lien n'est pas valable" in text(response)
    assert _counts() == (0, 0, 0)


def test_bad_values_have_french_messages_and_write_nothing(world):
    questionnaire, q = every_kind(world)
    invitation = _invite(questionnaire, world.relais_a)
    response = Client().post(_link(invitation), post_data(q, scale="9", number="beaucoup", multi=["7"], single="x"))
    assert response.status_code == 400
    shown = text(response)
    assert "Choisissez une des réponses proposées." in shown
    assert "Écrivez un nombre, par exemple 3 ou 2,5." in shown
    assert "Le questionnaire n'est pas enregistré." in shown
    assert _counts() == (0, 0, 0)
    too_long = Client().post(_link(invitation), post_data(q, scale="1", short="x" * 301))
    assert "300 caractères au plus" in text(too_long)
    assert _counts() == (0, 0, 0)


@pytest.fixture
def open_questionnaire(world, monkeypatch):
    monkeypatch.setattr(views, "MIN_SECONDS", 0)
    questionnaire, q = every_kind(world, audience="locataires", residences=[world.residence_a1, world.residence_a2])
    return questionnaire, q


def _open_post(client, questionnaire, data, residence=None):
    url = f"/e/{questionnaire.key}/" + (f"?r={residence.pk}" if residence else "")
    page = client.get(url)
    token = page.context["form"]["token"].value()
    return client.post(url, {**data, "token": token})


def test_the_open_link_one_answer_per_device(world, open_questionnaire):
    questionnaire, q = open_questionnaire
    client = Client()
    response = _open_post(client, questionnaire, post_data(q, **FULL), residence=world.residence_a1)
    assert response.status_code == 302 and response.url.endswith("/merci/")
    saved = Response.objects.get()
    assert saved.channel == "qr" and saved.residence == world.residence_a1 and saved.invitation is None
    again = client.get(f"/e/{questionnaire.key}/")
    assert "déjà répondu à ce questionnaire depuis cet appareil" in text(again)
    assert Response.objects.count() == 1
    # Another phone, no residence in the link: it is asked.
    other = Client()
    missing = _open_post(other, questionnaire, post_data(q, scale="1"))
    assert "Dites-nous dans quelle résidence vous habitez." in text(missing)
    assert (
        _open_post(other, questionnaire, {**post_data(q, scale="1"), "residence": world.residence_a2.pk}).status_code
        == 302
    )
    assert Response.objects.count() == 2


def test_the_open_link_honeypot_and_rate_limit(world, open_questionnaire, monkeypatch):
    questionnaire, q = open_questionnaire
    robot = _open_post(
        Client(), questionnaire, {**post_data(q, scale="1"), "website": "http://spam"}, world.residence_a1
    )
    assert "n'a pas pu être enregistré" in text(robot)
    assert Response.objects.count() == 0
    cache.clear()  # the robot's try counted too
    monkeypatch.setattr(views, "PER_IP", (2, 3600))
    statuses = [
        _open_post(Client(), questionnaire, post_data(q, scale="1"), world.residence_a1).status_code for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert Response.objects.count() == 2


def test_the_open_link_is_only_for_tenant_questionnaires(world):
    questionnaire, _ = every_kind(world)  # relais: personal links only
    response = Client().get(f"/e/{questionnaire.key}/")
    assert response.status_code == 404 and "Ce lien n'est pas valable" in text(response)


def test_sending_and_one_reminder_through_the_outbox(world, login):
    questionnaire, q = every_kind(world)
    client = login(world.staff_a)
    response = client.post(f"/enquetes/{questionnaire.pk}/envoyer/", {"who": "tous"})
    assert response.status_code == 302
    invitations = Invitation.objects.filter(questionnaire=questionnaire)
    messages = Message.objects.filter(kind="enquete")
    assert invitations.count() == messages.count() + len(
        [i for i in invitations if not messages.filter(recipient_relais=i.relais).exists()]
    )
    sent = messages.count()
    # One answers; the reminder goes to the others, once.
    used = invitations.first()
    Client().post(_link(used), post_data(q, scale="3"))
    client.post(f"/enquetes/{questionnaire.pk}/relancer/")
    reminders = Message.objects.filter(kind="enquete-relance")
    assert not reminders.filter(recipient_relais=used.relais).exists()
    assert reminders.count() <= sent
    second = client.post(f"/enquetes/{questionnaire.pk}/relancer/", follow=True)
    assert "on ne relance qu'une fois" in text(second)


def test_the_message_says_anonymous_and_carries_the_link(world):
    from core import outbox

    questionnaire, q = every_kind(world)
    invitation = _invite(questionnaire, world.relais_a)
    message = outbox.message_schedule(
        organisation_id=world.org_a.pk, recipient=world.relais_a, subject=invitation, kind="enquete"
    )
    assert message is not None
    rendered = outbox._renderers["enquete"](message)
    assert links.url(invitation.pk) in rendered.body and "anonyme" in rendered.body
    invitation.used = True
    invitation.save()
    assert outbox._renderers["enquete"](message) is None  # answered meanwhile: nothing sent


def test_after_a_meeting_the_participants_get_it_the_next_day(world):
    from reunions.models import Invitee
    from tests.helpers import plan_reunion

    start = timezone.now() - datetime.timedelta(days=1, hours=3)
    reunion = plan_reunion(world, start, title="Réunion plénière", address="Mairie")
    Invitee.objects.create(reunion=reunion, relais=world.relais_a, attended=True)
    Invitee.objects.create(reunion=reunion, relais=world.relais_a2, attended=False)
    today = timezone.localdate()
    questionnaire = services.questionnaire_create(
        organisation=world.org_a,
        by=None,
        title="",
        template="reunion",
        audience="reunion",
        reunion=reunion,
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=14),
    )
    services.after_meetings(today=today)
    assert list(Invitation.objects.filter(questionnaire=questionnaire).values_list("relais", flat=True)) == [
        world.relais_a.pk
    ]
    questionnaire.refresh_from_db()
    assert questionnaire.sent_on == today
    services.after_meetings(today=today)  # a second run sends nothing more
    assert Invitation.objects.filter(questionnaire=questionnaire).count() == 1
