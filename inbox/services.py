"""Writes of the inbox: give a waiting item to a colleague, choose how one is
told, schedule the daily digest."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from core import outbox
from core.access import WRITERS, access_for
from core.forms import is_id
from core.models import Membership, Notify, User
from inbox.models import Assignment
from inbox.selectors import MODELS, forget_count
from remontees.models import Remontee
from remontees.services import remontee_assign


def item_for(user, key: str) -> models.Model:
    """The object a line of the inbox points at (« app.model:pk »), through its
    model's one door: 404 outside the user's scope, 403 when read-only."""
    label, _, pk = key.partition(":")
    if label not in MODELS or not is_id(pk):
        raise ValidationError("Cet élément n'existe pas ou n'est plus à traiter.")
    model = apps.get_model(label)
    return model.objects.get_for_user(user, int(pk), write=True)


def item_assign(*, item: models.Model, assignee_id: int | None, by: User) -> User | None:
    """Give `item` to the colleague `assignee_id` (None: to nobody). A remontée is
    assigned on itself (« suivie par », with its event); other items by an
    assignment row. Returns the colleague."""
    organisation_id = access_for(by).organisation_id
    assignee = None
    if assignee_id is not None:
        member = (
            Membership.objects.filter(user_id=assignee_id, organisation_id=organisation_id, role__in=WRITERS)
            .select_related("user")
            .first()
        )
        if member is None:
            raise ValidationError({"assignee": "Choisissez une personne de l'équipe."})
        assignee = member.user
    if isinstance(item, Remontee):
        remontee_assign(remontee=item, assignee=assignee, by=by)
    else:
        content_type = ContentType.objects.get_for_model(item)
        with transaction.atomic():
            if assignee is None:
                Assignment.objects.filter(content_type=content_type, object_id=item.pk).delete()
            else:
                Assignment.objects.update_or_create(
                    content_type=content_type,
                    object_id=item.pk,
                    defaults={"organisation_id": organisation_id, "assignee": assignee, "assigned_by": by},
                )
    forget_count(by)
    return assignee


def notify_set(*, user: User, mode: str) -> Membership:
    """How this staff member hears of what waits, in the organisation of the request."""
    if mode not in Notify.values:
        raise ValidationError({"notify": "Choisissez une des trois façons d'être prévenu·e."})
    access = access_for(user)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(
            user=user, organisation_id=access.organisation_id, role__in=WRITERS
        )
        membership.notify = mode
        membership.save(update_fields=["notify"])
    return membership


def digest_schedule(*, now: datetime.datetime | None = None) -> int:
    """The daily digest: one message per staff member who chose it and
    organisation, per day (a second run schedules nothing more; an empty digest
    is cancelled when its turn comes). Replaces the Monday digest."""
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    members = Membership.objects.filter(role__in=WRITERS, notify=Notify.DAILY, user__is_active=True).select_related(
        "user", "organisation"
    )
    count = 0
    with transaction.atomic():
        for member in members:
            if outbox.message_schedule(
                organisation_id=member.organisation_id,
                recipient=member.user,
                subject=member.organisation,
                kind=f"resume-{day}",
                when=now,
            ):
                count += 1
    return count
