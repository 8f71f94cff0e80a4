"""A relais answers a meeting invitation from the signed link in their SMS or
e-mail, on a 360-px phone, without logging in; an altered or expired link says
so in French and changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from reunions import services
from reunions.models import Invitee, Reunion
from tests.browser.conftest import screenshot

# The live server answers from another thread: the data must be committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TITLE = "Thématique : chauffage et eau chaude"
ANSWERS = ("Présent·e", "Absent·e", "Peut-être")


def invited(world, days: int = 12) -> Invitee:
    """Relais A invited by staff A to a meeting in `days` days, 18 h 30–20 h 30."""
    start = timezone.localtime(timezone.now() + datetime.timedelta(days=days)).replace(
        hour=18, minute=30, second=0, microsecond=0
    )
    reunion = services.reunion_plan(
        organisation=world.org_a,
        by=world.staff_a,
        kind=Reunion.Kind.THEMATIQUE,
        title=TITLE,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        residence=world.residence_a1,
    )
    assert services.invitations_send(reunion=reunion, by=world.staff_a, relais=[world.relais_a]) == 1
    return Invitee.objects.get(reunion=reunion, relais=world.relais_a)


def link(live_server, token: str) -> str:
    return live_server.url + reverse("reunions:rsvp", kwargs={"token": token})


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_relais_answers_with_one_tap_on_a_phone(world, live_server, page):
    invitee = invited(world)
    start = timezone.localtime(invitee.reunion.starts_at)

    response = page.goto(link(live_server, services.rsvp_token(invitee)))

    assert response.status == 200
    assert page.get_by_role("heading", name=TITLE).is_visible()
    text = page.inner_text("main")
    # « Jeudi 7 janvier 2027, de 18 h 30 à 20 h 30 », in French.
    day = formats.date_format(start, "l j F Y")
    assert day.capitalize() in text, f"the date in French ({day}) is on the page"
    assert "de 18\u00a0h\u00a030 à 20\u00a0h\u00a030" in text
    assert "Serez-vous là" in text
    assert scroll_width(page) <= 360, "no sideways scrolling on a 360-px screen"
    buttons = [page.get_by_role("button", name=label, exact=True) for label in ANSWERS]
    for label, button in zip(ANSWERS, buttons, strict=True):
        box = button.bounding_box()
        assert box is not None, f"« {label} » is on screen"
        assert box["height"] >= 44, f"« {label} » is {box['height']} px high: a thumb needs 44"
    screenshot(page, "rsvp-avant")

    with page.expect_navigation():
        buttons[0].tap()

    confirmation = page.get_by_role("status")
    assert confirmation.is_visible()
    assert "Merci, votre réponse est enregistrée" in confirmation.inner_text()
    assert "présent·e" in confirmation.inner_text()
    assert scroll_width(page) <= 360
    screenshot(page, "rsvp-apres")
    invitee.refresh_from_db()
    assert invitee.answer == Invitee.Answer.PRESENT == "present"
    assert invitee.answered_at is not None


def test_an_altered_link_says_so_and_changes_nothing(world, live_server, page):
    invitee = invited(world)
    token = services.rsvp_token(invitee)
    value, signature = token.rsplit(":", 1)
    # One character of the signature changed, as when a link is mistyped.
    middle = len(signature) // 2
    altered = f"{value}:{signature[:middle]}{'B' if signature[middle] != 'B' else 'C'}{signature[middle + 1 :]}"
    assert altered != token and len(altered) == len(token)

    response = page.goto(link(live_server, altered))

    assert response.status == 400
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Ce lien n'est pas valide : il a peut-être été mal copié."
    assert page.get_by_role("button", name=ANSWERS[0]).count() == 0
    assert TITLE not in page.inner_text("main")
    assert scroll_width(page) <= 360
    screenshot(page, "rsvp-lien-altere")
    invitee.refresh_from_db()
    assert invitee.answer == ""
    assert invitee.answered_at is None


def test_an_expired_link_says_so_and_changes_nothing(world, live_server, page):
    invitee = invited(world)
    token = services.rsvp_token(invitee)
    past = timezone.now() - datetime.timedelta(days=1)
    Reunion.objects.filter(pk=invitee.reunion_id).update(starts_at=past, ends_at=past + datetime.timedelta(hours=2))

    response = page.goto(link(live_server, token))

    assert response.status == 400
    assert page.get_by_role("alert").inner_text() == "Cette réunion est passée : le lien de réponse a expiré."
    assert page.get_by_role("button", name=ANSWERS[0]).count() == 0
    assert scroll_width(page) <= 360
    screenshot(page, "rsvp-lien-expire")
    invitee.refresh_from_db()
    assert invitee.answer == ""
    assert invitee.answered_at is None
