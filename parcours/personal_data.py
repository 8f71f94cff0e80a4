"""What parcours holds about a person (registered in core/personal_data.py)."""

from __future__ import annotations

from core.personal_data import Part, Texts, day
from parcours.models import CharterSignature, GuideReading, Milestone, StepTick


def export(relais) -> dict:
    reading = GuideReading.objects.filter(relais=relais).first()
    return {
        "parcours d'accueil": [
            *([{"étape": "guide du relais lu", "le": day(reading.read_at)}] if reading else []),
            *[
                {"étape": t.step.label, "le": day(t.done_on)}
                for t in StepTick.objects.filter(relais=relais).select_related("step").order_by("done_on", "pk")
            ],
        ],
        "charte signée": [
            {"version": s.version.number, "signée le": day(s.signed_at)}
            for s in CharterSignature.objects.filter(relais=relais).select_related("version").order_by("signed_at")
        ],
        "remerciements": [
            {
                "étape": m.get_kind_display(),
                "atteinte le": day(m.reached_on),
                "état": m.get_state_display(),
                "message": m.body,
            }
            for m in Milestone.objects.filter(relais=relais).order_by("reached_on", "pk")
        ],
    }


def erase(relais, traces) -> None:
    # A thank-you is written to the person: it goes with them, and one not sent
    # yet never will be.
    Milestone.objects.filter(relais=relais, state=Milestone.State.PREPARE).update(state=Milestone.State.ECARTE)
    Milestone.objects.filter(relais=relais).update(body="")


PART = Part(
    app="parcours",
    labels={
        "guidereading": "guide du relais lu",
        "chartersignature": "signature de la charte",
        "steptick": "étape d'accueil cochée",
        "milestone": "remerciement",
    },
    tracked=(GuideReading, CharterSignature, StepTick, Milestone),
    texts=(Texts(Milestone, "organisation_id", ("body",)),),
    export=export,
    erase=erase,
)
