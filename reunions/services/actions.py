"""Action items decided at a meeting: who does what by when, reminded before
the due date and after it while still open."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.models import Membership, User
from relais.models import Relais
from reunions.models import ActionItem, Invitee, Reunion


def _is_member(user: User, organisation_id: int) -> bool:
    return Membership.objects.filter(
        user=user, organisation_id=organisation_id, role__in=("admin", "staff", "partenaire")
    ).exists()


def action_add(
    *, reunion: Reunion, by: User | None, title: str, owner: Relais | User, due_on: datetime.date
) -> ActionItem:
    """An action item, and its two reminders to the owner: three days before the
    due date, and the day after it if it is still open."""
    if reunion.status == Reunion.Status.ANNULEE:
        raise ValidationError("Cette réunion est annulée.")
    if not title.strip():
        raise ValidationError({"title": "Décrivez l'action à mener."})
    # A guest of the meeting (a network's invites its members' people) may take an action too.
    guest = Invitee.objects.filter(
        reunion=reunion, **({"relais": owner} if isinstance(owner, Relais) else {"user": owner})
    ).exists()
    if isinstance(owner, Relais):
        if owner.organisation_id != reunion.organisation_id and not guest:
            raise ValidationError({"owner": "Ce relais n'appartient pas à votre organisation."})
    elif not guest and not _is_member(owner, reunion.organisation_id):
        raise ValidationError({"owner": "Cette personne ne fait pas partie de votre organisation."})
    with transaction.atomic():
        action = ActionItem.objects.create(
            organisation_id=reunion.organisation_id,
            reunion=reunion,
            title=title.strip(),
            owner_relais=owner if isinstance(owner, Relais) else None,
            owner_user=owner if isinstance(owner, User) else None,
            due_on=due_on,
            created_by=by,
        )
        for kind, day in (
            ("action-j3", due_on - datetime.timedelta(days=3)),
            ("action-retard", due_on + datetime.timedelta(days=1)),
        ):
            when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
            if when > timezone.now():
                outbox.message_schedule(
                    organisation_id=reunion.organisation_id, recipient=owner, subject=action, kind=kind, when=when
                )
    return action


def action_set_status(*, action: ActionItem, status: str) -> ActionItem:
    if status not in ActionItem.Status.values:
        raise ValidationError("Statut d'action inconnu.")
    with transaction.atomic():
        action.status = status
        action.closed_on = None if status == ActionItem.Status.OUVERTE else timezone.localdate()
        action.save(update_fields=["status", "closed_on"])
        if status != ActionItem.Status.OUVERTE:
            outbox.message_cancel(subject=action)
    return action
