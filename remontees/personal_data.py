"""What the remontées app holds about a person (registered in core/personal_data.py)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from core.personal_data import Part, Texts, scrub
from remontees.models import HandOff, Remontee, RemonteeEvent


def export(relais) -> dict:
    return {
        "remontées": [
            {
                "date": timezone.localtime(r.created_at).date().isoformat(),
                "résidence": r.residence.name,
                "thème": r.theme.name,
                "description": r.description,
                "photo": "oui (visible sur la page de la remontée)" if r.photo else "",
                "statut": r.get_status_display(),
                "réponse": r.status_reason,
            }
            for r in Remontee.objects.filter(relais=relais).select_related("residence", "theme").order_by("pk")
        ],
        "mes commentaires sur les remontées": [
            {"date": timezone.localtime(e.at).date().isoformat(), "remontée": e.remontee_id, "commentaire": e.comment}
            for e in RemonteeEvent.objects.filter(by_id=relais.user_id, remontee__relais=relais)
            .exclude(comment="")
            .order_by("at", "pk")
        ]
        if relais.user_id
        else [],
    }


def erase(relais, own) -> None:
    """In what the person raised, their first or last name alone goes too."""
    for remontee in Remontee.objects.filter(relais=relais):
        Remontee.objects.filter(pk=remontee.pk).update(
            description=scrub(remontee.description, own),
            status_reason=scrub(remontee.status_reason, own),
        )


def retention(organisation, limit: datetime.date) -> dict[str, int]:
    """Comments on closed remontées older than the retention time lose their text."""
    closed = [Remontee.Status.RESOLUE, Remontee.Status.NON_RETENUE]  # not « à confirmer »: the relais may reopen it
    comments = (
        RemonteeEvent.objects.filter(
            remontee__organisation=organisation, remontee__status__in=closed, at__date__lt=limit
        )
        .exclude(comment="")
        .update(comment="")
    )
    return {"comments": comments}


PART = Part(
    app="remontees",
    labels={
        "remontee": "remontée",
        "remonteeevent": "suivi de remontée",
        "handoff": "transmission à un service",
        "service": "service",
    },
    texts=(
        Texts(Remontee, "organisation_id", ("description", "status_reason")),
        Texts(RemonteeEvent, "remontee__organisation_id", ("comment",)),
        # The team's note to a service and the service's answer may quote a tenant.
        Texts(HandOff, "remontee__organisation_id", ("note", "answer")),
    ),
    export=export,
    erase=erase,
    retention=retention,
)
