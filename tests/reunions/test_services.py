import datetime

import icalendar
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import Message
from core.outbox import dispatch
from relais.models import Relais
from reunions import services
from reunions.models import Invitee, Reunion
from tests.factories import InviteeFactory
from tests.helpers import plan_reunion

pytestmark = pytest.mark.django_db


@pytest.fixture
def start():
    return timezone.localtime(timezone.now() + datetime.timedelta(days=20)).replace(
        hour=17, minute=30, second=0, microsecond=0
    )


def plan(world, start, **extra):
    return plan_reunion(world, start, **{"title": "Propreté et encombrants", "residence": world.residence_a1, **extra})


def ics_of(message) -> icalendar.Calendar:
    ((name, content, mimetype),) = [a for a in message.attachments]
    assert (name, mimetype) == ("reunion.ics", "text/calendar")
    return icalendar.Calendar.from_ical(content)


@pytest.mark.parametrize(
    "extra, field, text",
    [
        ({"ends_at_delta": -1}, "ends_at", "La fin de la réunion doit suivre son début."),
        ({"residence": None}, "address", "Indiquez un lieu"),
    ],
)
def test_a_meeting_needs_a_sensible_time_and_a_place(world, start, extra, field, text):
    kwargs = {}
    if "ends_at_delta" in extra:
        kwargs["ends_at"] = start + datetime.timedelta(hours=extra["ends_at_delta"])
    if "residence" in extra:
        kwargs["residence"] = None
    with pytest.raises(ValidationError) as error:
        plan(world, start, **kwargs)
    assert text in " ".join(error.value.message_dict[field])
    assert not Reunion.objects.exists()


def test_a_residence_of_another_organisation_is_refused(world, start):
    with pytest.raises(ValidationError, match="n'appartient pas"):
        plan(world, start, residence=world.residence_b)


def test_a_series_is_planned_at_once_and_each_meeting_moves_alone(world, start):
    dates = [
        (start + datetime.timedelta(weeks=13 * i), start + datetime.timedelta(weeks=13 * i, hours=2)) for i in range(4)
    ]
    series = services.series_plan(
        organisation=world.org_a,
        by=world.staff_a,
        title="Réunion thématique",
        kind="thematique",
        occurrences=dates,
        address="Maison de quartier",
    )
    meetings = list(series.reunions.order_by("starts_at"))
    assert [m.title for m in meetings] == [f"Réunion thématique ({n}/4)" for n in range(1, 5)]
    moved = services.reunion_move(
        reunion=meetings[1],
        starts_at=dates[1][0] + datetime.timedelta(days=2),
        ends_at=dates[1][1] + datetime.timedelta(days=2),
        by=world.staff_a,
    )
    assert moved.sequence == 1
    others = Reunion.objects.exclude(pk=moved.pk)
    assert sorted(o.starts_at for o in others) == [dates[0][0], dates[2][0], dates[3][0]]
    with pytest.raises(ValidationError, match="au moins une date"):
        services.series_plan(
            organisation=world.org_a, by=None, title="Vide", kind="comite", occurrences=[], address="x"
        )


def invite(world, reunion, django_capture_on_commit_callbacks):
    sms = world.relais_a2
    Relais.objects.filter(pk=sms.pk).update(preferred_channel="sms", phone="06 00 00 00 02")
    sms.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        count = services.invitations_send(
            reunion=reunion, by=world.staff_a, relais=[world.relais_a, sms], users=[world.partner_a]
        )
    return count


def test_invitations_go_out_by_each_channel_with_the_ics_and_reminders_wait(
    world, start, django_capture_on_commit_callbacks, settings
):
    settings.SMS_BACKEND = "tests.relais.test_outbox.RecordingSMS"
    from tests.relais.test_outbox import RecordingSMS

    RecordingSMS.sent.clear()
    reunion = plan(world, start)
    assert invite(world, reunion, django_capture_on_commit_callbacks) == 3

    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.relais_a.email, world.partner_a.email])
    letter = next(m for m in mail.outbox if m.to == [world.relais_a.email])
    assert letter.subject == "Invitation : Propreté et encombrants"
    assert "de 17\u00a0h\u00a030 à 19\u00a0h\u00a030" in letter.body and "Salle commune, Les Tilleuls" in letter.body
    link = next(line for line in letter.body.splitlines() if "/reunions/reponse/" in line)
    event = ics_of(letter).walk("VEVENT")[0]
    assert ics_of(letter)["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"{reunion.uid}@traitdunion.local" and event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == reunion.starts_at
    ((to, text, key),) = RecordingSMS.sent
    assert to == "06 00 00 00 02" and f"/r/{services.rsvp_short_code(Invitee.objects.get(relais__phone=to))}" in text
    assert len(text) <= 160

    reminders = Message.objects.filter(kind__startswith="rappel", state=Message.State.PENDING)
    assert reminders.count() == 6
    assert {m.scheduled_for for m in reminders} == {
        reunion.starts_at - datetime.timedelta(days=7),
        reunion.starts_at - datetime.timedelta(days=1),
    }
    # Inviting the same people again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_send(reunion=reunion, by=world.staff_a, relais=[world.relais_a]) == 0
    assert len(mail.outbox) == 2
    assert link


def test_the_j7_reminder_goes_out_once_when_due(world, start, django_capture_on_commit_callbacks):
    reunion = plan(world, start)
    invite(world, reunion, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    j7 = reunion.starts_at - datetime.timedelta(days=7)
    assert dispatch(now=j7 - datetime.timedelta(minutes=1)) == 0
    assert dispatch(now=j7) == 3 and dispatch(now=j7) == 0
    assert sorted(m.subject for m in mail.outbox) == ["Dans une semaine : Propreté et encombrants"] * 2
    assert Message.objects.filter(kind="rappel-j7", state=Message.State.SENT).count() == 3


def test_moving_a_meeting_moves_its_reminders_and_tells_the_invitees(world, start, django_capture_on_commit_callbacks):
    reunion = plan(world, start)
    invite(world, reunion, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    later = start + datetime.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.reunion_move(
            reunion=reunion, starts_at=later, ends_at=later + datetime.timedelta(hours=2), by=world.staff_a
        )
    assert {m.scheduled_for for m in Message.objects.filter(kind="rappel-j1")} == {later - datetime.timedelta(days=1)}
    letter = next(m for m in mail.outbox if m.to == [world.relais_a.email])
    assert letter.subject == "Réunion déplacée : Propreté et encombrants"
    assert ics_of(letter).walk("VEVENT")[0]["SEQUENCE"] == 1


def test_cancelling_cancels_the_reminders_and_tells_the_invitees(world, start, django_capture_on_commit_callbacks):
    reunion = plan(world, start)
    invite(world, reunion, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reunion_cancel(reunion=reunion, by=world.staff_a)
    letter = next(m for m in mail.outbox if m.to == [world.relais_a.email])
    assert letter.subject == "Annulée : Propreté et encombrants"
    calendar = ics_of(letter)
    assert calendar["METHOD"] == "CANCEL" and calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    assert not Message.objects.filter(kind__startswith="rappel", state=Message.State.PENDING).exists()
    mail.outbox.clear()
    assert dispatch(now=reunion.starts_at) == 0
    assert mail.outbox == []


def test_a_paper_relais_is_invited_without_any_message(world, start, django_capture_on_commit_callbacks):
    Relais.objects.filter(pk=world.relais_a.pk).update(preferred_channel="papier")
    world.relais_a.refresh_from_db()
    reunion = plan(world, start)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitations_send(reunion=reunion, by=world.staff_a, relais=[world.relais_a])
    assert Invitee.objects.filter(reunion=reunion, relais=world.relais_a).exists()
    assert not Message.objects.exists() and mail.outbox == []


def test_answering_from_the_link_without_logging_in(world, start, client):
    reunion = plan(world, start)
    invitee = InviteeFactory(reunion=reunion, relais=world.relais_a)
    url = f"/reunions/reponse/{services.rsvp_token(invitee)}/"
    page = client.get(url, HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile").content.decode()
    assert "Propreté et encombrants" in page and "Serez-vous là\u00a0?" in page
    assert 'name="viewport" content="width=device-width' in page
    response = client.post(url, {"answer": "present"})
    assert "votre réponse est enregistrée" in response.content.decode()
    invitee.refresh_from_db()
    assert invitee.answer == "present" and invitee.answered_at is not None


@pytest.mark.parametrize("tamper", ["forged", "altered", "expired", "bad answer"])
def test_a_bad_link_gets_a_clear_message_and_changes_nothing(world, start, client, tamper):
    reunion = plan(world, start)
    invitee = InviteeFactory(reunion=reunion, relais=world.relais_a)
    token = services.rsvp_token(invitee)
    answer = "present"
    expected = "Ce lien n'est pas valide"
    if tamper == "forged":
        token = "MQ:1xW3n3:ceci-n-est-pas-une-signature"
    elif tamper == "altered":
        token = services.rsvp_token(Invitee(pk=invitee.pk + 1))[:-2] + token[-2:]
    elif tamper == "expired":
        Reunion.objects.filter(pk=reunion.pk).update(
            starts_at=timezone.now() - datetime.timedelta(hours=3), ends_at=timezone.now() - datetime.timedelta(hours=1)
        )
        expected = "Cette réunion est passée"
    else:
        answer = "oui"
        expected = "Répondez présent, absent ou peut-être."
    response = client.post(f"/reunions/reponse/{token}/", {"answer": answer})
    assert response.status_code == 400
    assert expected in response.content.decode().replace("&#x27;", "'")
    invitee.refresh_from_db()
    assert invitee.answer == ""


def test_attendance_and_a_participant_added_on_the_day(world, start):
    reunion = plan(world, start)
    invitee = InviteeFactory(reunion=reunion, relais=world.relais_a)
    # Weeks ahead, nobody is ticked present.
    with pytest.raises(ValidationError, match="à partir du jour de la réunion"):
        services.attendance_set(invitee=invitee, attended=True)
    with pytest.raises(ValidationError, match="à partir du jour de la réunion"):
        services.participant_add(reunion=reunion, relais=world.relais_a2)
    reunion = plan(world, timezone.now() - datetime.timedelta(hours=1), title="Aujourd'hui")
    invitee = InviteeFactory(reunion=reunion, relais=world.relais_a)
    services.attendance_set(invitee=invitee, attended=True)
    walk_in = services.participant_add(reunion=reunion, relais=world.relais_a2)
    assert (walk_in.invited, walk_in.attended) == (False, True)
    assert services.participant_add(reunion=reunion, relais=world.relais_a2).pk == walk_in.pk
    with pytest.raises(ValidationError):
        services.participant_add(reunion=reunion, relais=world.relais_b)
    assert Invitee.objects.filter(reunion=reunion, attended=True).count() == 2
