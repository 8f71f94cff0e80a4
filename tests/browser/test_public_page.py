"""The public page at 360 px and 1366 px, and « Devenir relais » sent from a phone."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from core.consents import consent_give
from core.models import Consent
from relais.models import Relais
from tests.browser.conftest import screenshot
from tests.factories import InitiativeFactory, RelaisFactory
from vitrine import antispam
from vitrine.models import PublicPage, PublishedInitiative

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published(world):
    PublicPage.objects.create(
        organisation=world.org_b,
        published=True,
        show_names=True,
        contact="Accueil : 12 rue du Lac, 74000 Annecy\nTéléphone : 04 50 00 00 00",
    )
    relais = RelaisFactory(
        organisation=world.org_b, first_name="Awa", last_name="Konaté", residences=[world.residence_b]
    )
    consent_give(relais, [Consent.Scope.ANNUAIRE], on=datetime.date(2025, 1, 1), by=None)
    event = InitiativeFactory(
        organisation=world.org_b,
        title="Fête des voisins de la résidence B",
        place="Cour de la résidence",
        starts_on=timezone.localdate() + datetime.timedelta(days=9),
    )
    PublishedInitiative.objects.create(organisation=world.org_b, initiative=event)
    return world.org_b


def _reads(screen, live_server, slug: str, name: str) -> None:
    screen.goto(f"{live_server.url}/p/{slug}/")
    assert screen.get_by_role("heading", name="Où sont les relais ?").is_visible()
    assert screen.get_by_text("Awa K.").is_visible()
    assert screen.get_by_text("Fête des voisins de la résidence B").is_visible()
    # Nothing wider than the screen, and no cookie for a visitor who only reads.
    assert screen.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert screen.context.cookies() == []
    screenshot(screen, name)


def test_public_page_reads_on_a_phone(published, page, live_server):
    _reads(page, live_server, published.slug, "public-360")


def test_public_page_reads_on_a_desktop(published, desktop, live_server):
    _reads(desktop, live_server, published.slug, "public-1366")


def test_a_neighbour_offers_to_become_relais_from_a_phone(published, page, live_server, monkeypatch):
    monkeypatch.setattr(antispam, "MIN_SECONDS", 0)  # a robot-fast test, not a robot
    page.goto(f"{live_server.url}/p/{published.slug}/")
    page.get_by_role("link", name="Devenir relais").click()
    assert not page.locator("#id_website").is_visible()  # the honeypot is out of sight
    page.get_by_label("Prénom").fill("Inès")
    page.locator("#id_last_name").fill("Garnier")
    page.get_by_label("Votre résidence").select_option(label="Résidence B")
    page.get_by_label("Adresse e-mail").fill("ines@example.test")
    page.get_by_label("J'accepte").check()
    screenshot(page, "public-candidate-360")
    page.get_by_role("button", name="Envoyer ma candidature").click()
    page.get_by_role("heading", name="Merci !").wait_for()
    assert Relais.objects.get(last_name="Garnier").status == Relais.Status.CANDIDAT


def test_a_neighbour_says_they_will_come_from_a_phone(published, page, live_server, monkeypatch):
    from initiatives.models import NeighbourAttendance as Attendance

    monkeypatch.setattr(antispam, "MIN_SECONDS", 0)
    page.goto(f"{live_server.url}/p/{published.slug}/")
    page.get_by_role("link", name="Fête des voisins de la résidence B").click()
    page.get_by_label("Votre nom ou un pseudonyme").fill("Mamie Jo")
    page.locator("#id_household").fill("3")
    page.get_by_role("button", name="Je viendrai").click()
    page.get_by_text("Les organisateurs savent que vous venez").wait_for()
    screenshot(page, "public-event-360")
    assert Attendance.objects.get().household == 3
