"""Writes of the relais' space: named, keyword-only, one transaction each."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from core import outbox
from core.idempotency import claim_key, save_once
from core.models import Organisation, User
from core.uploads import Attachment
from espace.models import Activity, Announcement, AnnouncementAttachment, AnnouncementRecipient, Guide
from espace.selectors import announcement_audience
from relais.models import Quartier, Relais, Residence
from reunions.models import ReunionSeries


def activity_log(
    *,
    relais: Relais,
    kind: str,
    date: datetime.date,
    households: int,
    theme: str,
    minutes: int | None = None,
    client_key: uuid.UUID | None = None,
) -> Activity:
    """Record what a relais did; the same form sent twice (same key) records it once."""
    existing, client_key = claim_key(Activity, client_key, sender=lambda a: a.relais_id == relais.pk)
    if existing is not None:
        return existing
    activity = Activity(
        organisation_id=relais.organisation_id,
        relais=relais,
        kind=kind,
        date=date,
        households=households,
        theme=theme,
        minutes=minutes or 0,
        client_key=client_key,
    )
    return save_once(activity)


def guide_save(*, organisation: Organisation, by: User, **fields) -> Guide:
    with transaction.atomic():
        guide, _ = Guide.objects.get_or_create(organisation=organisation)
        for name, value in fields.items():
            setattr(guide, name, value.strip() if isinstance(value, str) else value)
        guide.updated_by = by
        guide.save()
    return guide


def home_seen(*, relais: Relais, newest: datetime.datetime | None, now: datetime.datetime | None = None) -> bool:
    """The relais has seen their home: the next visit lists what comes after this
    one. When nothing has come since the moment kept (a reload, the way back after
    answering an invitation), that moment says the same and is not written again.
    `newest`: when the newest message the home listed was made. One UPDATE, or
    none; returns whether it was written."""
    if relais.home_seen_at is not None and not (newest and newest > relais.home_seen_at):
        return False
    now = now or timezone.now()
    Relais.objects.filter(pk=relais.pk).update(home_seen_at=now)
    relais.home_seen_at = now
    return True


# Announcements

NOBODY = (
    "Cette annonce ne toucherait personne : aucun relais actif ne correspond à ce choix. Choisissez un autre public."
)


def announcement_draft(
    *,
    organisation: Organisation,
    by: User,
    title: str,
    body: str,
    audience: str,
    quartier: Quartier | None = None,
    residence: Residence | None = None,
    series: ReunionSeries | None = None,
    attachments: list[Attachment] = (),
) -> Announcement:
    """Write an announcement to confirm before it is sent. One that would reach
    nobody is refused, and nothing is written."""
    target = {"quartier": quartier, "residence": residence, "series": series}
    named = {
        Announcement.Audience.QUARTIER: "quartier",
        Announcement.Audience.RESIDENCE: "residence",
        Announcement.Audience.SERIE: "series",
    }
    if audience not in Announcement.Audience.values:
        raise ValidationError({"audience": "Choisissez à qui s'adresse l'annonce."})
    if audience in named and target[named[audience]] is None:
        raise ValidationError({named[audience]: "Choisissez-le dans la liste."})
    if any(v is not None and v.organisation_id != organisation.pk for v in target.values()):
        raise ValidationError("Un élément choisi n'appartient pas à votre organisation.")
    # Only the target the audience names is kept.
    target = {k: (v if named.get(audience) == k else None) for k, v in target.items()}
    if not announcement_audience(by, audience=audience, **target).exists():
        raise ValidationError(NOBODY)
    with transaction.atomic():
        announcement = Announcement.objects.create(
            organisation=organisation,
            title=title.strip(),
            body=body.strip(),
            audience=audience,
            token=get_random_string(8),
            created_by=by,
            **target,
        )
        for attachment in attachments:
            row = AnnouncementAttachment(
                announcement=announcement, name=attachment.name, content_type=attachment.content_type
            )
            row.file.save(attachment.file.name, attachment.file, save=False)
            row.save()
    return announcement


def announcement_send(*, announcement: Announcement, by: User) -> dict[str, int]:
    """Send a confirmed announcement, once: a row per recipient, and a message in
    the outbox by each one's consented channel; those with none (or who chose
    paper) are on the printable list. Returns how many by channel."""
    with transaction.atomic():
        locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
        if locked.sent_at is not None:
            raise ValidationError("Cette annonce est déjà envoyée.")
        relais = list(
            announcement_audience(
                by,
                audience=locked.audience,
                quartier=locked.quartier,
                residence=locked.residence,
                series=locked.series,
            )
        )
        if not relais:
            raise ValidationError(NOBODY)
        rows = []
        for person in relais:
            message = outbox.message_schedule(
                organisation_id=locked.organisation_id, recipient=person, subject=locked, kind="annonce", by=by
            )
            channel = message.channel if message is not None else AnnouncementRecipient.Channel.PAPIER
            rows.append(AnnouncementRecipient(announcement=locked, relais=person, channel=channel))
        AnnouncementRecipient.objects.bulk_create(rows)
        locked.sent_at, locked.sent_by = timezone.now(), by
        locked.save(update_fields=["sent_at", "sent_by"])
    announcement.sent_at, announcement.sent_by = locked.sent_at, by
    counts = {value: 0 for value in AnnouncementRecipient.Channel.values}
    for row in rows:
        counts[row.channel] += 1
    return counts


def announcement_read(*, recipient: AnnouncementRecipient, now: datetime.datetime | None = None) -> bool:
    """The relais read it: it leaves their home. Returns whether it was unread."""
    with transaction.atomic():
        done = AnnouncementRecipient.objects.filter(pk=recipient.pk, read_at=None).update(read_at=now or timezone.now())
    return bool(done)
