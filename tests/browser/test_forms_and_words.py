"""Forms and pages as staff see them at 1366×900: the board's filters on one
line and ages on one line, the remontée's answer and follow-up cards using the
width, « non retenue » refused at its field with the choice kept, the login by
code styled as the login page."""

import pytest

from tests.browser.conftest import log_in, screenshot
from tests.factories import RemonteeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_board_and_remontee_page_at_desktop_width(world, live_server, desktop):
    remontee = RemonteeFactory(residence=world.residence_a1, description="Ascenseur en panne " * 8)
    log_in(desktop, live_server, world.staff_a)
    desktop.goto(live_server.url + "/remontees/")
    age = desktop.locator("td.nowrap").first
    lines = age.evaluate(
        "td => { const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length; }"
    )
    assert lines == 1, "the age wraps"
    button = desktop.locator(".filters button[type=submit]").bounding_box()
    reset = desktop.locator(".filters .actions a").bounding_box()
    residence = desktop.locator(".filters select[name=residence]").bounding_box()
    screenshot(desktop, "staff-remontees")
    assert abs(reset["y"] + reset["height"] / 2 - (button["y"] + button["height"] / 2)) <= 4  # side by side
    assert abs((button["y"] + button["height"]) - (residence["y"] + residence["height"])) <= 4  # one bottom line
    screenshot(desktop, "staff-remontees")

    desktop.goto(live_server.url + f"/remontees/{remontee.pk}/")
    main = desktop.locator("main").bounding_box()
    cards = desktop.locator(".columns > form.card")
    used = sum(cards.nth(i).bounding_box()["width"] for i in range(cards.count()))
    assert cards.count() == 2 and used > 0.9 * (main["width"] - 40)
    desktop.get_by_label("Nouveau statut").select_option("non_retenue")
    desktop.get_by_role("button", name="Enregistrer et prévenir le relais").click()
    field = desktop.locator(".field.has-error", has=desktop.locator("textarea[name=comment]"))
    assert "Expliquez au relais pourquoi" in field.inner_text()
    assert desktop.get_by_label("Nouveau statut").input_value() == "non_retenue"
    screenshot(desktop, "staff-remontee")


def test_login_by_code_looks_like_the_login(live_server, desktop):
    desktop.goto(live_server.url + "/comptes/login/")
    assert desktop.get_by_text("Mot de passe oublié").count() == 1
    desktop.get_by_role("link", name="Recevoir un code de connexion par e-mail").click()
    card = desktop.locator(".card.narrow")
    assert card.is_visible() and card.bounding_box()["width"] <= 500
    button = desktop.get_by_role("button", name="Demander un code")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 95, 165)"
    screenshot(desktop, "connexion-code")
