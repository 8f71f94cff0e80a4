"""The outbox: every message is scheduled as a row, handed to workers when due,
and sent at most once per row.

- `message_schedule` creates the row (or reschedules it while pending); the
  database's uniqueness on (recipient, subject, kind) makes a second one
  impossible.
- `hand_out_due` (the beat task `dispatch_messages`, every minute) stamps due rows with `queued_at`
  and returns their ids for workers, round after round while more is due, in
  batches of 25 (one beat hands out every due row, not one batch); a row handed out long ago and still pending
  (a killed worker, a broker outage) is handed out again after a lease.
- `message_send` claims the row in a short transaction (locked, re-checked
  pending, rendered, then committed as « en cours d'envoi » with a lease),
  hands it to the transport with no lock and no transaction open, then marks
  it sent. A task that runs twice finds the row claimed or sent and does
  nothing.
- A claim whose lease ran out (the worker died while the transport had the
  message) cannot say whether the message left: `claims_expire` (run by the
  dispatcher) records it « envoi incertain », shown to staff with a one-click
  resend (`message_resend`), never resent by itself — except an SMS through a
  provider that refuses a second message with the same reference
  (`sms.resend_is_harmless`), which goes back to the queue with that reference.

What a message says is rendered at send time by the renderer registered for its
kind, so a moved meeting's reminder shows the new time.

The outbox's Celery tasks are at the end of this module, beside what they run
(as pretix keeps its mail task with its mail service): scheduling a message
enqueues its sending, and sending is what the task does.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from celery import shared_task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core import sms
from core.consents import contact_address
from core.models import Consent, Message, User

if TYPE_CHECKING:
    from relais.models import Relais

logger = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=10)
# How long a worker may hold a message it handed to the transport: well above
# the transports' own time-outs (EMAIL_TIMEOUT, SMS_HTTP_TIMEOUT) for each of
# their round trips. A claim older than this was interrupted.
SEND_LEASE = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 6
# Failures worth another try later: network and mail server errors.
RETRYABLE = (OSError, ConnectionError, TimeoutError)
# A transport's refusal that no retry would change (a malformed number, a
# message the provider rejects): the row is marked failed at once.
PERMANENT = (sms.SmsRejected,)


@dataclass
class Rendered:
    subject: str
    body: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


Renderer = Callable[[Message], Rendered | None]
_renderers: dict[str, Renderer] = {}
_batch_memo: ContextVar[dict | None] = ContextVar("outbox_batch_memo", default=None)


@contextmanager
def batch(message_ids: list[int] = ()):
    """While a worker sends one batch, renderers may share what every message of
    the same subject needs (the meeting, its .ics, the batch's invitees) through
    `memo`. The batch lasts a second or so: as fresh as reading once per message."""
    token = _batch_memo.set({"ids": list(message_ids)})
    try:
        yield
    finally:
        _batch_memo.reset(token)


def batch_ids() -> list[int]:
    """The ids of the messages of the batch being sent (empty outside a batch)."""
    cache = _batch_memo.get()
    return cache["ids"] if cache is not None else []


def memo(key: tuple, compute: Callable[[], object]):
    cache = _batch_memo.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def renderer(kind: str):
    """Register how messages of a kind ("invitation", "rappel_j1"…) are written.

    The part of a message's kind before the first "-" picks the renderer, so
    "invitation-2" is written by "invitation". A renderer returning None
    cancels the message (its subject no longer calls for it).
    """

    def register(function: Renderer) -> Renderer:
        _renderers[kind] = function
        return function

    return register


@dataclass(frozen=True)
class Address:
    """A recipient with no account: an address someone gave on a public form
    for one purpose (a neighbour's reminder of an event). Whoever schedules it
    keeps the address and erases it with its own row: the outbox keeps one
    message per (subject, kind) to it, and a copy of the address until then."""

    channel: str  # Message.Channel
    address: str


def _address(recipient: User | Relais | Address) -> tuple[str, str] | None:
    if isinstance(recipient, Address):
        return (recipient.channel, recipient.address) if recipient.address else None
    if isinstance(recipient, User):
        return (Message.Channel.EMAIL, recipient.email) if recipient.email else None
    return contact_address(recipient)  # None: no consent for any channel, or paper


def message_schedule(
    *,
    organisation_id: int,
    recipient: User | Relais | Address,
    subject: models.Model,
    kind: str,
    when: datetime.datetime | None = None,
    by: User | None = None,
    send_now: bool = False,
) -> Message | None:
    """Schedule one message; rescheduling a pending one moves it. None for paper."""
    address = _address(recipient)
    if address is None:
        return None
    when = when or timezone.now()
    if isinstance(recipient, Address):
        who = {"recipient_user": None, "recipient_relais": None}
    else:
        who = {"recipient_user" if isinstance(recipient, User) else "recipient_relais": recipient}
    key = {
        **who,
        "subject_type": ContentType.objects.get_for_model(subject),
        "subject_id": subject.pk,
        "kind": kind,
    }
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(**key).first()
        if message is None:
            try:
                with transaction.atomic():
                    message = Message.objects.create(
                        organisation_id=organisation_id,
                        channel=address[0],
                        address=address[1],
                        scheduled_for=when,
                        next_attempt_at=when,
                        created_by=by,
                        **key,
                    )
            except IntegrityError:  # scheduled concurrently: keep the other one
                message = Message.objects.select_for_update().get(**key)
        elif message.state == Message.State.PENDING and message.scheduled_for != when:
            message.scheduled_for = message.next_attempt_at = when
            message.queued_at = None
            message.save(update_fields=["scheduled_for", "next_attempt_at", "queued_at"])
        if send_now and message.state == Message.State.PENDING:
            # A broker out of reach is logged, not raised: the row stays pending and
            # the dispatcher hands it out at its next beat once the broker is back.
            transaction.on_commit(lambda: send_messages.delay([message.pk]), robust=True)
    return message


def message_cancel(*, subject: models.Model, kinds: list[str] | None = None) -> int:
    pending = Message.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        state=Message.State.PENDING,
    )
    if kinds is not None:
        pending = pending.filter(kind__in=kinds)
    return pending.update(state=Message.State.CANCELLED)


def hand_out_due(*, now: datetime.datetime | None = None, limit: int = 5000) -> list[int]:
    """Ids of due pending messages, stamped as handed out (the lease starts).
    Interrupted hand-offs are recorded first (`claims_expire`)."""
    now = now or timezone.now()
    claims_expire(now=now)
    due = models.Q(state=Message.State.PENDING, next_attempt_at__lte=now) & (
        models.Q(queued_at__isnull=True) | models.Q(queued_at__lt=now - LEASE)
    )
    with transaction.atomic():
        ids = list(Message.objects.filter(due).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
        # The same condition again: two overlapping dispatchers never hand out a row twice.
        Message.objects.filter(due, pk__in=ids).update(queued_at=now)
    return ids


def hand_back(message_ids: list[int]) -> int:
    """Rows handed out that never reached a worker (the broker was out of reach):
    due again at the next beat instead of after the lease."""
    return Message.objects.filter(pk__in=message_ids, state=Message.State.PENDING).update(queued_at=None)


INTERRUPTED = "envoi interrompu : le message est peut-être parti, peut-être pas"


def claims_expire(*, now: datetime.datetime | None = None) -> int:
    """Messages claimed for sending whose lease ran out: the worker died between
    handing them to the transport and recording the result, so nobody knows
    whether they left. E-mail (and SMS through a provider that may deliver a
    second copy) becomes « envoi incertain » for staff to decide; SMS through a
    provider that refuses a repeated reference is queued again with it."""
    now = now or timezone.now()
    lost = Message.objects.filter(state=Message.State.SENDING, sending_until__lt=now)
    back = 0
    if sms.resend_is_harmless():
        back = lost.filter(channel=Message.Channel.SMS).update(
            state=Message.State.PENDING,
            sending_until=None,
            queued_at=None,
            next_attempt_at=now,
            last_error="envoi interrompu : renvoyé avec la même référence (le fournisseur refuse un doublon)",
        )
    uncertain = lost.update(state=Message.State.UNCERTAIN, last_error=INTERRUPTED)
    if back or uncertain:
        logger.warning("interrupted hand-offs: %s uncertain, %s SMS queued again", uncertain, back)
    return back + uncertain


def message_resend(*, message: Message, by: User | None) -> Message:
    """Staff's decision on an « envoi incertain »: send it again (with the same
    Message-ID or SMS reference, so a copy that did leave can be recognised)."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.state != Message.State.UNCERTAIN:
            raise ValidationError("Ce message n'est pas en envoi incertain : il n'y a rien à renvoyer.")
        now = timezone.now()
        message.state = Message.State.PENDING
        message.next_attempt_at = now
        message.queued_at = None
        message.sending_until = None
        message.last_error = f"renvoi demandé par {by}" if by else "renvoi demandé"
        message.save(update_fields=["state", "next_attempt_at", "queued_at", "sending_until", "last_error"])
        transaction.on_commit(lambda: send_messages.delay([message.pk]), robust=True)
    return message


def message_send(message_id: int, *, now: datetime.datetime | None = None) -> str:
    """Send one message if it is still pending. Returns what happened."""
    now = now or timezone.now()
    # 1. Claim it, in a short transaction committed before anything leaves.
    with transaction.atomic():
        message = Message.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        if message is None or message.state != Message.State.PENDING:
            return "skipped"  # gone, being claimed by another worker, claimed or done
        if not _still_consented(message):
            message.state = Message.State.CANCELLED
            message.last_error = "consentement retiré pour ce canal"
            message.save(update_fields=["state", "last_error"])
            return "cancelled"
        render = _renderers.get(message.kind.split("-", 1)[0])
        rendered = render(message) if render else None
        if rendered is None:
            message.state = Message.State.CANCELLED
            message.last_error = "" if render else f"aucun modèle pour « {message.kind} »"
            message.save(update_fields=["state", "last_error"])
            return "cancelled"
        message.attempts += 1
        message.state = Message.State.SENDING
        message.sending_until = now + SEND_LEASE
        message.save(update_fields=["attempts", "state", "sending_until"])
    # 2. The hand-off: no row lock and no transaction open across network I/O.
    # A kill from here until step 3 commits leaves the row « en cours d'envoi »,
    # which claims_expire records as « envoi incertain » once the lease is over.
    claimed = Message.objects.filter(pk=message.pk, state__in=(Message.State.SENDING, Message.State.UNCERTAIN))
    try:
        _transport(message, rendered)
    except PERMANENT as exc:
        claimed.update(state=Message.State.FAILED, sending_until=None, last_error=str(exc)[:500])
        logger.warning("message %s refused: %s", message.pk, exc)
        return "failed"
    except RETRYABLE as exc:
        # The transport said it did not take the message: try again later.
        error = f"{type(exc).__name__}: {exc}"[:500]
        if message.attempts >= MAX_ATTEMPTS:
            claimed.update(state=Message.State.FAILED, sending_until=None, queued_at=None, last_error=error)
        else:
            # Backoff: 1, 2, 4, 8, 16 minutes.
            claimed.update(
                state=Message.State.PENDING,
                sending_until=None,
                queued_at=None,
                last_error=error,
                next_attempt_at=now + datetime.timedelta(minutes=2 ** (message.attempts - 1)),
            )
        logger.warning("message %s not sent (attempt %s): %s", message.pk, message.attempts, exc)
        return "failed" if message.attempts >= MAX_ATTEMPTS else "retry"
    # 3. Sent (also when a slow hand-off outlived its lease and was recorded uncertain).
    claimed.update(state=Message.State.SENT, sent_at=now, sending_until=None, last_error="")
    return "sent"


def _still_consented(message: Message) -> bool:
    """A relais may withdraw a consent between scheduling and sending."""
    if message.recipient_relais_id is None:
        return True
    return Consent.objects.filter(
        relais_id=message.recipient_relais_id, scope=message.channel, withdrawn_on=None
    ).exists()


def _transport(message: Message, rendered: Rendered) -> None:
    if message.channel == Message.Channel.SMS:
        # One alphabet for every SMS: 160 characters a part, not 70 (core/sms.py).
        sms.get_backend().send(to=message.address, text=sms.gsm7(rendered.body), key=f"tdu-message-{message.pk}")
        return
    email = EmailMessage(
        subject=rendered.subject,
        body=rendered.body,
        to=[message.address],
        # A stable id: an idempotent transport (or the recipient's mail client)
        # recognises the same message delivered twice.
        headers={"Message-ID": f"<tdu-message-{message.pk}@{settings.MESSAGE_ID_DOMAIN}>"},
    )
    for name, content, mimetype in rendered.attachments:
        email.attach(name, content, mimetype)
    email.send()


def render_email(template: str, context: dict) -> tuple[str, str]:
    """(subject, body) from templates/emails/<template>.txt: its first line is the subject."""
    text = render_to_string(f"emails/{template}.txt", context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.lstrip("\n")


# Tasks.

BATCH = 25
# Rows handed out per round of one beat. A beat hands out round after round
# while more is due (a whole network's J-1 reminders at the same minute: 50,000
# rows are out in one beat, not in ten), up to ROUNDS rounds; what is left
# waits for the next beat.
ROUND = 5000
ROUNDS = 40


def dispatch(*, now=None, queue: str | None = None) -> int:
    """Hand the due outbox rows to the workers, in batches of BATCH: every due
    row in one beat (up to ROUND × ROUNDS), as many batches as it takes."""
    handed = 0
    for _ in range(ROUNDS):
        ids = hand_out_due(now=now, limit=ROUND)
        for start in range(0, len(ids), BATCH):
            try:
                send_messages.apply_async((ids[start : start + BATCH],), queue=queue)
            except Exception:
                hand_back(ids[start:])
                raise
        handed += len(ids)
        if len(ids) < ROUND:
            break
    return handed


@shared_task
def dispatch_messages() -> int:
    """Beat, every minute."""
    return dispatch()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_messages(message_ids: list[int]) -> None:
    # Late acknowledgement: a worker killed mid-batch leaves the task to be
    # delivered again; rows already sent are skipped by message_send.
    with batch(message_ids):
        for message_id in message_ids:
            message_send(message_id)
