"""A network around the standing cast: « Réseau régional » (kind réseau) with
organisations A and C as members, B outside; a coordinator of the network."""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Membership, Organisation, User
from reseau import services
from reseau.models import MemberFigures
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@dataclass
class Net:
    network: Organisation
    org_c: Organisation
    coordinator: User
    staff_c: User


@pytest.fixture
def net(world) -> Net:
    network = OrganisationFactory(name="Réseau régional", slug="reseau-regional", kind=Organisation.Kind.RESEAU)
    org_c = OrganisationFactory(name="Habitat C", slug="habitat-c")
    services.network_member_add(network=network, member=world.org_a)
    services.network_member_add(network=network, member=org_c)
    coordinator = UserFactory(email="coordination@reseau.test", first_name="Claire", last_name="Coordination")
    MembershipFactory(user=coordinator, organisation=network, role=Membership.Role.COORDINATOR)
    staff_c = UserFactory(email="staff@c.test")
    MembershipFactory(user=staff_c, organisation=org_c, role=Membership.Role.STAFF)
    return Net(network=network, org_c=org_c, coordinator=coordinator, staff_c=staff_c)


def members_with_figures(network: Organisation, first: int, last: int) -> None:
    """Members « Bailleur 000 »… of the network with made-up figures of 2024 and
    2025 (for the query budgets: rows, not computations)."""
    for n in range(first, last):
        org = OrganisationFactory(name=f"Bailleur {n:03}", slug=f"bailleur-{n}")
        services.network_member_add(network=network, member=org)
        for year in (2024, 2025):
            MemberFigures.objects.create(
                organisation=org, year=year, relais_active=n, residences=10, covered=n % 10,
                remontees_answerable=5, remontees_answered_within=n % 5, computed_at="2026-01-01T00:00Z",
            )  # fmt: skip


def queries_alike_for_3_and_60_members(client, url: str, network: Organisation):
    """The page at `url` with 3 members, then 60: the same number of queries (asserted); the last answer."""
    members_with_figures(network, 0, 3)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    members_with_figures(network, 3, 60)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
    return response
