"""Telling staff that something waits for them, as each one chose
(`Membership.notify`): at once by e-mail, in one digest a day, or not at all.

`tell_staff` is called by the domain apps' services, inside their transaction,
when something new waits (a remontée raised by a relais, reopened with nobody
following it, an initiative proposed, logistics or a grant requested): a message
is scheduled through the outbox for each staff member of the organisation who
asked to be told at once and may see it (staff limited to some quartiers, for
their quartiers only). The outbox's uniqueness on (recipient, subject, kind)
makes a second message for the same item impossible; what it says is written by
the inbox (inbox/messages.py, the « a_traiter » renderer) when it is sent.
"""

from __future__ import annotations

from django.db import models

from core import outbox
from core.models import Membership, Notify, User
from core.scoping import STAFF, WRITERS

KIND = "a_traiter"


def tell_staff(
    *,
    organisation_id: int,
    subject: models.Model,
    what: str,
    quartier_id: int | None = None,
    network: bool = False,
    by: User | None = None,
) -> int:
    """Schedule « <what> is waiting » for the staff who want to know at once.
    `what` names the event ("nouvelle", "rouverte-12"…): one message per
    recipient, subject and event. `quartier_id`: where it happens, for staff
    limited to some quartiers; `network`: the whole network's (a meeting, an
    initiative), seen by every staff member. Returns how many were scheduled."""
    members = (
        Membership.objects.filter(organisation_id=organisation_id, role__in=WRITERS, notify=Notify.AT_ONCE)
        .select_related("user")
        .prefetch_related("quartiers")
    )
    count = 0
    for member in members:
        if by is not None and member.user_id == by.pk:
            continue  # who did it knows
        limited = {q.pk for q in member.quartiers.all()}
        if not network and member.role == STAFF and limited and quartier_id not in limited:
            continue  # an agency's staff hear of their quartiers only
        if not member.user.is_active:
            continue
        if outbox.message_schedule(
            organisation_id=organisation_id,
            recipient=member.user,
            subject=subject,
            kind=f"{KIND}-{what}",
            by=by,
            send_now=True,
        ):
            count += 1
    return count
