"""What the messages about meetings say: the outbox renderers of the
convocation, the reminders (rappel-j7…), a change, a cancellation, the
published minutes and an action's reminders.

Rendered when sent, so that a reminder shows the meeting as it is then.
Registered on import, from ReunionsConfig.ready().
"""

from __future__ import annotations

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import formats

from core import outbox
from core.models import Message
from reunions.ics import reunion_ics
from reunions.models import ActionItem, Invitee, Reunion
from reunions.services.invitations import rsvp_short_url, rsvp_url
from reunions.services.minutes import minutes_url
from reunions.wording import meeting_sms, when_text


def _invitee_pk(message: Message, reunion: Reunion) -> int | None:
    """The recipient's invitee id. In a worker's batch, one query finds those of
    every message of the batch about this meeting."""

    def of_batch() -> dict[tuple, int]:
        recipients = Message.objects.filter(
            pk__in=outbox.batch_ids(), subject_type=message.subject_type_id, subject_id=reunion.pk
        ).values_list("recipient_relais_id", "recipient_user_id")
        relais_ids = [r for r, _ in recipients if r]
        user_ids = [u for _, u in recipients if u]
        rows = Invitee.objects.filter(
            Q(relais_id__in=relais_ids) | Q(user_id__in=user_ids), reunion=reunion
        ).values_list("relais_id", "user_id", "pk")
        return {(r, u): pk for r, u, pk in rows}

    key = (message.recipient_relais_id, message.recipient_user_id)
    found = outbox.memo(("invitees", reunion.pk), of_batch).get(key) if outbox.batch_ids() else None
    if found is None:  # outside a batch, or not invited (any more)
        found = (
            Invitee.objects.filter(reunion=reunion, relais_id=key[0], user_id=key[1])
            .values_list("pk", flat=True)
            .first()
        )
    return found


def _rendered(template: str, context: dict, attachments=()) -> outbox.Rendered:
    subject, _, body = render_to_string(template, context).strip().partition("\n")
    return outbox.Rendered(subject=subject.strip(), body=body.strip() + "\n", attachments=list(attachments))


def _reunion_and_ics(pk: int) -> tuple[Reunion | None, bytes]:
    reunion = Reunion.objects.select_related("organisation", "residence").filter(pk=pk).first()
    if reunion is None:
        return None, b""
    return reunion, reunion_ics(reunion, method="CANCEL" if reunion.status == Reunion.Status.ANNULEE else "REQUEST")


def _render_meeting(message: Message) -> outbox.Rendered | None:
    """Convocation, reminders (rappel-j7…), change, cancellation."""
    kind, _, detail = message.kind.partition("-")
    reunion, ics = outbox.memo(("reunion", message.subject_id), lambda: _reunion_and_ics(message.subject_id))
    if reunion is None:
        return None
    cancelled = reunion.status == Reunion.Status.ANNULEE
    if cancelled != (kind == "annulation"):
        return None  # a reminder of a cancelled meeting, or a stale cancellation
    invitee = _invitee_pk(message, reunion)
    if invitee is None:
        return None
    sms = message.channel == Message.Channel.SMS
    if sms:
        link = rsvp_short_url(invitee) if not cancelled else ""
        days = int(detail[1:]) if kind == "rappel" else None
        return outbox.Rendered(subject=reunion.title, body=meeting_sms(kind, reunion, link, days=days))
    context = {
        "kind": kind,
        "days": int(detail[1:]) if kind == "rappel" else None,
        "reunion": reunion,
        "when": when_text(reunion),
        "rsvp": rsvp_url(invitee) if not cancelled else "",
        "sms": sms,
    }
    return _rendered("emails/reunion.txt", context, [] if sms else [("reunion.ics", ics, "text/calendar")])


def _render_minutes(message: Message) -> outbox.Rendered | None:
    reunion = Reunion.objects.select_related("organisation").filter(pk=message.subject_id).first()
    if reunion is None or reunion.minutes_published_at is None:
        return None
    invitee = _invitee_pk(message, reunion)
    if invitee is None:
        return None
    url = minutes_url(invitee)
    return _rendered("emails/compte_rendu.txt", {"reunion": reunion, "when": when_text(reunion), "url": url})


def _render_action(message: Message) -> outbox.Rendered | None:
    action = (
        ActionItem.objects.select_related("reunion__organisation")
        .filter(pk=message.subject_id, status=ActionItem.Status.OUVERTE)
        .first()
    )
    if action is None:
        return None  # done or abandoned since: nothing to remind
    return _rendered(
        "emails/action.txt",
        {
            "action": action,
            "late": message.kind.endswith("retard"),
            "due": formats.date_format(action.due_on, "l j F Y"),
            "organisation": action.reunion.organisation,
        },
    )


for _kind in ("convocation", "rappel", "modification", "annulation"):
    outbox.renderer(_kind)(_render_meeting)
outbox.renderer("compte_rendu")(_render_minutes)
outbox.renderer("action")(_render_action)
