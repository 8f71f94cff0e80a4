"""What engagement reads from the apps above it: the activity the relais log
from their phones lives in espace/, which may import engagement and not the
reverse. espace registers its model here (its AppConfig.ready()), so that the
hours and the « no activity » rule read it without an import against the layers."""

from __future__ import annotations

from django.db import models

_activity: type[models.Model] | None = None


def register_activity(model: type[models.Model]) -> None:
    """The model of what relais log: `relais`, `organisation`, `date`, `minutes`, `households`."""
    global _activity
    _activity = model


def activity_model() -> type[models.Model]:
    if _activity is None:  # espace is always installed; this says so if it ever is not
        raise LookupError("No activity model registered (espace.apps.EspaceConfig.ready registers it).")
    return _activity
