"""During and after a meeting: the agenda, the minutes and the decisions, and
their publication to everyone on the list by a signed link."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.models import User
from core.sensitive import Found
from core.services import sensitive_flag
from reunions.models import AgendaItem, Decision, Invitee, Reunion
from reunions.services.invitations import people_tell

MINUTES_SALT = "reunions.minutes"


def _lines(text: str) -> list[str]:
    return [line.strip(" -•\t")[:300] for line in text.splitlines() if line.strip(" -•\t")]


def minutes_save(
    *,
    reunion: Reunion,
    agenda: str,
    minutes: str,
    decisions: str,
    by: User | None = None,
    sensitive: Found | None = None,
) -> Reunion:
    """Save the agenda (one point per line), the minutes and the decisions (one
    per line). Carried-over actions stay on the agenda whatever is typed.
    `sensitive`: what the form found in the minutes, confirmed (core/sensitive.py)."""
    if reunion.status == Reunion.Status.ANNULEE:
        raise ValidationError("Cette réunion est annulée : son compte-rendu ne peut plus changer.")
    with transaction.atomic():
        reunion.minutes = minutes.strip()
        reunion.save(update_fields=["minutes"])
        AgendaItem.objects.filter(reunion=reunion, action__isnull=True).delete()
        first = AgendaItem.objects.filter(reunion=reunion).count()
        AgendaItem.objects.bulk_create(
            AgendaItem(reunion=reunion, position=first + n, title=line) for n, line in enumerate(_lines(agenda))
        )
        Decision.objects.filter(reunion=reunion).delete()
        Decision.objects.bulk_create(
            Decision(reunion=reunion, position=n, text=line) for n, line in enumerate(_lines(decisions))
        )
        sensitive_flag(obj=reunion, found=sensitive, by=by)
    return reunion


def minutes_publish(*, reunion: Reunion, by: User | None) -> int:
    """Publish the minutes: the meeting is held, and everyone on its list gets
    the link once (publishing again after a correction sends nothing new)."""
    with transaction.atomic():
        reunion = Reunion.objects.select_for_update().get(pk=reunion.pk)
        if reunion.status == Reunion.Status.ANNULEE:
            raise ValidationError("Cette réunion est annulée.")
        if reunion.starts_at > timezone.now():
            raise ValidationError("La réunion n'a pas encore eu lieu.")
        if not reunion.minutes.strip():
            raise ValidationError("Écrivez le compte-rendu avant de le publier.")
        reunion.status = Reunion.Status.TENUE
        reunion.minutes_published_at = reunion.minutes_published_at or timezone.now()
        reunion.save(update_fields=["status", "minutes_published_at"])
        people = [
            i.person
            for i in Invitee.objects.filter(reunion=reunion)
            .filter(Q(invited=True) | Q(attended=True))
            .select_related("relais", "user")
        ]
        people_tell(reunion, people, kind="compte_rendu", by=by)
    return len(people)


def minutes_token(invitee: Invitee | int) -> str:
    return signing.dumps(getattr(invitee, "pk", invitee), salt=MINUTES_SALT)


def minutes_url(invitee: Invitee | int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "reunions:minutes_public", kwargs={"minutes_token": minutes_token(invitee)}
    )


def invitee_from_minutes_token(token: str) -> Invitee:
    try:
        pk = signing.loads(token, salt=MINUTES_SALT)
    except signing.BadSignature:
        raise ValidationError("Ce lien n'est pas valide : il a peut-être été mal copié.") from None
    invitee = Invitee.objects.select_related("reunion__organisation").filter(pk=pk).first()
    if invitee is None or invitee.reunion.minutes_published_at is None:
        raise ValidationError("Ce compte-rendu n'est pas disponible.")
    return invitee
