"""Reads for the platform's own pages, scoped to the user asking."""

from __future__ import annotations

from django.db import models
from django.db.models import Count

from core.models import Message
from core.scoping import Access


def labels(user, *, model: type[models.Model], used_by: str) -> models.QuerySet:
    """An organisation's labels (remontée themes, initiative kinds), each with the
    number of rows that use it."""
    return model.objects.for_user(user).annotate(used=Count(used_by))


def uncertain_messages(access: Access) -> models.QuerySet[Message]:
    """Messages whose hand-off was interrupted (« envoi incertain »): they may or
    may not have left, and only staff can decide to send them again
    (`core.outbox.message_resend`). Newest first; what an inbox lists."""
    condition = Message.objects.all().scope_condition(access)
    if condition is None or not access.is_staff:
        return Message.objects.none()
    return (
        Message.objects.filter(condition, state=Message.State.UNCERTAIN)
        .select_related("recipient_relais", "recipient_user")
        .order_by("-sending_until", "-pk")
    )
