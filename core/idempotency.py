"""Forms sent twice make one row: a key made by the phone's form, stored under a
unique constraint (`client_key`) on the rows it creates.

    existing, key = claim_key(Model, key, sender=lambda row: ...)
    if existing: return existing
    ... build `row` with client_key=key, then:
    return save_once(row)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db import IntegrityError, models, transaction


def claim_key(model: type[models.Model], key: uuid.UUID | None, *, sender: Callable[[models.Model], bool]):
    """The row this key already made for the same sender, or None with the key to
    use: someone else's key (a copied page) is replaced, never honoured."""
    if key is None:
        return None, None
    existing = model._default_manager.filter(client_key=key).first()
    if existing is None:
        return None, key
    if sender(existing):
        return existing, key
    return None, uuid.uuid4()


def save_once(row: models.Model, *, on_duplicate: Callable[[], None] = lambda: None) -> models.Model:
    """Save; if the same key was saved an instant earlier (two requests racing), the
    first row is the answer and `on_duplicate` cleans what this one prepared."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if row.client_key is None:
            raise
        on_duplicate()
        return type(row)._default_manager.get(client_key=row.client_key)
    return row
