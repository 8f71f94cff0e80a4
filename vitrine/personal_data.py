"""The public app's part of the personal-data registry (core/personal_data.py):
the names neighbours gave when saying they would come to an event open to all
go the day after the event."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from core.personal_data import Part
from vitrine.models import Attendance


def retention(organisation, limit: datetime.date) -> dict[str, int]:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ended = Q(initiative__ends_on__isnull=True, initiative__starts_on__lte=yesterday) | Q(
        initiative__ends_on__lte=yesterday
    )
    deleted, _ = Attendance.objects.filter(organisation=organisation).filter(ended).delete()
    return {"attendances": deleted}


PART = Part(app="public", position=90, labels={"attendance": "venue annoncée"}, retention=retention)
