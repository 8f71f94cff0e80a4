"""What the relais' space holds about a person (registered in core/personal_data.py)."""

from __future__ import annotations

from core.personal_data import Part, Texts, day
from espace.models import Activity, Announcement, AnnouncementRecipient, Guide


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
        "annonces reçues": [
            {
                "annonce": r.announcement.title,
                "envoyée le": r.announcement.sent_at.isoformat() if r.announcement.sent_at else "",
                "canal": r.get_channel_display(),
                "lue le": r.read_at.isoformat() if r.read_at else "",
            }
            for r in AnnouncementRecipient.objects.filter(relais=relais).select_related("announcement").order_by("pk")
        ],
    }


PART = Part(
    app="espace",
    labels={"activity": "activité", "announcementrecipient": "annonce reçue"},
    tracked=(Activity,),
    texts=(
        Texts(Guide, "organisation_id", ("contacts", "missions", "charter")),
        Texts(Announcement, "organisation_id", ("title", "body")),
    ),
    export=export,
)
