"""What the relais app holds about a person (registered in core/personal_data.py)."""

from __future__ import annotations

import datetime

from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from core.personal_data import Part, Texts, day
from relais.models import ContactLog, ImportJob, Relais, RelaisResidence, RelaisStatusChange

# A large import's file (names, addresses of relais) is kept for its report and
# its writing, then for a month in case staff have a question about it.
IMPORT_FILES_DAYS = 30


def export(relais: Relais) -> dict:
    return {
        "personne": {
            "prénom": relais.first_name,
            "nom": relais.last_name,
            "téléphone": relais.phone,
            "e-mail": relais.email,
            "canal préféré": relais.get_preferred_channel_display(),
            "ce que j'aime faire": relais.likes,
            "statut": relais.get_status_display(),
            "statut depuis le": day(relais.status_since),
            "relais depuis le": day(relais.started_on),
            "sorti·e le": day(relais.left_on),
            "motif de sortie": relais.get_exit_reason_display() if relais.exit_reason else "",
            "fiche créée le": relais.created_at.isoformat(),
        },
        "résidences": [
            {"résidence": link.residence.name, "adresse": link.residence.address, "bâtiment / escalier": link.building}
            for link in relais.relais_links.select_related("residence")
        ],
        "historique du statut": [
            {
                "date": day(c.date),
                "de": c.get_from_status_display(),
                "vers": c.get_to_status_display(),
                "motif": c.get_exit_reason_display() if c.exit_reason else "",
                "commentaire": c.note,
            }
            for c in relais.status_changes.order_by("date", "pk")
        ],
        "échanges notés par l'équipe": [
            {"date": day(c.date), "type": c.get_kind_display(), "note": c.note}
            for c in relais.contacts.order_by("date", "pk")
        ],
    }


def erase(relais: Relais, own) -> None:
    ContactLog.objects.filter(relais=relais).update(note="")
    RelaisStatusChange.objects.filter(relais=relais).update(note="")
    RelaisResidence.objects.filter(relais=relais).update(building="")
    Relais.objects.filter(pk=relais.pk).update(likes="")


def retention(organisation, limit: datetime.date) -> dict[str, int]:
    """Staff notes older than the retention time lose their text; large imports'
    files go a month after they were dropped."""
    notes = ContactLog.objects.filter(organisation=organisation, date__lt=limit).exclude(note="").update(note="")
    old = ImportJob.objects.filter(
        organisation=organisation, created_at__lt=timezone.now() - datetime.timedelta(days=IMPORT_FILES_DAYS)
    )
    imports = 0
    for job in old:
        job.file.delete(save=False)
        job.delete()
        imports += 1
    return {"notes": notes, "imports": imports}


def expired_candidates(relais: QuerySet, limit: datetime.date) -> QuerySet:
    """Candidates not heard of for the retention time: it counts from their
    last sign of life, the day they became candidates or the last exchange
    noted with them (a candidate staff keep in touch with stays). Most never
    became relais; a former relais back as a candidate who went quiet again
    goes the same way."""
    last_exchange = ContactLog.objects.filter(relais=OuterRef("pk")).order_by("-date").values("date")[:1]
    return (
        relais.filter(status=Relais.Status.CANDIDAT, anonymised_at=None)
        .annotate(
            kept_since=Greatest(F("status_since"), Coalesce(Subquery(last_exchange), F("status_since"))),
            kept_why=Value("candidature sans suite depuis le"),
        )
        .filter(kept_since__lt=limit)
    )


PART = Part(
    app="relais",
    position=10,
    labels={
        "relais": "fiche relais",
        "relaisresidence": "résidence relayée",
        "relaisstatuschange": "changement de statut",
        "contactlog": "échange noté",
    },
    tracked=(Relais, RelaisResidence, RelaisStatusChange, ContactLog),
    texts=(
        Texts(ContactLog, "organisation_id", ("note",)),
        Texts(RelaisStatusChange, "relais__organisation_id", ("note",)),
    ),
    export=export,
    erase=erase,
    retention=retention,
    expired=expired_candidates,
)
