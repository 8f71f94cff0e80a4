"""« Je viendrai » with a reminder: a neighbour without an account leaves an
e-mail or a mobile number, is reminded once at 10:00 (Paris) the day before the
event through the outbox, and the address goes the day after."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Message
from core.outbox import dispatch
from initiatives import services as initiatives_services
from initiatives.models import Initiative
from initiatives.models import NeighbourAttendance as Attendance
from privacy.services import apply_retention
from tests.db_writes import DataWrites
from tests.public.test_open_events import token
from vitrine import antispam

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def come(world, event, remind_to, name="Mamie Jo", follow=False, **extra):
    data = {"name": name, "household": "2", "remind_to": remind_to, "website": "", "token": token(world.org_a)}
    data.update(extra)
    return Client().post(reverse("public:event", args=["habitat-a", event.pk]), data, follow=follow)


def said(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("\u00a0", " ")


def ten_the_day_before(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day - datetime.timedelta(days=1), datetime.time(10), tzinfo=PARIS)


def reminders():
    return Message.objects.filter(kind=initiatives_services.NEIGHBOUR_REMINDER)


def test_the_form_says_what_the_address_is_for(world, event):
    body = Client().get(reverse("public:event", args=["habitat-a", event.pk])).content.decode()
    assert "Me le rappeler la veille (facultatif)" in body
    assert "un seul rappel, la veille à 10" in body and "effacé le lendemain du rendez-vous" in body


def test_a_reminder_is_prepared_for_10_the_day_before(world, event):
    response = come(world, event, " Mamie.Jo@Example.test ", follow=True)
    assert response.redirect_chain[0][1] == 302
    assert "Merci ! Les organisateurs savent que vous venez. Nous vous le rappellerons la veille à 10 h." in said(
        response
    )
    attendance = Attendance.objects.get()
    assert attendance.remind_to == "mamie.jo@example.test"
    (message,) = reminders()
    assert message.scheduled_for == ten_the_day_before(event.starts_on)
    assert (message.channel, message.address, message.state) == ("email", "mamie.jo@example.test", "en_attente")
    assert message.recipient_user_id is None and message.recipient_relais_id is None
    assert message.organisation_id == world.org_a.pk
    # A phone number is a mobile in E.164, reminded by SMS.
    come(world, event, "06 12 34 56 78", name="Karim")
    sms = reminders().get(channel="sms")
    assert sms.address == "+33612345678" and sms.scheduled_for == message.scheduled_for
    # Without an address, nothing is prepared.
    come(world, event, "", name="Sans rappel")
    assert reminders().count() == 2 and Attendance.objects.count() == 3


def test_the_reminder_is_sent_once_even_when_the_dispatcher_runs_twice(world, event):
    event.title, event.place = "Goûter d'hiver", "Cour de la résidence"
    event.save()
    come(world, event, "mamie.jo@example.test")
    mail.outbox.clear()
    due = ten_the_day_before(event.starts_on)
    dispatch(now=due - datetime.timedelta(minutes=1))
    assert mail.outbox == []
    dispatch(now=due)
    dispatch(now=due + datetime.timedelta(minutes=1))
    (sent,) = mail.outbox
    assert sent.to == ["mamie.jo@example.test"]
    assert sent.subject.startswith("Rappel\u00a0: Goûter d'hiver, ")
    assert "Cour de la résidence" in sent.body and f"/p/habitat-a/rendez-vous/{event.pk}/" in sent.body
    assert "effacée le lendemain du rendez-vous" in sent.body
    assert reminders().get().state == Message.State.SENT


def test_too_late_for_a_reminder_the_address_is_not_kept(world, event):
    event.starts_on = timezone.localdate()  # 10:00 yesterday has passed
    event.save()
    response = come(world, event, "mamie.jo@example.test", follow=True)
    assert "Le rendez-vous est tout proche : il n'y aura pas de rappel." in said(response)
    assert Attendance.objects.get().remind_to == "" and not reminders().exists()


class PhoneSMS:
    """The SMS provider, as the phone receives it."""

    sent: list[tuple[str, str]] = []
    honours_reference = False

    def send(self, *, to, text, key):
        PhoneSMS.sent.append((to, text))


def test_a_mobile_number_gets_one_sms_part(world, event, settings):
    settings.SMS_BACKEND = "tests.public.test_neighbour_reminders.PhoneSMS"
    PhoneSMS.sent = []
    event.title = "Goûter de Noël à la Cité des Pêcheurs"
    event.save()
    come(world, event, "07.12.34.56.78")
    dispatch(now=ten_the_day_before(event.starts_on))
    dispatch(now=ten_the_day_before(event.starts_on))
    ((to, text),) = PhoneSMS.sent
    assert to == "+33712345678"
    assert text.startswith("Rappel : Gouter de Noel a la Cite des Pecheurs, ") and "Habitat A" in text
    assert len(text) <= 160 and text.isascii()


def test_the_reminder_moves_with_the_event(world, event):
    come(world, event, "mamie.jo@example.test")
    later = event.starts_on + datetime.timedelta(days=3)
    initiatives_services.initiative_save(
        organisation=world.org_a,
        by=world.staff_a,
        kind=event.kind,
        title=event.title,
        starts_on=later,
        place="Cour de la résidence",
        initiative=event,
    )
    (message,) = reminders()
    assert message.scheduled_for == ten_the_day_before(later) and message.state == Message.State.PENDING
    # Moved to tomorrow once 10:00 today has passed: too late to remind, not sent.
    now = timezone.localtime()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    initiatives_services.initiative_save(
        organisation=world.org_a,
        by=world.staff_a,
        kind=event.kind,
        title=event.title,
        starts_on=tomorrow if now.hour >= 10 else timezone.localdate(),
        place="Cour de la résidence",
        initiative=event,
    )
    message.refresh_from_db()
    assert message.state == Message.State.CANCELLED


def test_the_reminder_is_cancelled_with_the_event(world, event):
    come(world, event, "mamie.jo@example.test")
    initiatives_services.initiative_set_status(initiative=event, status=Initiative.Status.ANNULEE, by=world.staff_a)
    assert reminders().get().state == Message.State.CANCELLED
    mail.outbox.clear()
    dispatch(now=ten_the_day_before(event.starts_on))
    assert mail.outbox == []
    # Planned again: the neighbour is reminded after all, once.
    initiatives_services.initiative_set_status(initiative=event, status=Initiative.Status.PREVUE, by=world.staff_a)
    assert reminders().get().state == Message.State.PENDING
    dispatch(now=ten_the_day_before(event.starts_on))
    dispatch(now=ten_the_day_before(event.starts_on))
    assert [m.to for m in mail.outbox] == [["mamie.jo@example.test"]]


def test_the_reminder_is_cancelled_when_the_team_removes_the_neighbour(world, event, login):
    come(world, event, "mamie.jo@example.test")
    come(world, event, "", name="Karim")
    mamie = Attendance.objects.get(name="Mamie Jo")
    remove = reverse("public:attendance_remove", args=[mamie.pk])
    admin = login(world.admin_a)
    page = admin.get(reverse("public:settings")).content.decode()
    assert "Mamie Jo (2) · rappel demandé" in page and f'action="{remove}"' in page
    assert "mamie.jo@example.test" not in page  # the address is for the reminder only
    # Another organisation's staff, a partner: nothing removed.
    assert login(world.staff_b).post(remove).status_code == 404
    assert login(world.partner_a).post(remove).status_code == 403
    response = admin.post(remove)
    assert response.status_code == 302 and response["Location"] == reverse("public:settings")
    shown = said(admin.get(response["Location"]))
    assert "« Mamie Jo » ne compte plus parmi les venues de « Pique-nique du lac » ; aucun rappel ne partira." in shown
    assert list(Attendance.objects.values_list("name", flat=True)) == ["Karim"]
    assert list(reminders().values_list("state", "address")) == [(Message.State.CANCELLED, "")]
    mail.outbox.clear()
    dispatch(now=ten_the_day_before(event.starts_on))
    assert mail.outbox == []


def test_a_row_gone_without_the_service_is_not_reminded_and_its_address_goes(world, event):
    come(world, event, "mamie.jo@example.test")
    event.delete()  # cascades to the neighbours' rows; the outbox row stays pending
    mail.outbox.clear()
    dispatch(now=timezone.now() + datetime.timedelta(days=30))
    assert mail.outbox == [] and reminders().get().state == Message.State.CANCELLED
    # The nightly retention erases the outbox's copy of an address whose row is gone.
    apply_retention(world.org_a, timezone.localdate())
    assert reminders().get().address == ""


@pytest.mark.parametrize(
    "remind_to, words",
    [
        ("mamie.jo@", "adresse e-mail n'est pas valable"),
        ("pas une adresse", "numéro de portable"),
        ("04 50 00 00 00", "numéro de portable"),
        ("06 12", "numéro de portable"),
    ],
)
def test_a_bad_address_is_refused_in_french_and_writes_nothing(world, event, remind_to, words):
    with DataWrites() as writes:
        response = come(world, event, remind_to)
    assert response.status_code == 200
    assert words in response.content.decode().replace("&#x27;", "'")
    assert not writes, writes.summary()
    assert not Attendance.objects.exists() and not reminders().exists()


def test_antispam_still_holds_with_an_address(world, event):
    with DataWrites() as writes:
        robot = come(world, event, "robot@example.test", website="http://spam.test")
        fast = come(world, event, "vite@example.test", token=token(world.org_a, age=0))
    assert "pas pu être enregistré" in robot.content.decode()
    assert "trop vite" in fast.content.decode()
    assert not writes, writes.summary()
    # One address is not reminded of everything: a few a day, then refused.
    for _ in range(antispam.PER_EMAIL[0]):
        assert come(world, event, "same@example.test").status_code == 302
    with DataWrites() as writes:
        assert come(world, event, "same@example.test").status_code == 429
    assert not writes, writes.summary()
    assert reminders().count() == antispam.PER_EMAIL[0] and Attendance.objects.count() == antispam.PER_EMAIL[0]
