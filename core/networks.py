"""Networks of organisations (core.NetworkMembership), read by the apps below
`reseau/` that must know them: a network's meeting invites its members' people."""

from __future__ import annotations

from core.models import NetworkMembership


def member_ids(network_id: int) -> set[int]:
    """The active members of a network (none for an organisation that is not one)."""
    return set(
        NetworkMembership.objects.filter(network_id=network_id, left_on__isnull=True).values_list(
            "member_id", flat=True
        )
    )
