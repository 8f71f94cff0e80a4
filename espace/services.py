"""Writes of the relais' space: named, keyword-only, one transaction each."""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from core.idempotency import claim_key, save_once
from core.models import Organisation, User
from espace.models import Activity, Guide
from relais.models import Relais


def activity_log(
    *,
    relais: Relais,
    kind: str,
    date: datetime.date,
    households: int,
    theme: str,
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
