"""Reads for the platform's own pages, scoped to the user asking."""

from __future__ import annotations

from django.db import models
from django.db.models import Count


def labels(user, *, model: type[models.Model], used_by: str) -> models.QuerySet:
    """An organisation's labels (remontée themes, initiative kinds), each with the
    number of rows that use it."""
    return model.objects.for_user(user).annotate(used=Count(used_by))
