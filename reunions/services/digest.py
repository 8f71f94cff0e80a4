"""The weekly digest for staff (rendered by reunions/messages.py when sent)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from core import outbox
from core.models import Membership


def digest_schedule(*, now: datetime.datetime | None = None) -> int:
    """The weekly digest: one message per staff member and organisation per ISO
    week (a second run of the task sends nothing more)."""
    now = now or timezone.now()
    year, week, _ = timezone.localdate(now).isocalendar()
    members = Membership.objects.filter(role__in=("admin", "staff")).select_related("user", "organisation")
    count = 0
    with transaction.atomic():
        for member in members:
            if outbox.message_schedule(
                organisation_id=member.organisation_id,
                recipient=member.user,
                subject=member.organisation,
                kind=f"digest-{year}-W{week:02d}",
                when=now,
            ):
                count += 1
    return count
