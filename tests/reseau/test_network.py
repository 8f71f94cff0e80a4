"""The network: scoping of a network's coordination and of its members' staff,
the dashboard's figures (the members' bilans added up), its query budget."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from bilans.selectors import bilan_figures
from core.integrity import run as check_data
from core.models import Membership, NetworkMembership
from relais.models import Relais
from reseau import selectors, services
from reseau.models import MemberFigures
from reunions.models import Reunion
from tests.bilans.test_bilans import _grow
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import plan_reunion, text
from tests.reseau.conftest import queries_alike_for_3_and_60_members

pytestmark = pytest.mark.django_db


def test_a_coordinator_reads_no_person_and_nothing_outside_the_network(world, net):
    services.network_figures_refresh(network=net.network, year=2025)
    assert not Relais.objects.for_user(net.coordinator).exists()
    assert not Membership.objects.for_user(net.coordinator).exclude(organisation=net.network).exists()
    readable = set(MemberFigures.objects.for_user(net.coordinator).values_list("organisation_id", flat=True))
    assert readable == {world.org_a.pk, net.org_c.pk}
    # B is outside: B's staff read nothing of the network, the network nothing of B.
    services.member_figures_compute(organisation=world.org_b, year=2025)
    read = MemberFigures.objects.for_user(net.coordinator).values_list("organisation_id", flat=True)
    assert world.org_b.pk not in set(read)
    assert not MemberFigures.objects.for_user(world.staff_b).exclude(organisation=world.org_b).exists()
    assert not NetworkMembership.objects.for_user(world.staff_b).exists()


def test_a_member_that_stops_sharing_disappears_from_the_others_at_once(world, net):
    services.network_figures_refresh(network=net.network, year=2025)
    assert MemberFigures.objects.for_user(world.staff_a).filter(organisation=net.org_c).exists()
    link = NetworkMembership.objects.get(network=net.network, member=net.org_c)
    services.sharing_set(link=link, shares_figures=False)
    assert not MemberFigures.objects.for_user(world.staff_a).filter(organisation=net.org_c).exists()
    assert not MemberFigures.objects.for_user(net.coordinator).filter(organisation=net.org_c).exists()
    # Its own figures stay its own; the partner and the agency staff read no one else's.
    assert MemberFigures.objects.for_user(net.staff_c).filter(organisation=net.org_c).exists()
    assert not MemberFigures.objects.for_user(world.partner_a).exists()
    assert not MemberFigures.objects.for_user(world.agency_a).exists()


def test_nothing_shared_is_written_through_the_network(world, net):
    """A member's staff read the network's rows; the door to change one stays shut."""
    link = NetworkMembership.objects.get(network=net.network, member=net.org_c)
    assert NetworkMembership.objects.for_user(world.staff_a).filter(pk=link.pk).exists()
    assert not NetworkMembership.objects.for_user(world.staff_a, write=True).filter(pk=link.pk).exists()
    with pytest.raises(Http404):
        NetworkMembership.objects.get_for_user(world.staff_a, link.pk, write=True)


def test_the_network_figures_are_the_sum_of_each_members_bilan(world, net):
    _grow(world.org_a, 0, 4)
    _grow(net.org_c, 10, 17)
    services.network_figures_refresh(network=net.network, year=2025)
    totals = selectors.network_totals(net.coordinator, net.network, year=2025)
    bilans = [bilan_figures(org, 2025) for org in (world.org_a, net.org_c)]
    assert totals["relais_active"] == sum(b["relais"]["active"] for b in bilans) > 0
    assert totals["reunions_held"] == sum(b["reunions"]["held"] for b in bilans) > 0
    assert totals["initiatives_done"] == sum(b["initiatives"]["done"] for b in bilans) > 0
    assert totals["participants"] == sum(b["initiatives"]["participants"] for b in bilans) > 0
    covered = sum(b["coverage"]["covered"] for b in bilans)
    residences = sum(b["coverage"]["residences"] for b in bilans)
    # A share over the network: the sum of the parts over the sum of the wholes.
    assert totals["coverage"] == round(100 * covered / residences, 1)
    within = sum(b["remontees"]["answered_within"] for b in bilans)
    answerable = sum(b["remontees"]["answerable"] for b in bilans)
    assert totals["within"] == (round(100 * within / answerable, 1) if answerable else None)
    # Each member's row says its own bilan's figures.
    row = MemberFigures.objects.get(organisation=net.org_c, year=2025)
    assert (row.relais_active, row.initiatives_done) == (7, 7)


def test_the_dashboard_shows_members_side_by_side_sorted(world, net, login):
    _grow(world.org_a, 0, 2)
    _grow(net.org_c, 10, 15)
    services.network_figures_refresh(network=net.network, year=2025)
    client = login(net.coordinator)
    page = text(client.get(f"/reseau/{net.network.pk}/chiffres/?annee=2025&tri=-relais_active"))
    assert page.index("Habitat C") < page.index("Habitat A")
    page = text(client.get(f"/reseau/{net.network.pk}/chiffres/?annee=2025&tri=relais_active"))
    assert page.index("Habitat A") < page.index("Habitat C")
    assert "Diallo" not in page and "SECRET-A" not in page
    # A member's staff see the same shared figures; B's staff are told nothing.
    assert "Habitat C" in text(login(world.staff_a).get(f"/reseau/{net.network.pk}/chiffres/?annee=2025"))
    assert login(world.staff_b).get(f"/reseau/{net.network.pk}/chiffres/").status_code == 404
    assert login(world.partner_a).get(f"/reseau/{net.network.pk}/chiffres/").status_code == 403
    # Bad input: a year that is not one, an unknown sort: the page still answers.
    assert client.get(f"/reseau/{net.network.pk}/chiffres/?annee=abc&tri=;drop").status_code == 200


def test_the_dashboard_takes_the_same_queries_for_3_and_60_members(world, net, login):
    client = login(net.coordinator)
    url = f"/reseau/{net.network.pk}/chiffres/?annee=2025"

    response = queries_alike_for_3_and_60_members(client, url, net.network)
    assert "Page 1 sur 3" in text(response)


def test_the_refresh_is_the_coordinations_and_runs_as_a_task(world, net, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(net.coordinator).post(f"/reseau/{net.network.pk}/chiffres/actualiser/", {"annee": "2025"})
    assert response.status_code == 302
    assert MemberFigures.objects.filter(year__in=(2024, 2025)).count() == 4
    # A member's staff may not run it.
    assert login(world.staff_a).post(f"/reseau/{net.network.pk}/chiffres/actualiser/").status_code == 403


def test_a_members_admin_chooses_what_it_shares(world, net, login):
    response = login(world.admin_a).post(f"/reseau/{net.network.pk}/partage/", {})
    assert response.status_code == 302
    assert not NetworkMembership.objects.get(network=net.network, member=world.org_a).shares_figures
    assert login(world.staff_a).post(f"/reseau/{net.network.pk}/partage/", {}).status_code == 403


def test_check_data_says_a_coordinator_outside_a_network(world, net):
    assert not [p for p in check_data() if p.kind.startswith("reseau.")]
    MembershipFactory(user=UserFactory(email="x@a.test"), organisation=world.org_a, role=Membership.Role.COORDINATOR)
    assert [p.kind for p in check_data() if p.kind.startswith("reseau.")] == ["reseau.coordination_hors_reseau"]


def test_a_network_meeting_is_read_by_members_staff_without_its_invitees(world, net, login):
    start = timezone.now() + datetime.timedelta(days=5)
    reunion = plan_reunion(
        world,
        start,
        organisation=net.network,
        by=net.coordinator,
        kind="comite",
        title="Comité opérationnel",
        address="Lyon",
    )
    page = text(login(world.staff_a).get(f"/reseau/{net.network.pk}/reunions/"))
    assert "Comité opérationnel" in page
    assert login(world.staff_b).get(f"/reseau/{net.network.pk}/reunions/").status_code == 404
    # The staff page of the meeting stays the network's.
    assert login(world.staff_a).get(f"/reunions/{reunion.pk}/").status_code == 404
    assert not Reunion.objects.for_user(world.staff_a).filter(pk=reunion.pk).exists()
