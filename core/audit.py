"""The audit trail: who viewed, exported, changed or deleted personal data.

Changes are recorded by construction: every save or delete of a model an app
registered as `tracked` personal data (core/personal_data.py) during a request
is written down with the request's user. Views add what a signal cannot see (a
page consulted, a file exported). Work done by the platform itself (imports from
the command line, the retention task) records its own events explicitly, without
a user.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.db.models.signals import post_delete, post_save

from core import personal_data
from core.models import AuditEvent, Organisation

_request: ContextVar = ContextVar("audit_request", default=None)


def _person_model():
    """The relais model, as the journal's rows know it (core never imports the relais app)."""
    return AuditEvent._meta.get_field("relais").related_model


def _relais_id(obj) -> int:
    return obj.pk if isinstance(obj, _person_model()) else obj.relais_id


class AuditMiddleware:
    """Lets the signals know who is acting during a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def _acting_user():
    request = _request.get()
    if request is None:
        return None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record(action: str, obj, *, user=None, relais_id: int | None = None, organisation_id: int | None = None) -> None:
    Relais = _person_model()
    if relais_id is None and isinstance(obj, Relais):
        relais_id = obj.pk
    if organisation_id is None:
        organisation_id = getattr(obj, "organisation_id", None)
        if organisation_id is None:
            organisation_id = Relais.objects.filter(pk=relais_id).values_list("organisation_id", flat=True).first()
    if organisation_id is None:
        return
    AuditEvent.objects.create(
        organisation_id=organisation_id,
        user=user,
        action=action,
        model=obj._meta.model_name,
        object_id=obj.pk,
        relais_id=relais_id,
    )


def _on_save(sender, instance, created, raw=False, **kwargs):
    user = _acting_user()
    if user is None or raw:
        return
    action = AuditEvent.Action.CREATION if created else AuditEvent.Action.MODIFICATION
    record(action, instance, user=user, relais_id=_relais_id(instance))


def _on_delete(sender, instance, **kwargs):
    Relais = _person_model()
    user = _acting_user()
    if user is None:
        return
    relais_id = _relais_id(instance)
    # The relais' organisation while it is still there; the row's own when the relais itself goes.
    organisation_id = Relais.objects.filter(pk=relais_id).values_list("organisation_id", flat=True).first()
    still_there = organisation_id is not None
    organisation_id = organisation_id or getattr(instance, "organisation_id", None)
    if organisation_id is None or not Organisation.objects.filter(pk=organisation_id).exists():
        return  # the whole organisation is being deleted
    record(
        AuditEvent.Action.SUPPRESSION,
        instance,
        user=user,
        relais_id=relais_id if still_there else None,
        organisation_id=organisation_id,
    )


def connect_signals() -> None:
    for model in personal_data.tracked_models():
        post_save.connect(_on_save, sender=model, dispatch_uid=f"audit-save-{model._meta.label}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"audit-delete-{model._meta.label}")
