"""The registry of personal data: each app says what it holds about a relais.

An app registers one `Part` from its `AppConfig.ready()`:

- `labels`: what the access journal and the review page call its rows, in French;
- `tracked`: models whose every save and delete during a request is written in
  the access journal (core/audit.py);
- `texts`: free texts of the organisation where a person's name may be quoted,
  scrubbed when that person is erased or anonymised;
- `export`: the sections of a person's data export (« droit d'accès »);
- `erase`: what else goes when a person is anonymised (notes, own texts…);
- `retention`: the chores of the nightly retention task for one organisation;
- `expired`: people, beyond leavers, whose data this app's rule keeps no longer:
  the nightly task anonymises them, the personal-data page lists who is next.

`privacy` runs what is registered and imports no app that registers here; an app
added later joins the export, the erasure and the retention by registering.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from core.models import Consent, Message


@dataclass(frozen=True)
class Texts:
    """Free texts of one model: `org_path` leads from a row to its organisation's id."""

    model: type[models.Model]
    org_path: str
    fields: tuple[str, ...]


# export(relais) -> {section title: rows}
Exporter = Callable[[Any], dict[str, Any]]
# erase(relais, own_traces) -> None: inside the anonymisation's transaction
Eraser = Callable[[Any, "re.Pattern | None"], None]
# retention(organisation, limit) -> {what: how many rows}: rows older than `limit` lose their text
Retainer = Callable[[Any, datetime.date], dict[str, int]]
# expired(relais queryset, limit) -> the same relais, narrowed to those whose retention time
# counts from a day before `limit`, each annotated with that day as `kept_since`
# (and `kept_why`, what the staff's list says of it)
Expirer = Callable[[models.QuerySet, datetime.date], models.QuerySet]


@dataclass(frozen=True)
class Part:
    app: str
    # Where its sections come in an export: the person first (relais), then their
    # login and consents (core), then the rest in the order the apps are installed.
    position: int = 100
    labels: dict[str, str] = field(default_factory=dict)
    tracked: tuple[type[models.Model], ...] = ()
    texts: tuple[Texts, ...] = ()
    export: Exporter | None = None
    erase: Eraser | None = None
    retention: Retainer | None = None
    expired: Expirer | None = None


_parts: dict[str, Part] = {}


def register(part: Part) -> None:
    """Called once per app from `AppConfig.ready()`; registering again replaces."""
    _parts[part.app] = part


def parts() -> list[Part]:
    return sorted(_parts.values(), key=lambda part: part.position)


def label(model_name: str, default: str | None = None) -> str:
    for part in _parts.values():
        if model_name in part.labels:
            return part.labels[model_name]
    return default if default is not None else model_name


def tracked_models() -> tuple[type[models.Model], ...]:
    return tuple(model for part in _parts.values() for model in part.tracked)


def texts() -> list[Texts]:
    return [texts for part in _parts.values() for texts in part.texts]


REMOVED = "[…]"


def scrub(text: str, traces: re.Pattern | None) -> str:
    """`text` with every trace of a person replaced by « […] »."""
    return traces.sub(REMOVED, text) if text and traces is not None else text


def day(value) -> str | None:
    """A date as exports write it."""
    return value.isoformat() if value else None


# The platform's own part: the login, the consents, the messages sent.


def _export(relais) -> dict:
    user = relais.user if relais.user_id else None
    return {
        "compte": {
            "e-mail de connexion": user.email,
            "prénom": user.first_name,
            "nom": user.last_name,
            "créé le": user.date_joined.isoformat(),
            "dernière connexion": user.last_login.isoformat() if user.last_login else None,
        }
        if user is not None
        else None,
        "consentements": [
            {"objet": c.get_scope_display(), "donné le": day(c.given_on), "retiré le": day(c.withdrawn_on)}
            for c in Consent.objects.filter(relais=relais)
        ],
        "messages envoyés": [
            {
                "date": m.scheduled_for.isoformat(),
                "canal": m.get_channel_display(),
                "adresse": m.address,
                "état": m.get_state_display(),
            }
            for m in Message.objects.filter(recipient_relais=relais).order_by("scheduled_for", "pk")
        ],
    }


def _erase(relais, own) -> None:
    Message.objects.filter(recipient_relais=relais).delete()
    Consent.objects.filter(relais=relais, withdrawn_on=None).update(withdrawn_on=timezone.localdate())


def core_part() -> Part:
    return Part(
        app="core",
        position=20,
        labels={"consent": "consentement"},
        tracked=(Consent,),
        export=_export,
        erase=_erase,
    )
