import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import override_settings

from core import outbox
from core.models import Membership, Message
from relais.models import Relais
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)


class RecordingSMS:
    sent: list[tuple[str, str, str]] = []

    def send(self, *, to, text, key):
        RecordingSMS.sent.append((to, text, key))


class BrokenSMTP:
    """A mail server that refuses every connection."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("serveur SMTP injoignable")


@outbox.renderer("essai")
def render_test(message):
    return outbox.Rendered(subject="Rappel", body=f"Rappel {message.subject_id}")


@outbox.renderer("perime")
def render_stale(message):
    return None


def membership_of(world):
    return Membership.objects.get(user=world.staff_a)


def schedule(world, recipient=None, kind="essai", when=NOW):
    return outbox.message_schedule(
        organisation_id=world.org_a.pk,
        recipient=recipient or world.staff_a,
        subject=membership_of(world),
        kind=kind,
        when=when,
    )


def test_one_row_per_recipient_subject_and_kind(world):
    first = schedule(world)
    again = schedule(world, when=NOW + datetime.timedelta(hours=2))
    assert first.pk == again.pk and Message.objects.count() == 1
    assert again.scheduled_for == NOW + datetime.timedelta(hours=2), "a pending message is moved"
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(
            organisation=world.org_a,
            recipient_relais=None,
            recipient_user=world.staff_a,
            subject_type=first.subject_type,
            subject_id=first.subject_id,
            kind="essai",
            address="x@example.test",
            scheduled_for=NOW,
        )


def test_running_the_dispatch_twice_sends_once(world):
    message = schedule(world)
    assert outbox.dispatch(now=NOW) == 1
    assert outbox.dispatch(now=NOW) == 0, "handed out once within the lease"
    outbox.send_messages([message.pk])
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.state, message.attempts) == (Message.State.SENT, 1)
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<tdu-message-{message.pk}@traitdunion.local>"
    schedule(world, when=NOW + datetime.timedelta(days=1))
    message.refresh_from_db()
    assert message.scheduled_for == NOW, "a sent message is never moved nor sent again"
    assert outbox.dispatch(now=NOW + datetime.timedelta(days=2)) == 0


def test_a_row_still_pending_after_its_lease_is_handed_out_again(world):
    message = schedule(world)
    assert outbox.hand_out_due(now=NOW) == [message.pk]  # the worker that got it died
    assert outbox.hand_out_due(now=NOW + datetime.timedelta(minutes=5)) == []
    later = NOW + outbox.LEASE + datetime.timedelta(seconds=1)
    assert outbox.dispatch(now=later) == 1
    assert Message.objects.get().state == Message.State.SENT
    assert len(mail.outbox) == 1


def test_one_beat_hands_out_every_due_row_in_as_many_batches_as_it_takes(world, monkeypatch):
    """More due than a batch, more than a round: one beat hands them all out
    (a network's J-1 reminders at the same minute are not spread over beats)."""
    monkeypatch.setattr(outbox, "BATCH", 3)
    monkeypatch.setattr(outbox, "ROUND", 4)
    batches = []
    monkeypatch.setattr(outbox.send_messages, "apply_async", lambda args, queue=None: batches.append(args[0]))
    ids = {schedule(world, kind=f"essai-{n}").pk for n in range(10)}
    schedule(world, kind="essai-tard", when=NOW + datetime.timedelta(minutes=1))
    assert outbox.dispatch(now=NOW) == 10
    assert [len(b) for b in batches] == [3, 1, 3, 1, 2], "rounds of 4 rows, batches of 3"
    assert {pk for b in batches for pk in b} == ids
    assert outbox.dispatch(now=NOW) == 0, "handed out once within the lease"


def test_not_yet_due_messages_wait(world):
    schedule(world, when=NOW + datetime.timedelta(days=7))
    assert outbox.dispatch(now=NOW) == 0
    assert mail.outbox == []


@override_settings(EMAIL_BACKEND="tests.relais.test_outbox.BrokenSMTP")
def test_a_failing_mail_server_is_retried_with_backoff_then_marked_failed(world):
    message = schedule(world)
    assert outbox.message_send(message.pk, now=NOW) == "retry"
    message.refresh_from_db()
    assert message.state == Message.State.PENDING and message.attempts == 1
    assert message.next_attempt_at == NOW + datetime.timedelta(minutes=1)
    assert "serveur SMTP injoignable" in message.last_error
    results = [outbox.message_send(message.pk, now=NOW) for _ in range(2, outbox.MAX_ATTEMPTS + 1)]
    assert results == ["retry"] * (outbox.MAX_ATTEMPTS - 2) + ["failed"]
    message.refresh_from_db()
    assert (message.state, message.attempts) == (Message.State.FAILED, outbox.MAX_ATTEMPTS)


@override_settings(SMS_BACKEND="tests.relais.test_outbox.RecordingSMS")
def test_relais_are_reached_by_their_channel_and_paper_is_not_sent(world):
    RecordingSMS.sent.clear()
    sms = world.relais_a
    Relais.objects.filter(pk=sms.pk).update(preferred_channel="sms", phone="06 12 34 56 78")
    sms.refresh_from_db()
    message = schedule(world, recipient=sms)
    assert (message.channel, message.address) == ("sms", "06 12 34 56 78")
    outbox.message_send(message.pk, now=NOW)
    assert RecordingSMS.sent == [("06 12 34 56 78", f"Rappel {message.subject_id}", f"tdu-message-{message.pk}")]
    assert mail.outbox == []

    paper = world.relais_a2
    Relais.objects.filter(pk=paper.pk).update(preferred_channel="papier")
    paper.refresh_from_db()
    assert schedule(world, recipient=paper) is None


def test_a_message_whose_subject_no_longer_calls_for_it_is_cancelled(world):
    stale = schedule(world, kind="perime")
    assert outbox.message_send(stale.pk) == "cancelled"
    assert mail.outbox == []
    pending = schedule(world, kind="essai")
    assert outbox.message_cancel(subject=membership_of(world)) == 1
    pending.refresh_from_db()
    assert pending.state == Message.State.CANCELLED
    assert outbox.message_send(pending.pk) == "skipped"


def test_beat_runs_the_dispatcher_every_minute_and_expires_under_it(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dispatch-messages"]
    assert entry["task"] == "core.outbox.dispatch_messages"
    assert entry["options"]["expires"] < entry["schedule"] == 60.0
