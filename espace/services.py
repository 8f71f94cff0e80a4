from __future__ import annotations

import datetime
import uuid

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
    guide, _ = Guide.objects.get_or_create(organisation=organisation)
    for name, value in fields.items():
        setattr(guide, name, value.strip() if isinstance(value, str) else value)
    guide.updated_by = by
    guide.save()
    return guide
