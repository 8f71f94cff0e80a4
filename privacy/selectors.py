"""Reads for the personal-data pages, scoped to the user asking; and what the
organisation holds about one person (the export), as every app registered it."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from core import personal_data
from core.models import AuditEvent, Consent, Organisation, SensitiveFlag
from privacy.models import RightsRequest
from privacy.services import anonymisation_day, leavers, months_before
from relais.models import Relais


def person_data(relais: Relais) -> dict:
    """What the organisation holds about one relais, in the words of the pages:
    the sections every app registered (core/personal_data.py), in their order."""
    data: dict = {
        "export": {
            "organisation": relais.organisation.name,
            "date": timezone.localdate().isoformat(),
            "reference": relais.pk,
        },
    }
    for part in personal_data.parts():
        if part.export is not None:
            data.update(part.export(relais))
    data["demandes d'exercice des droits"] = [
        {
            "demande": r.get_kind_display(),
            "reçue le": personal_data.day(r.received_on),
            "traitée le": personal_data.day(r.handled_on),
        }
        for r in RightsRequest.objects.filter(relais=relais)
    ]
    return data


def upcoming_anonymisations(user, *, months: int, today: datetime.date, within_days: int = 90) -> list:
    """What the retention task will do next among the relais this user may see:
    each person, why (« sorti·e le … », or an app's own rule), since when, and
    the day they go. One query, plus one per app that has a rule of its own."""
    horizon = months_before(today + datetime.timedelta(days=within_days), months)
    rows = [
        (r, "sorti·e le", r.left_on)
        for r in leavers(Relais.objects.for_user(user)).filter(left_on__lt=horizon).order_by("left_on", "pk")
    ]
    for part in personal_data.parts():
        if part.expired is not None:
            rows += [(r, r.kept_why, r.kept_since) for r in part.expired(Relais.objects.for_user(user), horizon)]
    rows.sort(key=lambda row: (row[2], row[0].pk))
    return [(r, why, since, anonymisation_day(since, months)) for r, why, since in rows]


def overview(user, organisation: Organisation, *, today: datetime.date) -> dict:
    """The personal-data page: who is anonymised soon, the requests of the
    register, how many texts wait for review."""
    requests = RightsRequest.objects.for_user(user)
    return {
        "upcoming": upcoming_anonymisations(user, months=organisation.retention_months, today=today),
        "pending": requests.filter(handled_on=None).select_related("relais"),
        "handled": requests.exclude(handled_on=None)[:10],
        "flags": SensitiveFlag.objects.for_user(user).filter(reviewed_at=None).count(),
    }


def consent_history(relais: Relais) -> QuerySet[Consent]:
    """Every consent of a relais (already read through its door), newest first, with who recorded it."""
    return relais.consents.select_related("recorded_by", "withdrawn_by").order_by("-given_on", "-pk")


def rights_requests(user, relais: Relais) -> QuerySet[RightsRequest]:
    return RightsRequest.objects.for_user(user).filter(relais=relais)


def erasure_pending(relais: Relais) -> bool:
    """Whether the relais asked to be erased and the team has not done it yet."""
    return RightsRequest.objects.filter(relais=relais, kind=RightsRequest.Kind.EFFACEMENT, handled_on=None).exists()


def unreviewed_flags(user) -> QuerySet[SensitiveFlag]:
    return SensitiveFlag.objects.for_user(user).filter(reviewed_at=None).select_related("flagged_by", "content_type")


def flagged_texts(flags) -> list[dict]:
    """Each flag of a page with the row it points at and the text flagged: one
    query per kind of row, whatever the number of flags."""
    objects: dict = {}
    for flag in flags:
        objects.setdefault(flag.content_type_id, set()).add(flag.object_id)
    loaded = {}
    for type_id, ids in objects.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        loaded[type_id] = model._base_manager.in_bulk(ids)
    items = []
    for flag in flags:
        obj = loaded.get(flag.content_type_id, {}).get(flag.object_id)
        items.append({"flag": flag, "obj": obj, "text": getattr(obj, flag.field, "") if obj else ""})
    return items


def journal(user, *, action: str = "") -> QuerySet[AuditEvent]:
    """The access journal, newest first; `action`: only events of this kind."""
    events = AuditEvent.objects.for_user(user).select_related("user", "relais")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    return events
