"""The personal calendar subscription: a secret address per person and organisation."""

from __future__ import annotations

import secrets

from core.models import Organisation, User
from reunions.models import CalendarFeed


def calendar_feed_renew(*, user: User, organisation: Organisation) -> CalendarFeed:
    """A new secret address for the user's calendar; the old one stops working."""
    feed, _ = CalendarFeed.objects.update_or_create(
        user=user, organisation=organisation, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed
