"""The standing cast: every view is tried by each of them.

Organisation A (a bailleur, two quartiers) and organisation B; in A an admin, a
staff member, an agency staff member limited to quartier 1, a partner and a
relais with a login; in B a staff member. Objects of A carry the marker
"SECRET-A" in their names, so a leak to B shows in any page's text.
"""

import os
from dataclasses import dataclass

import pytest
from django.test import Client

from core.models import Membership, Organisation, User
from relais.models import Quartier, Relais, Residence
from tests.factories import (
    ContactLogFactory,
    MembershipFactory,
    OrganisationFactory,
    QuartierFactory,
    RelaisFactory,
    ResidenceFactory,
    UserFactory,
)

MARKER = "SECRET-A"


def require_service(name: str, available: bool) -> None:
    """Skip a test that needs a service, or fail under REQUIRE_SERVICES=1 (CI)."""
    if available:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{name} is required (REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{name} not available")


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    q1: Quartier
    q2: Quartier
    qb: Quartier
    residence_a1: Residence
    residence_a2: Residence
    residence_b: Residence
    relais_a: Relais
    relais_a2: Relais
    relais_b: Relais
    admin_a: User
    staff_a: User
    agency_a: User
    partner_a: User
    relais_user_a: User
    staff_b: User


@pytest.fixture
def world(db) -> World:
    org_a = OrganisationFactory(name="Habitat A", slug="habitat-a")
    org_b = OrganisationFactory(name="Habitat B", slug="habitat-b")
    q1 = QuartierFactory(organisation=org_a, name=f"Quartier 1 {MARKER}", is_qpv=True)
    q2 = QuartierFactory(organisation=org_a, name=f"Quartier 2 {MARKER} HORS-AGENCE")
    qb = QuartierFactory(organisation=org_b, name="Quartier B")
    residence_a1 = ResidenceFactory(organisation=org_a, quartier=q1, name=f"Les Tilleuls {MARKER}", dwellings=120)
    residence_a2 = ResidenceFactory(
        organisation=org_a, quartier=q2, name=f"Le Belvédère {MARKER} HORS-AGENCE", dwellings=80
    )
    residence_b = ResidenceFactory(organisation=org_b, quartier=qb, name="Résidence B")

    relais_user_a = UserFactory(email="relais@a.test")
    relais_a = RelaisFactory(
        organisation=org_a, user=relais_user_a, last_name=f"Diallo {MARKER} PERSO-A", residences=[residence_a1]
    )
    relais_a2 = RelaisFactory(
        organisation=org_a, last_name=f"Moreau {MARKER} PERSO-A2 HORS-AGENCE", residences=[residence_a2]
    )
    relais_b = RelaisFactory(organisation=org_b, last_name="Relais B", residences=[residence_b])
    ContactLogFactory(relais=relais_a, note=f"Appel {MARKER} PERSO-A")

    def member(email, org, role, quartiers=()):
        membership = MembershipFactory(user=UserFactory(email=email), organisation=org, role=role)
        membership.quartiers.set(quartiers)
        return membership.user

    R = Membership.Role
    world = World(
        org_a=org_a,
        org_b=org_b,
        q1=q1,
        q2=q2,
        qb=qb,
        residence_a1=residence_a1,
        residence_a2=residence_a2,
        residence_b=residence_b,
        relais_a=relais_a,
        relais_a2=relais_a2,
        relais_b=relais_b,
        admin_a=member("admin@a.test", org_a, R.ADMIN),
        staff_a=member("staff@a.test", org_a, R.STAFF),
        agency_a=member("agence@a.test", org_a, R.STAFF, quartiers=[q1]),
        partner_a=member("partenaire@a.test", org_a, R.PARTNER),
        relais_user_a=relais_user_a,
        staff_b=member("staff@b.test", org_b, R.STAFF),
    )
    MembershipFactory(user=relais_user_a, organisation=org_a, role=R.RELAIS)
    return world


# Modules whose tests start Celery workers, beat, gunicorn or `make run` on the
# shared broker: when the suite runs on several processes (pytest-xdist,
# --dist loadgroup) they all go to one of them, one after the other, so that no
# worker takes another test's tasks.
ONE_AT_A_TIME = {"test_real_services.py", "test_deploy.py", "test_make_run.py", "test_attestations_worker.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in ONE_AT_A_TIME:
            item.add_marker(pytest.mark.xdist_group("stack"))


@pytest.fixture(autouse=True)
def _empty_cache():
    # allauth's rate limits count in the cache: no test inherits another's attempts.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded photos go to a folder of the test's own, never var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def login():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
