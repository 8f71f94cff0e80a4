"""The public page of a network: its members that publish their own page (a
link to each), how many residences have active relais there, their upcoming
events open to all — never a person's name, no cookie, the same headers."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Membership, Organisation
from reseau.services import network_member_add
from tests.factories import (
    InitiativeFactory,
    MembershipFactory,
    OrganisationFactory,
    RelaisFactory,
    ResidenceFactory,
    UserFactory,
)
from vitrine.models import PublicPage, PublishedInitiative

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(world):
    """« Réseau régional » publishes its page; A and C publish theirs, D is a
    member that does not, B publishes but is not a member."""
    network = OrganisationFactory(name="Réseau régional", slug="reseau-regional", kind=Organisation.Kind.RESEAU)
    org_c = OrganisationFactory(name="Habitat C", slug="habitat-c")
    org_d = OrganisationFactory(name="Habitat Discret", slug="habitat-d")
    for member in (world.org_a, org_c, org_d):
        network_member_add(network=network, member=member)
    PublicPage.objects.create(organisation=network, published=True, contact="Coordination : 04 00 00 00 00")
    for org in (world.org_a, org_c, world.org_b):
        PublicPage.objects.create(organisation=org, published=True, show_names=True)
    PublicPage.objects.create(organisation=org_d, published=False)
    # C: two active relais in one residence (one agreed to be named on C's own page),
    # a candidate elsewhere (not counted).
    tours, parc = ResidenceFactory(organisation=org_c, name="Les Tours"), ResidenceFactory(organisation=org_c)
    RelaisFactory(organisation=org_c, first_name="Awa", last_name="Konaté", residences=[tours])  # every consent
    RelaisFactory(organisation=org_c, first_name="Zoé", last_name="Discrète", residences=[tours], consents=[])
    RelaisFactory(organisation=org_c, first_name="Léa", last_name="Candidate", status="candidat", residences=[parc])
    RelaisFactory(
        organisation=org_d, first_name="Omar", last_name="Caché", residences=[ResidenceFactory(organisation=org_d)]
    )
    network.org_c, network.org_d = org_c, org_d
    return network


def publish(org, title, days=5):
    initiative = InitiativeFactory(
        organisation=org, title=title, starts_on=timezone.localdate() + datetime.timedelta(days=days)
    )
    PublishedInitiative.objects.create(organisation=org, initiative=initiative)
    return initiative


def get(slug="reseau-regional"):
    return Client().get(reverse("public:page", args=[slug]))


def test_the_network_shows_its_published_members_their_counts_and_events(world, network):
    fete = publish(network.org_c, "Fête des Tours", days=3)
    hidden = publish(network.org_d, "Goûter discret")
    InitiativeFactory(organisation=world.org_a, title="Pas montrée", starts_on=timezone.localdate())
    response = get()
    assert response.status_code == 200
    body = response.content.decode().replace("&#x27;", "'")
    assert "<h1>Réseau régional" in body and "réseau Réseau" not in body
    assert 'href="/p/habitat-a/"' in body and 'href="/p/habitat-c/"' in body
    assert "Habitat C</a></strong> : 1 résidence où 2 relais sont actifs" in body
    # A member that does not publish its page is not there, nor what it would show;
    # an organisation outside the network neither.
    assert "Habitat Discret" not in body and "habitat-d" not in body and hidden.title not in body
    assert "Habitat B" not in body
    assert f'href="/p/habitat-c/rendez-vous/{fete.pk}/"' in body and "Fête des Tours" in body
    assert "Pas montrée" not in body
    assert "Coordination : 04 00 00 00 00" in body
    # The event's link leads to the member's own event page.
    assert Client().get(f"/p/habitat-c/rendez-vous/{fete.pk}/").status_code == 200


def test_the_network_page_never_names_a_person(world, network):
    body = get().content.decode()
    for word in ("Awa", "Konaté", "Zoé", "Discrète", "Léa", "Omar", "Caché", "Diallo", "PERSO-A", "Nadia", "@"):
        assert word not in body, word
    # The member's own page still names who agreed: the network's page is counts only.
    assert "Awa K." in get("habitat-c").content.decode()


def test_a_member_that_unpublishes_leaves_the_network_page_at_once(world, network):
    assert "Habitat C" in get().content.decode()
    page = PublicPage.objects.get(organisation=network.org_c)
    page.published = False
    page.save()
    assert "Habitat C" not in get().content.decode()
    # A member whose page hides its places is listed without counts.
    page.published, page.show_places = True, False
    page.save()
    assert "Habitat C</a></strong></li>" in get().content.decode()


def test_the_network_page_sets_no_cookie_and_has_the_security_headers(world, network):
    response = get()
    assert "Set-Cookie" not in response.headers and not response.cookies
    assert response["Cache-Control"] == "public, max-age=60"
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    # A network takes no candidates itself: its members do.
    assert Client().get(reverse("public:candidate", args=["reseau-regional"])).status_code == 404


def test_the_network_page_has_a_layout_to_embed(world, network):
    PublicPage.objects.filter(organisation=network).update(embed_origins="https://www.reseau.test")
    response = Client().get(reverse("public:embed", args=["reseau-regional"]))
    body = response.content.decode()
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "frame-ancestors https://www.reseau.test" in response["Content-Security-Policy"]
    assert '<a href="/p/habitat-c/" target="_top">Habitat C</a>' in body and "Konaté" not in body


def test_an_unpublished_network_page_does_not_exist(world, network):
    PublicPage.objects.filter(organisation=network).update(published=False)
    assert get().status_code == 404


def test_the_network_coordination_publishes_its_page(world, network, login):
    PublicPage.objects.filter(organisation=network).delete()
    publish(network.org_c, "Fête des Tours")
    coordinator = UserFactory(email="coordination@reseau.test")
    MembershipFactory(user=coordinator, organisation=network, role=Membership.Role.COORDINATOR)
    client = login(coordinator)
    form = client.get(reverse("public:settings")).content.decode()
    assert "ses membres qui ont publié leur propre page" in form
    # A network has no relais, stories or candidates of its own: not offered.
    assert 'name="show_names"' not in form and 'name="accept_candidates"' not in form
    assert "Fiche d'accueil" not in form.replace("&#x27;", "'")
    response = client.post(
        reverse("public:settings"),
        {"published": "on", "intro": "Le réseau des relais.", "contact": "", "embed_origins": ""},
    )
    assert response.status_code == 302
    body = get().content.decode()
    # Neither counts nor events were chosen.
    assert "Le réseau des relais." in body and "Habitat C</a></strong></li>" in body and "Fête" not in body
    page = PublicPage.objects.get(organisation=network)
    assert (page.published, page.show_places, page.show_events) == (True, False, False)
    # The member's staff do not choose the network's page.
    assert login(world.staff_a).get(reverse("public:settings")).status_code == 403
