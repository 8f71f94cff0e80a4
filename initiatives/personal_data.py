"""What the initiatives app holds about a person (registered in core/personal_data.py)."""

from __future__ import annotations

from core.personal_data import Part, Texts, day
from initiatives.models import GrantRequest, Initiative, InitiativePhoto, LogisticsRequest


def export(relais) -> dict:
    return {
        "initiatives organisées": [
            {"initiative": i.title, "date": day(i.starts_on), "statut": i.get_status_display()}
            for i in Initiative.objects.filter(organisers=relais).order_by("starts_on", "pk")
        ],
    }


PART = Part(
    app="initiatives",
    texts=(
        Texts(Initiative, "organisation_id", ("title", "description", "place", "went_well", "went_badly")),
        Texts(InitiativePhoto, "initiative__organisation_id", ("caption",)),
        Texts(LogisticsRequest, "initiative__organisation_id", ("note", "decision_reason")),
        Texts(GrantRequest, "initiative__organisation_id", ("objectives", "conditions", "refusal_reason")),
    ),
    export=export,
)
