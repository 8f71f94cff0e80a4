"""What the meetings app holds about a person (registered in core/personal_data.py)."""

from __future__ import annotations

from core.personal_data import Part, Texts, day
from reunions.models import ActionItem, AgendaItem, Decision, Invitee, Reunion

ATTENDED = {True: "présent·e", False: "absent·e", None: "non relevée"}


def export(relais) -> dict:
    return {
        "réunions": [
            {
                "réunion": i.reunion.title,
                "date": i.reunion.starts_at.date().isoformat(),
                "réponse": i.get_answer_display(),
                "présence": ATTENDED[i.attended],
            }
            for i in Invitee.objects.filter(relais=relais).select_related("reunion").order_by("reunion__starts_at")
        ],
        "actions confiées": [
            {"action": a.title, "échéance": day(a.due_on), "statut": a.get_status_display()}
            for a in ActionItem.objects.filter(owner_relais=relais).order_by("due_on", "pk")
        ],
    }


PART = Part(
    app="reunions",
    labels={"reunion": "réunion"},
    texts=(
        Texts(Reunion, "organisation_id", ("title", "minutes", "address")),
        Texts(AgendaItem, "reunion__organisation_id", ("title",)),
        Texts(Decision, "reunion__organisation_id", ("text",)),
        Texts(ActionItem, "organisation_id", ("title",)),
    ),
    export=export,
)
