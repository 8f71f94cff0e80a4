"""What the relais' space holds about a person (registered in core/personal_data.py)."""

from __future__ import annotations

from core.personal_data import Part, Texts, day
from espace.models import Activity, Guide


def export(relais) -> dict:
    return {
        "activité": [
            {
                "date": day(a.date),
                "quoi": a.get_kind_display(),
                "foyers": a.households,
                "sujet": a.get_theme_display(),
            }
            for a in Activity.objects.filter(relais=relais).order_by("date", "pk")
        ],
    }


PART = Part(
    app="espace",
    labels={"activity": "activité"},
    tracked=(Activity,),
    texts=(Texts(Guide, "organisation_id", ("contacts", "missions", "charter")),),
    export=export,
)
