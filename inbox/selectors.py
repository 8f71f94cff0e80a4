"""The inbox « À traiter »: what each app says is waiting, side by side.

Each app owns the definition of its waiting items (`waiting()` in its
selectors.py, scoped to the user); the inbox only composes them, adds who on the
team follows each one, and counts them for the navigation.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Q

from core.access import WRITERS, access_for
from core.models import Membership, Notify, User
from core.waiting import WaitingGroup
from engagement import selectors as engagement
from inbox.models import Assignment
from initiatives import selectors as initiatives
from parcours import selectors as parcours
from remontees import selectors as remontees
from reunions import selectors as reunions

# Candidates waiting and relais at risk are engagement's (defined once there).
SOURCES = (remontees.waiting, initiatives.waiting, reunions.waiting, engagement.waiting, parcours.waiting)
# What may be assigned from the inbox: the models its lines point at.
MODELS = {
    "remontees.remontee",
    "initiatives.initiative",
    "initiatives.logisticsrequest",
    "initiatives.grantrequest",
    "reunions.reunion",
    "reunions.actionitem",
    "relais.relais",
    "parcours.milestone",
}
COUNT_SECONDS = 60


def inbox(user, *, limit: int = 10) -> list[WaitingGroup]:
    """Every group of waiting items (the first `limit` of each), with who follows
    each item. A fixed number of queries: one per group, one for the assignments."""
    groups = [group for source in SOURCES for group in source(user, limit=limit)]
    keyed = [item for group in groups for item in group.items if item.assignee is None]
    assignees = _assignees(user, keyed)
    for group in groups:
        group.items = [
            item if item.assignee is not None else _with_assignee(item, assignees.get(item.key)) for item in group.items
        ]
    cache.set(_count_key(user), sum(g.total for g in groups), COUNT_SECONDS)
    return groups


def _with_assignee(item, assignee):
    if assignee is None:
        return item
    return replace(item, assignee=assignee)


def _assignees(user, items) -> dict[str, User]:
    if not items:
        return {}
    condition = Q()
    by_model: dict[str, list[int]] = {}
    for item in items:
        by_model.setdefault(item.model, []).append(item.pk)
    for label, pks in by_model.items():
        content_type = ContentType.objects.get_by_natural_key(*label.split("."))  # cached by Django
        condition |= Q(content_type=content_type, object_id__in=pks)
    rows = Assignment.objects.for_user(user).filter(condition).select_related("assignee", "content_type")
    return {f"{a.content_type.app_label}.{a.content_type.model}:{a.object_id}": a.assignee for a in rows}


def colleagues(user) -> list[User]:
    """Who an item may be assigned to: the organisation's staff and admins."""
    access = access_for(user)
    members = Membership.objects.filter(organisation_id=access.organisation_id, role__in=WRITERS).select_related("user")
    return sorted((m.user for m in members), key=lambda u: (str(u).lower(), u.pk))


def _count_key(user) -> str:
    access = access_for(user)
    return f"inbox-count:{user.pk}:{access.organisation_id}"


def count(user) -> int:
    """How many items wait, for the navigation: read again at most once a minute
    (the inbox page itself always reads them afresh)."""
    key = _count_key(user)
    found = cache.get(key)
    if found is None:
        found = sum(group.total for source in SOURCES for group in source(user, limit=0))
        cache.set(key, found, COUNT_SECONDS)
    return found


def forget_count(user) -> None:
    cache.delete(_count_key(user))


def notify_of(user) -> str:
    """How this staff member chose to be told, in the request's organisation."""
    access = access_for(user)
    found = (
        Membership.objects.for_user(user)
        .filter(user=user, organisation_id=access.organisation_id)
        .values_list("notify", flat=True)
        .first()
    )
    return found or Notify.DAILY
