from __future__ import annotations

import datetime
import uuid

from django.db import IntegrityError, transaction

from espace.models import Activity, Guide
from relais.models import Organisation, Relais, User


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
    if client_key is not None:
        existing = Activity.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.relais_id == relais.pk:
                return existing
            client_key = uuid.uuid4()  # someone else's key: this is another activity
    activity = Activity(
        organisation_id=relais.organisation_id,
        relais=relais,
        kind=kind,
        date=date,
        households=households,
        theme=theme,
        client_key=client_key,
    )
    try:
        with transaction.atomic():
            activity.save()
    except IntegrityError:
        if client_key is None:
            raise
        return Activity.objects.get(client_key=client_key)
    return activity


def guide_save(*, organisation: Organisation, by: User, **fields) -> Guide:
    guide, _ = Guide.objects.get_or_create(organisation=organisation)
    for name, value in fields.items():
        setattr(guide, name, value.strip() if isinstance(value, str) else value)
    guide.updated_by = by
    guide.save()
    return guide
