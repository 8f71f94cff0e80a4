"""Engagement in a real chromium: the relais downloads their attestation from
the phone (360 px, axe), and the staff's pages at 1366 px. Screenshots of each
page and the attestation rendered by pdftoppm go to var/screenshots/."""

import datetime
import shutil
import subprocess

import pytest
from django.utils import timezone

from engagement.models import EngagementSettings
from tests.browser.conftest import SCREENSHOTS, log_in, screenshot
from tests.browser.test_relais_space import _axe, scroll_width
from tests.engagement.test_engagement import LAST_YEAR, _fresh, _known_relais
from tests.factories import ActivityFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_relais_downloads_their_attestation_from_the_phone(world, live_server, page):
    relais = _known_relais(world)
    ActivityFactory(relais=relais, date=timezone.localdate(), minutes=90)
    EngagementSettings.objects.create(
        organisation=world.org_a, signatory_name="Claire Martin", signatory_role="Responsable de la médiation"
    )
    log_in(page, live_server, world.relais_user_a)
    page.goto(f"{live_server.url}/espace/")
    page.get_by_role("link", name="Mon engagement et mes attestations").click()
    page.wait_for_url("**/espace/mes-attestations/")
    assert "Cette année, vous avez donné 1\u00a0h\u00a030" in page.inner_text("main")
    assert scroll_width(page) <= 360
    assert _axe(page) == []
    screenshot(page, "relais-engagement")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Télécharger l'attestation {LAST_YEAR}").click()
    path = SCREENSHOTS / "attestation.pdf"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "80", "-png", "-singlefile", str(path), str(SCREENSHOTS / "attestation")], check=True
        )


def test_staff_pages_at_1366(world, live_server, desktop):
    _known_relais(world)
    quiet = _fresh(world)
    quiet.activities.all().update(date=timezone.localdate() - datetime.timedelta(days=75))
    log_in(desktop, live_server, world.staff_a)
    for name, url in (
        ("staff-tableau-de-bord", "/tableau-de-bord/"),
        ("staff-relais-a-risque", "/engagement/relais-a-risque/"),
        ("staff-heures", f"/engagement/heures/?annee={LAST_YEAR}"),
        ("staff-attestations", f"/engagement/attestations/?annee={LAST_YEAR}"),
        ("staff-reglages-engagement", "/engagement/reglages/"),
    ):
        desktop.goto(live_server.url + url)
        assert _axe(desktop) == [], name
        screenshot(desktop, name)
    desktop.goto(live_server.url + "/engagement/relais-a-risque/")
    desktop.get_by_role("button", name="Appel prévu").first.click()
    assert "Appel prévu avec" in desktop.content()
