"""Impossible engagement histories (core/integrity.py): time counted for a
meeting by someone not ticked present (the hours and the attestation would
count what did not happen)."""

from __future__ import annotations

from collections.abc import Iterator

from core.integrity import Problem, of, reporter
from core.models import Organisation
from reunions.models import Invitee


def check(organisation: Organisation | None) -> Iterator[Problem]:
    rows = (
        of(Invitee.objects.select_related("reunion__organisation", "relais"), organisation, "reunion__organisation")
        .filter(minutes__isnull=False)
        .exclude(attended=True)
        .order_by("reunion__organisation", "pk")
    )
    for invitee in rows:
        reunion = invitee.reunion
        where = f"réunion n° {reunion.pk} (« {reunion.title} », /reunions/{reunion.pk}/)"
        yield reporter("engagement", reunion.organisation, where)(
            "temps_sans_presence",
            f"{invitee.relais} a du temps compté ({invitee.minutes} min) sans être noté·e présent·e.",
            "cochez sa présence sur la feuille d'émargement, ou effacez son temps (« Temps donné »).",
        )
