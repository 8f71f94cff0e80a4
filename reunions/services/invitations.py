"""Invitations to a meeting: who is invited, their convocation and reminders
(outbox rows, rendered when sent: a reminder shows the meeting as it is then),
their answer by a signed link, and attendance on the day."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

from core import networks, outbox
from core.models import Message, User
from relais.models import Relais
from reunions.models import Invitee, Reunion
from reunions.selectors import reminder_days

RSVP_SALT = "reunions.rsvp"


def people_invited(reunion: Reunion) -> list[Relais | User]:
    invitees = Invitee.objects.filter(reunion=reunion, invited=True).select_related("relais", "user")
    return [i.person for i in invitees]


def people_tell(reunion: Reunion, people: list[Relais | User], *, kind: str, by: User | None) -> None:
    """Send each person one message about the meeting now (after the commit)."""
    for person in people:
        outbox.message_schedule(
            organisation_id=reunion.organisation_id, recipient=person, subject=reunion, kind=kind, by=by, send_now=True
        )


def reminders_schedule(reunion: Reunion, people: list[Relais | User], now: datetime.datetime) -> None:
    """Each person's reminders before the meeting (J-7 and J-1 unless the
    organisation chose otherwise); those no longer due are cancelled."""
    wanted = {
        f"rappel-j{days}": when
        for days in reminder_days(reunion.organisation_id)
        if (when := reunion.starts_at - datetime.timedelta(days=days)) > now
    }
    for kind, when in wanted.items():
        for person in people:
            outbox.message_schedule(
                organisation_id=reunion.organisation_id, recipient=person, subject=reunion, kind=kind, when=when
            )
    # Reminders whose time has passed (the meeting was moved closer) or whose
    # offset is no longer chosen are not sent.
    pending = set(
        Message.objects.filter(
            subject_type=ContentType.objects.get_for_model(Reunion),
            subject_id=reunion.pk,
            kind__startswith="rappel-",
            state=Message.State.PENDING,
        ).values_list("kind", flat=True)
    )
    if stale := sorted(pending - wanted.keys()):
        outbox.message_cancel(subject=reunion, kinds=stale)


def invitations_send(
    *, reunion: Reunion, by: User | None, relais: Iterable[Relais] = (), users: Iterable[User] = ()
) -> int:
    """Invite people (once each) and schedule their convocation and reminders."""
    relais, users = list(relais), list(users)
    if reunion.status != Reunion.Status.PREVUE:
        raise ValidationError("On n'invite qu'à une réunion prévue.")
    if reunion.is_over():
        raise ValidationError("Cette réunion est passée : notez plutôt qui est venu.")
    if not relais and not users:
        raise ValidationError("Choisissez au moins une personne à inviter.")
    # A network's meeting invites guests from its members (core.networks).
    allowed = {reunion.organisation_id, *networks.member_ids(reunion.organisation_id)}
    if any(r.organisation_id not in allowed for r in relais):
        raise ValidationError("Un relais choisi n'appartient pas à votre organisation.")
    now = timezone.now()
    with transaction.atomic():
        already = set(Invitee.objects.filter(reunion=reunion).values_list("relais_id", "user_id"))
        new = [Invitee(reunion=reunion, relais=r) for r in relais if (r.pk, None) not in already]
        new += [Invitee(reunion=reunion, user=u) for u in users if (None, u.pk) not in already]
        Invitee.objects.bulk_create(new)
        people = [i.person for i in new]
        people_tell(reunion, people, kind="convocation", by=by)
        reminders_schedule(reunion, people, now)
    return len(new)


# Answers and attendance


def rsvp_token(invitee: Invitee | int) -> str:
    return signing.dumps(getattr(invitee, "pk", invitee), salt=RSVP_SALT)


def rsvp_url(invitee: Invitee | int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("reunions:rsvp", kwargs={"token": rsvp_token(invitee)})


# The link an SMS carries must be short (an SMS is 160 characters): the
# invitee's id and 8 characters of an HMAC of it, /r/3f-Ab1cD2eF. Nothing is
# stored: deleting the invitation (or its meeting) kills the link, as it does
# the long one.
SHORT_SALT = "reunions.rsvp.short"


def _short_signature(pk: int) -> str:
    digest = salted_hmac(SHORT_SALT, str(pk)).digest()
    return base64.urlsafe_b64encode(digest[:6]).decode()


def rsvp_short_code(invitee: Invitee | int) -> str:
    pk = getattr(invitee, "pk", invitee)
    return f"{int_to_base36(pk)}{_short_signature(pk)}"


def rsvp_short_url(invitee: Invitee | int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("rsvp_short", kwargs={"rsvp_code": rsvp_short_code(invitee)})


def rsvp_token_from_short(code: str) -> str | None:
    """The long answer token a short code stands for, or None (forged or mistyped)."""
    head, signature = code[:-8], code[-8:]
    try:
        pk = base36_to_int(head) if head else None
    except ValueError:
        return None
    if pk is None or not constant_time_compare(signature, _short_signature(pk)):
        return None
    return rsvp_token(pk)


def invitee_from_token(token: str) -> Invitee:
    """The invitee a link was made for; ValidationError (in French) when the link
    was forged, altered, or the meeting is over."""
    try:
        pk = signing.loads(token, salt=RSVP_SALT)
    except signing.BadSignature:
        raise ValidationError("Ce lien n'est pas valide : il a peut-être été mal copié.") from None
    invitee = Invitee.objects.select_related("reunion__organisation", "relais", "user").filter(pk=pk).first()
    if invitee is None:
        raise ValidationError("Cette invitation n'existe plus.")
    if invitee.reunion.ends_at <= timezone.now():
        raise ValidationError("Cette réunion est passée : le lien de réponse a expiré.")
    return invitee


def answer_set(*, invitee: Invitee, answer: str) -> Invitee:
    if answer not in (Invitee.Answer.PRESENT, Invitee.Answer.ABSENT, Invitee.Answer.PEUT_ETRE):
        raise ValidationError("Répondez présent, absent ou peut-être.")
    if invitee.reunion.status == Reunion.Status.ANNULEE:
        raise ValidationError("Cette réunion est annulée.")
    invitee.answer = answer
    invitee.answered_at = timezone.now()
    invitee.save(update_fields=["answer", "answered_at"])
    return invitee


def _attendance_open(reunion: Reunion) -> None:
    if not reunion.attendance_open():
        day = formats.date_format(timezone.localtime(reunion.starts_at), "j F Y")
        raise ValidationError(f"Les présences se notent à partir du jour de la réunion, le {day}.")


def attendance_set(*, invitee: Invitee, attended: bool) -> Invitee:
    _attendance_open(invitee.reunion)
    invitee.attended = attended
    if not attended:
        invitee.minutes = None  # no time given to a meeting missed (engagement/)
    invitee.save(update_fields=["attended", "minutes"])
    return invitee


def participant_add(*, reunion: Reunion, relais: Relais | None = None, user: User | None = None) -> Invitee:
    """Someone who came without an invitation, ticked present on the day."""
    if (relais is None) == (user is None):
        raise ValidationError("Choisissez la personne présente.")
    if relais is not None and relais.organisation_id != reunion.organisation_id:
        raise ValidationError("Ce relais n'appartient pas à votre organisation.")
    _attendance_open(reunion)
    with transaction.atomic():
        invitee, _ = Invitee.objects.get_or_create(
            reunion=reunion, relais=relais, user=user, defaults={"invited": False, "attended": True}
        )
        if not invitee.attended:
            attendance_set(invitee=invitee, attended=True)
    return invitee


def attendance_minutes_set(*, reunion: Reunion, minutes: dict[int, int | None]) -> int:
    """The time each relais present gave (engagement/): None for the meeting's
    duration. Only the relais ticked present are changed; returns how many."""
    with transaction.atomic():
        present = {
            i.pk: i
            for i in Invitee.objects.select_for_update().filter(
                reunion=reunion, relais__isnull=False, attended=True, pk__in=list(minutes)
            )
        }
        changed = []
        for pk, value in minutes.items():
            invitee = present.get(pk)
            if invitee is not None and invitee.minutes != value:
                invitee.minutes = value
                changed.append(invitee)
        Invitee.objects.bulk_update(changed, ["minutes"])
    return len(changed)
