"""What the initiatives app holds about a person (registered in core/personal_data.py)."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from core.models import Message
from core.personal_data import Part, Texts, day
from initiatives.models import GrantRequest, Initiative, InitiativePhoto, LogisticsRequest, NeighbourAttendance
from initiatives.services import neighbour_reminders


def export(relais) -> dict:
    return {
        "initiatives organisées": [
            {"initiative": i.title, "date": day(i.starts_on), "statut": i.get_status_display()}
            for i in Initiative.objects.filter(organisers=relais).order_by("starts_on", "pk")
        ],
    }


def retention(organisation, limit: datetime.date) -> dict[str, int]:
    """What neighbours gave when saying they would come to an event open to all
    — a name, and where to remind them — goes the day after the event, from
    their row and from the outbox's copy; how many they were stays for its report."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ended = Q(initiative__ends_on__isnull=True, initiative__starts_on__lte=yesterday) | Q(
        initiative__ends_on__lte=yesterday
    )
    rows = NeighbourAttendance.objects.filter(organisation=organisation).filter(ended)
    blanked = rows.exclude(name="").update(name="")
    # The outbox's copies: of those rows, and of rows gone with their event.
    reminders = neighbour_reminders().filter(
        Q(subject_id__in=rows.exclude(remind_to="").values("pk"))
        | ~Q(subject_id__in=NeighbourAttendance.objects.filter(organisation=organisation).values("pk")),
        organisation=organisation,
    )
    reminders.filter(state=Message.State.PENDING).update(state=Message.State.CANCELLED)
    reminders.exclude(address="").update(address="")
    addresses = rows.exclude(remind_to="").update(remind_to="")
    return {"neighbour names": blanked, "neighbour addresses": addresses}


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
