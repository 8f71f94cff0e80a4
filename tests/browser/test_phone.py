"""A relais' pages on a 360×740 phone, as a relais notices them: the header is
one short line and the destinations are a bar at the bottom, every link and
button is at least 44×44 px (24 px on staff pages), tables are read as stacked
rows, the photo chosen for an initiative's report survives a validation error,
and an answer given while the home page is open is news on the next visit."""

import pytest

from initiatives.models import InitiativePhoto
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_relais_space import network, relais_pages, scroll_width, staff_pages
from tests.helpers import jpeg

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# Every visible control: for a box in its label, the label (what a finger hits).
SMALL_TARGETS = """(min) => [...document.querySelectorAll(
    'a[href], button, summary, select, textarea, input:not([type=hidden])')]
  .filter(e => !e.closest('.skip') && e.getClientRects().length)
  .map(e => {
    const target = e.matches('input[type=checkbox], input[type=radio]') && e.closest('label') || e;
    const box = target.getBoundingClientRect();
    const name = (e.innerText || e.value || e.name || e.getAttribute('aria-label') || '').trim().slice(0, 50);
    return {name, tag: e.tagName, w: Math.round(box.width), h: Math.round(box.height)};
  })
  .filter(t => t.w < min || t.h < min)"""


def small_targets(page, live_server, urls, minimum: int) -> dict[str, list]:
    """The controls smaller than `minimum` px on each page (none, as it should be)."""
    small = {}
    for url in urls:
        page.goto(live_server.url + url)
        found = page.evaluate(SMALL_TARGETS, minimum)
        if found:
            small[url] = found
    return small


def test_relais_header_is_short_and_destinations_are_one_tap_away(world, live_server, page):
    pages = relais_pages(world)
    log_in(page, live_server, world.relais_user_a)
    page.goto(live_server.url + "/espace/")
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] <= 64, header  # was 310 px: content started at 42 % of the screen
    bar = page.get_by_role("navigation", name="Navigation principale")
    box = bar.bounding_box()
    assert box["y"] + box["height"] == 740 and box["width"] == 360  # the bottom of the screen
    links = bar.get_by_role("link")
    assert links.all_inner_texts() == ["Accueil", "Réunions", "Remontées", "Initiatives", "Données"]
    assert page.locator(".tabbar a[aria-current=page]").inner_text() == "Accueil"
    screenshot(page, "relais-barre")
    bar.get_by_role("link", name="Réunions").tap()
    page.wait_for_url("**/reunions/mes-reunions/")
    assert page.locator(".tabbar a[aria-current=page]").inner_text() == "Réunions"
    # The account: folded into one line, opened with a tap.
    assert not page.get_by_role("button", name="Se déconnecter").is_visible()
    page.get_by_text("Compte", exact=True).tap()
    assert page.get_by_role("button", name="Se déconnecter").is_visible()

    assert small_targets(page, live_server, pages.values(), 44) == {}


def test_staff_targets_are_at_least_24_px(world, live_server, desktop):
    relais_pages(world)
    log_in(desktop, live_server, world.staff_a)
    assert small_targets(desktop, live_server, staff_pages(world).values(), 24) == {}


def test_my_data_tables_are_stacked_rows_on_a_phone(world, live_server, page):
    relais_pages(world)
    log_in(page, live_server, world.relais_user_a)
    page.goto(live_server.url + "/donnees/mes-donnees/")
    assert scroll_width(page) <= 360
    tables = page.locator("table.stack")
    assert tables.count() >= 1
    for i in range(tables.count()):
        table = tables.nth(i)
        assert table.bounding_box()["width"] <= 330
        assert table.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    cell = tables.first.locator("td").first
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label.strip('"').endswith(" : ")
    screenshot(page, "relais-mes-donnees-phone")


def test_the_photo_of_a_report_is_kept_after_a_validation_error(world, live_server, page):
    initiative = network(world)["initiative"]
    log_in(page, live_server, world.relais_user_a)
    page.goto(live_server.url + f"/initiatives/{initiative.pk}/apres/")
    page.locator("input[name=participants]").fill("10")
    page.get_by_label("dont enfants").fill("20")  # more children than participants
    page.locator("input[name=photo]").set_input_files(
        files=[{"name": "fete.jpg", "mimeType": "image/jpeg", "buffer": jpeg((1200, 900), "orange")}]
    )
    page.get_by_label("Les personnes reconnaissables").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").tap()
    assert "plus que les 10 participants" in page.inner_text("main")
    assert page.get_by_text("Votre photo est gardée").is_visible()
    page.get_by_label("dont enfants").fill("4")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").tap()
    assert InitiativePhoto.objects.filter(initiative=initiative).count() == 1
    assert page.locator("main img").count() >= 1
    screenshot(page, "relais-initiative-photo-gardee")
