"""What the initiatives app holds about a person (registered in core/personal_data.py)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from core.personal_data import Part, Texts, day
from initiatives.models import GrantRequest, Initiative, InitiativePhoto, LogisticsRequest, NeighbourAttendance


def export(relais) -> dict:
    return {
        "initiatives organisées": [
            {"initiative": i.title, "date": day(i.starts_on), "statut": i.get_status_display()}
            for i in Initiative.objects.filter(organisers=relais).order_by("starts_on", "pk")
        ],
    }


def retention(organisation, limit: datetime.date) -> dict[str, int]:
    """The names neighbours gave when saying they would come to an event open to
    all go the day after the event; how many they were stays for its report."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ended = Q(initiative__ends_on__isnull=True, initiative__starts_on__lte=yesterday) | Q(
        initiative__ends_on__lte=yesterday
    )
    blanked = (
        NeighbourAttendance.objects.filter(organisation=organisation).filter(ended).exclude(name="").update(name="")
    )
    return {"neighbour names": blanked}


PART = Part(
    app="initiatives",
    labels={"neighbourattendance": "venue annoncée"},
    texts=(
        Texts(Initiative, "organisation_id", ("title", "description", "place", "went_well", "went_badly")),
        Texts(InitiativePhoto, "initiative__organisation_id", ("caption",)),
        Texts(LogisticsRequest, "initiative__organisation_id", ("note", "decision_reason")),
        Texts(GrantRequest, "initiative__organisation_id", ("objectives", "conditions", "refusal_reason")),
    ),
    export=export,
    retention=retention,
)
