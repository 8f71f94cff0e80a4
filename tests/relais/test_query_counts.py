"""Every list page runs a constant number of SQL queries (asserted with 5 and with 50 rows).

For each page the count is captured with 5 rows of organisation A, then rows are
added up to 50 and the same count is asserted: a query per row (a missing
select_related or prefetch) fails here before it slows a real bailleur's pages.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Membership
from relais.models import Quartier, Relais, RelaisResidence, Residence
from tests.factories import (
    ContactLogFactory,
    MembershipFactory,
    QuartierFactory,
    RelaisFactory,
    ResidenceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def grow(world, n: int) -> None:
    """Top organisation A up to n quartiers, residences, relais and team members."""
    org = world.org_a
    for i in range(Quartier.objects.filter(organisation=org).count(), n):
        QuartierFactory(organisation=org, name=f"Quartier {i:03d}", is_qpv=i % 2 == 0)
    quartiers = list(Quartier.objects.filter(organisation=org).order_by("pk"))

    for i in range(Residence.objects.filter(organisation=org).count(), n):
        ResidenceFactory(
            organisation=org,
            quartier=quartiers[i % len(quartiers)],
            name=f"Résidence {i:03d}",
            dwellings=10 + i,
        )
    residences = list(Residence.objects.filter(organisation=org).order_by("pk"))

    today = timezone.localdate()
    for i in range(Relais.objects.filter(organisation=org).count(), n):
        status = [Relais.Status.ACTIF, Relais.Status.CANDIDAT, Relais.Status.PAUSE][i % 3]
        # One or two residences each, the first of them in quartier 1 half the time.
        linked = [residences[i % len(residences)]]
        if i % 2:
            linked.append(residences[(i + 1) % len(residences)])
        relais = RelaisFactory(organisation=org, last_name=f"Relais{i:03d}", status=status, residences=linked)
        for days in range(1 + i % 2):
            ContactLogFactory(relais=relais, date=today - datetime.timedelta(days=30 * (i % 5) + days))

    members = Membership.objects.filter(organisation=org).exclude(role=Membership.Role.RELAIS)
    for i in range(members.count(), n):
        membership = MembershipFactory(
            user=UserFactory(email=f"equipe{i:03d}@a.test"), organisation=org, role=Membership.Role.STAFF
        )
        membership.quartiers.set(quartiers[i % len(quartiers) : i % len(quartiers) + 2])

    # The relais with a login relays many residences.
    for residence in residences[:n]:
        RelaisResidence.objects.get_or_create(relais=world.relais_a, residence=residence)


PAGES = [
    # (user attribute of the world, url, text that shows with 50 rows)
    ("staff_a", "/tableau-de-bord/", "Relais qui s'éloignent"),
    ("agency_a", "/tableau-de-bord/", "Tableau de bord"),
    ("partner_a", "/tableau-de-bord/", "Tableau de bord"),
    ("staff_a", "/residences/", "Page 1 sur 2"),
    ("partner_a", "/residences/", "Page 1 sur 2"),
    ("agency_a", "/residences/", "Résidences"),
    ("staff_a", "/residences/?qpv=true&covered=false", "Résidences"),
    ("staff_a", "/relais/", "Page 1 sur 2"),
    ("agency_a", "/relais/", "Relais"),
    ("staff_a", "/relais/?status=actif&last_contact=plus90", "Relais"),
    ("staff_a", "/quartiers/", "Page 1 sur 2"),
    ("admin_a", "/equipe/", "Page 1 sur 2"),
    ("relais_user_a", "/espace/", "Résidence 049"),
]


@pytest.mark.parametrize("who, url, shown", PAGES)
def test_list_page_query_count_does_not_grow_with_rows(world, login, django_assert_num_queries, who, url, shown):
    client = login(getattr(world, who))
    grow(world, 5)
    assert client.get(url).status_code == 200  # warm up the session
    with CaptureQueriesContext(connection) as at_5:
        response = client.get(url)
    assert response.status_code == 200

    grow(world, 50)
    with django_assert_num_queries(len(at_5)):
        response = client.get(url)
    assert response.status_code == 200
    assert shown in response.content.decode()


def test_lists_show_their_rows_at_50(world, login):
    grow(world, 50)
    client = login(world.staff_a)

    residences = client.get("/residences/").content.decode()
    assert "Page 1 sur 2 (50 éléments)" in residences
    assert "Résidence 002" in residences
    assert "Résidence 049" not in residences  # on page 2, sorted by name
    assert "Résidence 049" in client.get("/residences/?page=2").content.decode()

    relais = client.get("/relais/").content.decode()
    assert "Page 1 sur 2 (50 éléments)" in relais
    # Residences of a relais come from the prefetch: both are listed.
    link_names = [link.residence.name for link in Relais.objects.get(last_name="Relais003").relais_links.all()]
    assert len(link_names) == 2
    page_2 = client.get("/relais/?page=2").content.decode()
    assert all(name in relais + page_2 for name in link_names)

    assert "Page 1 sur 2 (50 éléments)" in client.get("/quartiers/").content.decode()
    assert "Page 1 sur 2 (50 éléments)" in login(world.admin_a).get("/equipe/").content.decode()
    espace = login(world.relais_user_a).get("/espace/").content.decode()
    assert espace.count("<strong>Résidence ") >= 48


@pytest.mark.parametrize("kind", ["residence", "relais"])
def test_detail_page_query_count_does_not_grow_with_history(world, login, django_assert_num_queries, kind):
    """A residence with many relais, a relais with many exchanges: still constant."""
    client = login(world.staff_a)
    residence, relais = world.residence_a1, world.relais_a
    url = f"/residences/{residence.pk}/" if kind == "residence" else f"/relais/{relais.pk}/"

    def add(count):
        for _ in range(count):
            RelaisFactory(organisation=world.org_a, residences=[residence])
            ContactLogFactory(
                relais=relais,
                kind="appel",
                date=datetime.date(2026, 1, 5),
                author=world.staff_a,
            )

    add(5)
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as at_5:
        assert client.get(url).status_code == 200
    add(45)
    with django_assert_num_queries(len(at_5)):
        response = client.get(url)
    assert response.status_code == 200
