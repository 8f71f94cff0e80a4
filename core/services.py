"""Writes of the platform's own rows: named, keyword-only, one transaction each."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from core.models import Organisation, SensitiveFlag, User
from core.sensitive import Found


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


def sensitive_flag(
    *, obj: models.Model, found: Found | None, by: User | None, fields: dict[str, str] | None = None
) -> list[SensitiveFlag]:
    """List a text saved although it seemed sensitive (core/sensitive.py), for staff
    to review. Called by the service that saved `obj`, inside its transaction.
    `found`: the form's `sensitive_found`; `fields` maps a form field to the model
    field it was saved in, when they differ."""
    if not found:
        return []
    content_type = ContentType.objects.get_for_model(obj)
    with transaction.atomic():
        return [
            SensitiveFlag.objects.create(
                organisation_id=_organisation_id(obj),
                content_type=content_type,
                object_id=obj.pk,
                field=(fields or {}).get(name, name),
                categories=", ".join(categories)[:200],
                flagged_by=by if by is not None and by.is_authenticated else None,
            )
            for name, categories in found.items()
        ]


def _organisation_id(obj: models.Model) -> int:
    if getattr(obj, "organisation_id", None):
        return obj.organisation_id
    for path in ("relais", "reunion", "remontee", "initiative"):
        related = getattr(obj, path, None)
        if related is not None and getattr(related, "organisation_id", None):
            return related.organisation_id
    raise ValueError(f"no organisation for {obj!r}")
