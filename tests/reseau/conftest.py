"""A network around the standing cast: « Réseau régional » (kind réseau) with
organisations A and C as members, B outside; a coordinator of the network."""

from dataclasses import dataclass

import pytest

from core.models import Membership, Organisation, User
from reseau import services
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
