"""What any built network must satisfy: a history the product's own forms could
have recorded. Read back from the database, whoever wrote it (the builder's
services or its bulk inserts)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone

from core.models import Consent, Message, Organisation
from espace.models import Activity
from initiatives.models import GrantRequest, Initiative, LogisticsRequest
from relais.models import ContactLog, Relais, RelaisStatusChange
from relais.services import ALLOWED_TRANSITIONS
from remontees.models import CLOSED, Remontee, RemonteeEvent
from remontees.services import TRANSITIONS
from reunions.models import ActionItem, Invitee, Reunion

S = Relais.Status


def problems(organisation: Organisation) -> list[str]:
    """Every way the organisation's data contradicts itself (empty when coherent)."""
    today, now = timezone.localdate(), timezone.now()
    found = []
    histories = defaultdict(list)
    for change in RelaisStatusChange.objects.filter(relais__organisation=organisation).order_by("pk"):
        histories[change.relais_id].append(change)
    spans = {}
    for relais in Relais.objects.filter(organisation=organisation):
        steps = histories[relais.pk]
        found += _relais(relais, steps, today)
        spans[relais.pk] = [
            (step.date, following.date if following else today)
            for step, following in zip(steps, [*steps[1:], None], strict=True)
            if step.to_status == S.ACTIF
        ]

    def active(relais_id: int, day: datetime.date) -> bool:
        return any(start <= day <= end for start, end in spans[relais_id])

    joined = {pk: steps[0].date for pk, steps in histories.items() if steps}
    for consent in Consent.objects.filter(organisation=organisation):
        if consent.given_on < joined[consent.relais_id] or consent.given_on > today:
            found.append(f"consent {consent.pk} given outside the relais' time")
    for contact in ContactLog.objects.filter(organisation=organisation).select_related("relais"):
        left = contact.relais.left_on if contact.relais.status == S.SORTI else None
        if contact.date > (left or today) or contact.date < joined[contact.relais_id]:
            found.append(f"contact {contact.pk} on {contact.date} outside the relais' time")
    for activity in Activity.objects.filter(organisation=organisation):
        if not active(activity.relais_id, activity.date):
            found.append(f"activity {activity.pk} on {activity.date}: relais {activity.relais_id} not active")
    found += _reunions(organisation, now)
    found += _remontees(organisation, now)
    found += _initiatives(organisation, today, active)
    future = Message.objects.filter(organisation=organisation, state=Message.State.SENT, sent_at__gt=now)
    found += [f"message {pk} sent in the future" for pk in future.values_list("pk", flat=True)]
    return found


def _relais(relais: Relais, steps: list[RelaisStatusChange], today: datetime.date) -> list[str]:
    if not steps or steps[0].from_status != "" or steps[0].to_status not in (S.CANDIDAT, S.ACTIF):
        return [f"relais {relais.pk}: no history starting candidat or actif"]
    found = []
    started, left, reason = (steps[0].date if steps[0].to_status == S.ACTIF else None), None, ""
    for before, step in zip(steps, steps[1:], strict=False):
        if step.from_status != before.to_status or step.to_status not in ALLOWED_TRANSITIONS[before.to_status]:
            found.append(f"relais {relais.pk}: {before.to_status} → {step.to_status}")
        if step.date < before.date:
            found.append(f"relais {relais.pk}: history goes back in time")
        if step.to_status == S.ACTIF and (started is None or before.to_status == S.SORTI):
            started = step.date
        left, reason = (step.date, step.exit_reason) if step.to_status == S.SORTI else (None, "")
    if steps[-1].date > today:
        found.append(f"relais {relais.pk}: a status change in the future")
    replayed = (steps[-1].to_status, steps[-1].date, started, left, reason)
    stored = (relais.status, relais.status_since, relais.started_on, relais.left_on, relais.exit_reason)
    if replayed != stored:
        found.append(f"relais {relais.pk}: history says {replayed}, the relais {stored}")
    return found


def _reunions(organisation: Organisation, now: datetime.datetime) -> list[str]:
    found = []
    for reunion in Reunion.objects.filter(organisation=organisation):
        if reunion.status == Reunion.Status.TENUE and reunion.starts_at > now:
            found.append(f"meeting {reunion.pk} held in the future")
        if reunion.status == Reunion.Status.PREVUE and reunion.ends_at < now:
            found.append(f"meeting {reunion.pk} still to come in the past")
        if reunion.created_at > min(reunion.starts_at, now):
            found.append(f"meeting {reunion.pk} planned after it began")
        if reunion.minutes_published_at and not reunion.starts_at <= reunion.minutes_published_at <= now:
            found.append(f"meeting {reunion.pk}: minutes published outside [start, now]")
    invitees = Invitee.objects.filter(reunion__organisation=organisation).select_related("reunion")
    for invitee in invitees:
        if invitee.attended is not None and invitee.reunion.status != Reunion.Status.TENUE:
            found.append(f"invitee {invitee.pk}: attendance ticked for a meeting not held")
        if invitee.answered_at and not invitee.reunion.created_at <= invitee.answered_at <= now:
            found.append(f"invitee {invitee.pk}: answered outside [planned, now]")
    for action in ActionItem.objects.filter(reunion__organisation=organisation):
        if (action.status == ActionItem.Status.OUVERTE) != (action.closed_on is None):
            found.append(f"action {action.pk}: closed_on and status disagree")
        if action.organisation_id != organisation.pk:
            found.append(f"action {action.pk}: not its meeting's organisation")
    return found


def _remontees(organisation: Organisation, now: datetime.datetime) -> list[str]:
    found = []
    events = defaultdict(list)
    for event in RemonteeEvent.objects.filter(remontee__organisation=organisation).order_by("pk"):
        events[event.remontee_id].append(event)
    for remontee in Remontee.objects.filter(organisation=organisation):
        steps = events[remontee.pk]
        if not steps or steps[0].kind != RemonteeEvent.Kind.CREEE or steps[0].at != remontee.created_at:
            found.append(f"remontée {remontee.pk}: no creation event at its creation")
            continue
        status = steps[0].status
        answered = closed_since = None
        K, S = RemonteeEvent.Kind, Remontee.Status
        for before, event in zip(steps, steps[1:], strict=False):
            if event.at < before.at or event.at > now:
                found.append(f"remontée {remontee.pk}: events out of order or in the future")
            if event.kind not in (K.STATUT, K.TRANSMISE, K.CONFIRMEE, K.ROUVERTE):
                continue
            # Staff's answers follow TRANSITIONS; a service's « fait » and the
            # relais' confirmation, the hand-off's own steps.
            allowed = set(TRANSITIONS[status])
            if event.kind in (K.TRANSMISE, K.ROUVERTE):
                allowed.add(S.EN_COURS)
            if status == S.EN_COURS and event.by_id is None:
                allowed.add(S.A_CONFIRMER)
            if event.status != status and event.status not in allowed:
                found.append(f"remontée {remontee.pk}: {status} → {event.status}")
            if event.kind in (K.STATUT, K.TRANSMISE) and answered is None:
                answered = event.at
            if event.status in CLOSED and status not in CLOSED:
                closed_since = event.at
            elif event.status not in CLOSED:
                closed_since = None
            status = event.status
        expected = (status, answered, closed_since)
        if expected != (remontee.status, remontee.answered_at, remontee.closed_at):
            found.append(f"remontée {remontee.pk}: events say {expected}")
    return found


def _initiatives(organisation: Organisation, today: datetime.date, active) -> list[str]:
    found = []
    I = Initiative.Status  # noqa: E741
    for initiative in Initiative.objects.filter(organisation=organisation).prefetch_related("organisers"):
        if initiative.status == I.REALISEE and (initiative.starts_on > today or initiative.participants is None):
            found.append(f"initiative {initiative.pk} reported before it happened, or without its count")
        if initiative.status in (I.IDEE, I.PREVUE) and initiative.starts_on < today - datetime.timedelta(days=1):
            found.append(f"initiative {initiative.pk} still to come in the past")
        for relais in initiative.organisers.all():
            if not active(relais.pk, min(initiative.starts_on, today)):
                found.append(f"initiative {initiative.pk}: organiser {relais.pk} not active on the day")
    for request in LogisticsRequest.objects.filter(initiative__organisation=organisation):
        if (request.status == "demandee") != (request.decided_at is None):
            found.append(f"logistics {request.pk}: decision and status disagree")
    for grant in GrantRequest.objects.filter(initiative__organisation=organisation):
        if (grant.status == "demandee") != (grant.decided_on is None):
            found.append(f"grant {grant.pk}: decision and status disagree")
    return found
