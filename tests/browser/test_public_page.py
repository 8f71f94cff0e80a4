"""The public page at 360 px and 1366 px, and « Devenir relais » sent from a phone."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.consents import consent_give
from core.models import Consent
from relais.models import Relais
from tests.browser.conftest import DESKTOP, log_in, screenshot
from tests.browser.test_relais_space import _axe
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


def _qr_link(pdf: bytes, folder: Path) -> str:
    """The text of the one QR code on the poster's first page, read from the
    page rendered as an image (pdftoppm, Debian's poppler-utils) as a phone's
    camera would read the printed poster."""
    if shutil.which("pdftoppm") is None:
        reason = "pdftoppm is missing: apt-get install poppler-utils"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, and REQUIRE_SERVICES=1")
        pytest.skip(reason)
    import zxingcpp
    from PIL import Image

    (folder / "poster.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", "poster.pdf", "poster"],
        cwd=folder,
        check=True,
        timeout=60,
    )
    with Image.open(folder / "poster.png") as image:
        codes = [c for c in zxingcpp.read_barcodes(image) if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1, codes
    return codes[0].text


def test_a_neighbour_comes_from_the_posters_qr_code_and_the_organiser_sees_them(
    published, world, page, live_server, monkeypatch, settings, tmp_path
):
    from initiatives.models import Initiative

    monkeypatch.setattr(antispam, "MIN_SECONDS", 0)  # a robot-fast test, not a robot
    settings.SITE_URL = live_server.url
    event = Initiative.objects.get(title="Fête des voisins de la résidence B")
    staff = Client()
    staff.force_login(world.staff_b)
    poster = staff.get(reverse("public:event_poster", args=[event.pk]))
    assert poster["Content-Type"] == "application/pdf"

    link = _qr_link(poster.content, tmp_path)
    assert link == f"{live_server.url}/p/{published.slug}/rendez-vous/{event.pk}/"
    page.goto(link)
    assert page.get_by_role("heading", name="Fête des voisins de la résidence B").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert _axe(page) == []
    page.get_by_label("Votre nom ou un pseudonyme").fill("Mamie Jo")
    page.locator("#id_household").fill("3")
    page.get_by_label("Me le rappeler la veille (facultatif)").fill("06 12 34 56 78")
    page.get_by_role("button", name="Je viendrai").click()
    page.get_by_text("Les organisateurs savent que vous venez").wait_for()
    assert event.neighbour_attendances.get().remind_to == "+33612345678"
    screenshot(page, "public-event-360")

    # The organiser, at their desk (one browser per test: a second context of it).
    desktop = page.context.browser.new_context(**DESKTOP, locale="fr-FR").new_page()
    log_in(desktop, live_server, world.staff_b)
    desktop.goto(f"{live_server.url}{reverse('initiatives:detail', args=[event.pk])}")
    venues = desktop.locator("#venues")
    assert "3 personnes annoncées" in venues.inner_text() and "Mamie Jo (3)" in venues.inner_text()
    screenshot(desktop, "public-event-organiser-1366")
    desktop.context.close()
