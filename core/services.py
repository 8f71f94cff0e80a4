"""Writes of the platform's own rows: named, keyword-only, one transaction each."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction

from core.models import Organisation


def label_create(*, model: type[models.Model], organisation: Organisation, name: str) -> models.Model:
    """A new label (remontée theme, initiative kind) at the end of the organisation's list."""
    name = name.strip()
    with transaction.atomic():
        labels = model.objects.select_for_update().filter(organisation=organisation)
        if labels.filter(name__iexact=name).exists():
            raise ValidationError({"name": "Cet intitulé existe déjà."})
        return model.objects.create(organisation=organisation, name=name, position=labels.count())


def label_toggle(*, label: models.Model) -> models.Model:
    """Propose a label again, or stop proposing it (the rows that use it keep it)."""
    with transaction.atomic():
        label = type(label).objects.select_for_update().get(pk=label.pk)
        label.is_active = not label.is_active
        label.save(update_fields=["is_active"])
    return label
