"""The outbox tells the truth about a hand-off (core/outbox.py): a message is
claimed in a committed state (« en cours d'envoi », with a lease) before the
transport has it, no transaction is open while the transport talks to the
network, and a hand-off that was interrupted becomes « envoi incertain »: never
resent by itself (e-mail), shown to staff with a one-click resend — except an
SMS through a provider that refuses a repeated reference."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.utils import timezone

from core import outbox
from core.access import compute_access
from core.models import Message
from core.selectors import uncertain_messages
from reunions.models import Reunion
from tests.helpers import plan_reunion, text

NOW = timezone.now()


class Killed(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs."""


@outbox.renderer("claim")
def render_claim(message):
    return outbox.Rendered(subject="Convocation", body=f"Message {message.pk}")


class RecordingSMS:
    sent: list[str] = []
    honours_reference = True

    def send(self, *, to, text, key):
        RecordingSMS.sent.append(key)


def uncertain_message(world, channel="email") -> Message:
    reunion = plan_reunion(world, NOW + datetime.timedelta(days=5), by=None, address="Mairie")
    message = Message.objects.create(
        organisation=world.org_a,
        recipient_relais=world.relais_a,
        subject_type=ContentType.objects.get_for_model(Reunion),
        subject_id=reunion.pk,
        kind="claim",
        channel=channel,
        address=world.relais_a.email if channel == "email" else "06 12 34 56 78",
        scheduled_for=NOW,
        next_attempt_at=NOW,
    )
    return message


def interrupt(message, monkeypatch):
    def killed_during_hand_off(message, rendered):
        raise Killed

    transport = outbox._transport
    monkeypatch.setattr(outbox, "_transport", killed_during_hand_off)
    with pytest.raises(Killed):
        outbox.message_send(message.pk, now=NOW)
    monkeypatch.setattr(outbox, "_transport", transport)
    message.refresh_from_db()
    assert message.state == Message.State.SENDING and message.sending_until == NOW + outbox.SEND_LEASE


@pytest.mark.django_db(transaction=True)
def test_the_claim_is_committed_before_the_hand_off_and_no_transaction_spans_it(world, monkeypatch):
    message = uncertain_message(world)
    seen = {}

    def transport(message, rendered):
        seen["in_transaction"] = connection.in_atomic_block
        seen["row"] = Message.objects.values_list("state", "attempts").get(pk=message.pk)

    monkeypatch.setattr(outbox, "_transport", transport)
    assert outbox.message_send(message.pk, now=NOW) == "sent"
    assert seen == {"in_transaction": False, "row": (Message.State.SENDING, 1)}
    message.refresh_from_db()
    assert (message.state, message.sent_at, message.sending_until) == (Message.State.SENT, NOW, None)


@pytest.mark.django_db
def test_an_interrupted_e_mail_is_uncertain_never_resent_by_itself_and_staff_resend_it(
    world, monkeypatch, login, django_capture_on_commit_callbacks
):
    message = uncertain_message(world)
    interrupt(message, monkeypatch)
    # Delivered again (late acknowledgement), the task finds it claimed.
    assert outbox.message_send(message.pk, now=NOW) == "skipped"
    # Within the lease, the dispatcher leaves it; after, it is recorded uncertain.
    assert outbox.dispatch(now=NOW + outbox.SEND_LEASE) == 0
    message.refresh_from_db()
    assert message.state == Message.State.SENDING
    assert outbox.dispatch(now=NOW + outbox.SEND_LEASE + datetime.timedelta(seconds=1)) == 0
    assert outbox.dispatch(now=NOW + datetime.timedelta(days=1)) == 0
    message.refresh_from_db()
    assert message.state == Message.State.UNCERTAIN and mail.outbox == []

    # Staff see it, on the meeting page and in the selector an inbox lists.
    staff = login(world.staff_a)
    page = staff.get(f"/reunions/{message.subject_id}/")
    assert "Envoi incertain" in text(page) and f"/messages/{message.pk}/renvoyer/" in page.content.decode()
    assert list(uncertain_messages(compute_access(world.staff_a))) == [message]
    assert not uncertain_messages(compute_access(world.partner_a)).exists()
    assert not uncertain_messages(compute_access(world.relais_user_a)).exists()

    # One click: sent once more, with the same Message-ID.
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/messages/{message.pk}/renvoyer/", {"next": f"/reunions/{message.subject_id}/"})
    assert response.status_code == 302 and response["Location"] == f"/reunions/{message.subject_id}/"
    message.refresh_from_db()
    assert message.state == Message.State.SENT and len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<tdu-message-{message.pk}@")
    # A second click finds nothing to resend.
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/messages/{message.pk}/renvoyer/")
    assert len(mail.outbox) == 1
    # Nobody else may.
    assert login(world.partner_a).post(f"/messages/{message.pk}/renvoyer/").status_code == 403
    assert login(world.staff_b).post(f"/messages/{message.pk}/renvoyer/").status_code == 404


@pytest.mark.django_db
def test_a_slow_hand_off_that_outlived_its_lease_is_recorded_sent_when_it_ends(world, monkeypatch):
    message = uncertain_message(world)

    def slow(message, rendered):
        outbox.claims_expire(now=NOW + outbox.SEND_LEASE + datetime.timedelta(seconds=1))
        assert Message.objects.get(pk=message.pk).state == Message.State.UNCERTAIN

    monkeypatch.setattr(outbox, "_transport", slow)
    assert outbox.message_send(message.pk, now=NOW) == "sent"
    message.refresh_from_db()
    assert message.state == Message.State.SENT


@pytest.mark.django_db
@pytest.mark.parametrize("honours", [True, False])
def test_an_interrupted_sms_is_resent_with_its_reference_only_if_the_provider_honours_it(
    world, monkeypatch, settings, honours
):
    settings.SMS_BACKEND = "tests.test_outbox_claims.RecordingSMS"
    monkeypatch.setattr(RecordingSMS, "honours_reference", honours)
    RecordingSMS.sent = []
    message = uncertain_message(world, channel="sms")
    interrupt(message, monkeypatch)
    later = NOW + outbox.SEND_LEASE + datetime.timedelta(seconds=1)
    outbox.dispatch(now=later)
    message.refresh_from_db()
    if honours:
        assert message.state == Message.State.SENT and RecordingSMS.sent == [f"tdu-message-{message.pk}"]
    else:
        assert message.state == Message.State.UNCERTAIN and RecordingSMS.sent == []
