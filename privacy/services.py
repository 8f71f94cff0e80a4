"""The rights of a person, and the retention of their data.

Erasing a person and anonymising a leaver are the same operation: the relais
row stays (the bilans of past years count it), and everything that says who the
person was goes — name, phone, e-mail, login, building, the staff's notes, the
messages sent to them, and their name wherever a text of the organisation
quotes it.
"""

from __future__ import annotations

import datetime
import logging
import re

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from privacy import audit
from privacy.models import AuditEvent, Consent, RightsRequest
from relais.models import ContactLog, Message, Organisation, Relais, RelaisResidence, RelaisStatusChange, User

logger = logging.getLogger(__name__)

REMOVED = "[…]"


# Access: everything about one person, nothing about anyone else.


def _date(value) -> str | None:
    return value.isoformat() if value else None


def person_data(relais: Relais) -> dict:
    """What the organisation holds about one relais, in the words of the pages."""
    from espace.models import Activity
    from initiatives.models import Initiative
    from remontees.models import Remontee
    from reunions.models import ActionItem, Invitee

    data: dict = {
        "export": {
            "organisation": relais.organisation.name,
            "date": timezone.localdate().isoformat(),
            "reference": relais.pk,
        },
        "personne": {
            "prénom": relais.first_name,
            "nom": relais.last_name,
            "téléphone": relais.phone,
            "e-mail": relais.email,
            "canal préféré": relais.get_preferred_channel_display(),
            "statut": relais.get_status_display(),
            "statut depuis le": _date(relais.status_since),
            "relais depuis le": _date(relais.started_on),
            "sorti·e le": _date(relais.left_on),
            "motif de sortie": relais.get_exit_reason_display() if relais.exit_reason else "",
            "fiche créée le": relais.created_at.isoformat(),
        },
        "compte": None,
        "résidences": [
            {"résidence": link.residence.name, "adresse": link.residence.address, "bâtiment / escalier": link.building}
            for link in relais.relais_links.select_related("residence")
        ],
        "consentements": [
            {"objet": c.get_scope_display(), "donné le": _date(c.given_on), "retiré le": _date(c.withdrawn_on)}
            for c in relais.consents.all()
        ],
        "historique du statut": [
            {
                "date": _date(c.date),
                "de": c.get_from_status_display(),
                "vers": c.get_to_status_display(),
                "motif": c.get_exit_reason_display() if c.exit_reason else "",
                "commentaire": c.note,
            }
            for c in relais.status_changes.order_by("date", "pk")
        ],
        "échanges notés par l'équipe": [
            {"date": _date(c.date), "type": c.get_kind_display(), "note": c.note}
            for c in relais.contacts.order_by("date", "pk")
        ],
        "remontées": [
            {
                "date": r.created_at.date().isoformat(),
                "résidence": r.residence.name,
                "thème": r.theme.name,
                "description": r.description,
                "statut": r.get_status_display(),
                "réponse": r.status_reason,
            }
            for r in Remontee.objects.filter(relais=relais).select_related("residence", "theme").order_by("pk")
        ],
        "activité": [
            {
                "date": _date(a.date),
                "quoi": a.get_kind_display(),
                "foyers": a.households,
                "sujet": a.get_theme_display(),
            }
            for a in Activity.objects.filter(relais=relais).order_by("date", "pk")
        ],
        "réunions": [
            {
                "réunion": i.reunion.title,
                "date": i.reunion.starts_at.date().isoformat(),
                "réponse": i.get_answer_display(),
                "présence": {True: "présent·e", False: "absent·e", None: "non relevée"}[i.attended],
            }
            for i in Invitee.objects.filter(relais=relais).select_related("reunion").order_by("reunion__starts_at")
        ],
        "actions confiées": [
            {"action": a.title, "échéance": _date(a.due_on), "statut": a.get_status_display()}
            for a in ActionItem.objects.filter(owner_relais=relais).order_by("due_on", "pk")
        ],
        "initiatives organisées": [
            {"initiative": i.title, "date": _date(i.starts_on), "statut": i.get_status_display()}
            for i in Initiative.objects.filter(organisers=relais).order_by("starts_on", "pk")
        ],
        "messages envoyés": [
            {
                "date": m.scheduled_for.isoformat(),
                "canal": m.get_channel_display(),
                "adresse": m.address,
                "état": m.get_state_display(),
            }
            for m in Message.objects.filter(recipient_relais=relais).order_by("scheduled_for", "pk")
        ],
        "demandes d'exercice des droits": [
            {"demande": r.get_kind_display(), "reçue le": _date(r.received_on), "traitée le": _date(r.handled_on)}
            for r in RightsRequest.objects.filter(relais=relais)
        ],
    }
    if relais.user_id:
        user = relais.user
        data["compte"] = {
            "e-mail de connexion": user.email,
            "prénom": user.first_name,
            "nom": user.last_name,
            "créé le": user.date_joined.isoformat(),
            "dernière connexion": user.last_login.isoformat() if user.last_login else None,
        }
    return data


# Erasure and anonymisation.


def _traces(relais: Relais) -> list[str]:
    """The strings that would say who the person was, longest first."""
    user = relais.user if relais.user_id else None
    full = [f"{relais.first_name} {relais.last_name}", f"{relais.last_name} {relais.first_name}"]
    values = [*full, relais.email, relais.phone]
    if user is not None:
        values += [user.email, f"{user.first_name} {user.last_name}".strip()]
    return sorted({v.strip() for v in values if v and len(v.strip()) >= 3}, key=len, reverse=True)


def _scrub(text: str, traces: list[str]) -> str:
    for trace in traces:
        text = re.sub(re.escape(trace), REMOVED, text, flags=re.IGNORECASE)
    return text


def _texts_of(organisation_id: int):
    """Every free text of an organisation where a person's name may be quoted."""
    from initiatives.models import GrantRequest, Initiative, LogisticsRequest
    from remontees.models import Remontee, RemonteeEvent
    from reunions.models import ActionItem, AgendaItem, Decision, Reunion

    return [
        (Reunion, "organisation_id", ["title", "minutes"]),
        (AgendaItem, "reunion__organisation_id", ["title"]),
        (Decision, "reunion__organisation_id", ["text"]),
        (ActionItem, "reunion__organisation_id", ["title"]),
        (Remontee, "organisation_id", ["description", "status_reason"]),
        (RemonteeEvent, "remontee__organisation_id", ["comment"]),
        (Initiative, "organisation_id", ["title", "description", "went_well", "went_badly"]),
        (LogisticsRequest, "initiative__organisation_id", ["note", "decision_reason"]),
        (GrantRequest, "initiative__organisation_id", ["objectives", "conditions", "refusal_reason"]),
        (ContactLog, "organisation_id", ["note"]),
        (RelaisStatusChange, "relais__organisation_id", ["note"]),
    ]


def _scrub_organisation_texts(organisation_id: int, traces: list[str]) -> int:
    changed = 0
    for model, org_path, fields in _texts_of(organisation_id):
        quoted = Q()
        for name in fields:
            for trace in traces:
                quoted |= Q(**{f"{name}__icontains": trace})
        for row in model.objects.filter(quoted, **{org_path: organisation_id}):
            for name in fields:
                setattr(row, name, _scrub(getattr(row, name), traces))
            model.objects.filter(pk=row.pk).update(**{name: getattr(row, name) for name in fields})
            changed += 1
    return changed


def anonymise(relais: Relais, *, by: User | None, action: str) -> None:
    """Remove everything that identifies the person; keep what the figures count."""
    from remontees.models import Remontee

    with transaction.atomic():
        relais = Relais.objects.select_for_update().get(pk=relais.pk)
        if relais.anonymised_at is not None:
            return
        traces = _traces(relais)
        own_traces = traces + [t for t in (relais.first_name, relais.last_name) if len(t) >= 3]
        for remontee in Remontee.objects.filter(relais=relais):
            Remontee.objects.filter(pk=remontee.pk).update(
                description=_scrub(remontee.description, own_traces),
                status_reason=_scrub(remontee.status_reason, own_traces),
            )
        _scrub_organisation_texts(relais.organisation_id, traces)
        ContactLog.objects.filter(relais=relais).update(note="")
        RelaisStatusChange.objects.filter(relais=relais).update(note="")
        RelaisResidence.objects.filter(relais=relais).update(building="")
        Message.objects.filter(recipient_relais=relais).delete()
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Relais), object_id=str(relais.pk)
        ).update(object_repr=f"Relais n°{relais.pk}", change_message="")
        user = relais.user if relais.user_id else None
        Relais.objects.filter(pk=relais.pk).update(
            first_name="Personne",
            last_name=f"anonymisée n°{relais.pk}",
            phone="",
            email="",
            preferred_channel=Relais.Channel.PAPER,
            user=None,
            home_seen_at=None,
            anonymised_at=timezone.now(),
        )
        Consent.objects.filter(relais=relais, withdrawn_on=None).update(withdrawn_on=timezone.localdate())
        if user is not None:
            _forget_login(user, relais)
        audit.record(action, relais, user=by)


def _forget_login(user: User, relais: Relais) -> None:
    others = user.memberships.exclude(organisation_id=relais.organisation_id, role="relais")
    if others.exists() or user.relais_profiles.exclude(pk=relais.pk).exists():
        # The login also serves elsewhere: only this organisation's relais access goes.
        user.memberships.filter(organisation_id=relais.organisation_id, role="relais").delete()
        return
    user.delete()


def erase(relais: Relais, *, by: User, received_on: datetime.date) -> RightsRequest:
    """Erasure on request, and the record that it was handled (which names no one)."""
    with transaction.atomic():
        anonymise(relais, by=by, action=AuditEvent.Action.EFFACEMENT)
        pending = RightsRequest.objects.filter(relais=relais, kind=RightsRequest.Kind.EFFACEMENT, handled_on=None)
        request = pending.first() or RightsRequest(
            organisation_id=relais.organisation_id, relais=relais, kind=RightsRequest.Kind.EFFACEMENT
        )
        request.received_on = min(request.received_on or received_on, received_on)
        request.handled_on = timezone.localdate()
        request.handled_by = by
        request.note = "Données effacées ; la fiche anonyme reste comptée dans les bilans."
        request.save()
    return request


# Retention.


def months_before(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = (datetime.date(year + (month == 12), month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


def months_after(day: datetime.date, months: int) -> datetime.date:
    return months_before(day, -months)


def leavers(relais: models.QuerySet) -> models.QuerySet:
    return relais.filter(status=Relais.Status.SORTI, anonymised_at=None, left_on__isnull=False)


def due_for_anonymisation(organisation: Organisation, today: datetime.date) -> models.QuerySet:
    """Leavers who left more than the organisation's retention time ago."""
    limit = months_before(today, organisation.retention_months)
    return leavers(Relais.objects.filter(organisation=organisation)).filter(left_on__lt=limit)


def upcoming_anonymisations(relais: models.QuerySet, months: int, today: datetime.date, *, within_days: int = 90):
    """What the retention task will do next, among these relais: each leaver and the day they go."""
    horizon = months_before(today + datetime.timedelta(days=within_days), months)
    rows = leavers(relais).filter(left_on__lt=horizon).order_by("left_on", "pk")
    return [(r, months_after(r.left_on, months) + datetime.timedelta(days=1)) for r in rows]


def apply_retention(organisation: Organisation, today: datetime.date) -> dict:
    """Anonymise the leavers whose time ran out and blank the old staff notes."""
    from remontees.models import Remontee, RemonteeEvent

    count = 0
    for relais in due_for_anonymisation(organisation, today):
        anonymise(relais, by=None, action=AuditEvent.Action.ANONYMISATION)
        count += 1
    limit = months_before(today, organisation.retention_months)
    notes = ContactLog.objects.filter(organisation=organisation, date__lt=limit).exclude(note="").update(note="")
    closed = [Remontee.Status.RESOLUE, Remontee.Status.NON_RETENUE]
    comments = (
        RemonteeEvent.objects.filter(
            remontee__organisation=organisation, remontee__status__in=closed, at__date__lt=limit
        )
        .exclude(comment="")
        .update(comment="")
    )
    return {"anonymised": count, "notes": notes, "comments": comments}


def purge_audit(today: datetime.date) -> int:
    limit = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS), datetime.time())
    )
    deleted, _ = AuditEvent.objects.filter(at__lt=limit).delete()
    return deleted
