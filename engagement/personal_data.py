"""What engagement holds about a person (registered in core/personal_data.py):
the last day they opened their space and the attestations issued to them."""

from __future__ import annotations

from core.personal_data import Part, day
from engagement.models import Attestation, LastSeen


def export(relais) -> dict:
    seen = LastSeen.objects.filter(relais=relais).first()
    return {
        "dernière visite de l'espace": [{"le": day(seen.seen_on)}] if seen else [],
        "attestations d'engagement": [
            {
                "année": a.year,
                "référence": a.reference,
                "signée le": day(a.signed_on),
                "signataire": f"{a.signatory_name}, {a.signatory_role}",
            }
            for a in Attestation.objects.filter(relais=relais).order_by("year")
        ],
    }


def erase(relais, own) -> None:
    # The attestation names the person: its file goes with them; the last visit too.
    for attestation in Attestation.objects.filter(relais=relais):
        if attestation.file:
            attestation.file.delete(save=False)
    Attestation.objects.filter(relais=relais).delete()
    LastSeen.objects.filter(relais=relais).delete()


PART = Part(
    app="engagement",
    labels={"attestation": "attestation d'engagement", "lastseen": "dernière visite"},
    tracked=(Attestation,),
    export=export,
    erase=erase,
)
