"""A relais answers an invitation from the link in their SMS or e-mail, on a
360-px phone, without logging in; a bad link says so and changes nothing."""

import datetime

import pytest
from django.utils import timezone

from reunions import services
from reunions.models import Invitee, Reunion
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def invited(world, days=12):
    start = timezone.localtime(timezone.now() + datetime.timedelta(days=days)).replace(
        hour=18, minute=30, second=0, microsecond=0
    )
    reunion = services.reunion_plan(
        organisation=world.org_a,
        by=world.staff_a,
        kind="thematique",
        title="Thématique : chauffage et eau chaude",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        residence=world.residence_a1,
    )
    return Invitee.objects.create(reunion=reunion, relais=world.relais_a)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_relais_answers_with_one_tap_on_a_phone(world, live_server, phone):
    invitee = invited(world)
    phone.goto(live_server.url + f"/reunions/reponse/{services.rsvp_token(invitee)}/")
    assert phone.get_by_role("heading", name="Thématique : chauffage et eau chaude").is_visible()
    assert "18\u00a0h\u00a030" in phone.inner_text("main") and "Serez-vous là\u00a0?" in phone.inner_text("main")
    assert fits_the_screen(phone), "no sideways scrolling on a 360-px screen"
    buttons = [phone.get_by_role("button", name=label) for label in ("Présent·e", "Absent·e", "Peut-être")]
    for button in buttons:
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, "touch targets of at least 44 px"
    screenshot(phone, "rsvp-avant")

    with phone.expect_navigation():
        buttons[0].tap()
    assert "Merci, votre réponse est enregistrée\u00a0: présent·e" in phone.inner_text("main")
    screenshot(phone, "rsvp-apres")
    invitee.refresh_from_db()
    assert invitee.answer == "present" and invitee.answered_at is not None


def test_an_altered_link_says_so_and_changes_nothing(world, live_server, phone):
    invitee = invited(world)
    token = services.rsvp_token(invitee)
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = phone.goto(live_server.url + f"/reunions/reponse/{altered}/")
    assert response.status == 400
    assert "Ce lien n'est pas valide" in phone.inner_text("main")
    assert phone.get_by_role("button", name="Présent·e").count() == 0
    assert fits_the_screen(phone)
    screenshot(phone, "rsvp-lien-altere")
    invitee.refresh_from_db()
    assert invitee.answer == ""


def test_an_expired_link_says_so_and_changes_nothing(world, live_server, phone):
    invitee = invited(world)
    past = timezone.now() - datetime.timedelta(days=1)
    Reunion.objects.filter(pk=invitee.reunion_id).update(starts_at=past, ends_at=past + datetime.timedelta(hours=2))
    response = phone.goto(live_server.url + f"/reunions/reponse/{services.rsvp_token(invitee)}/")
    assert response.status == 400
    assert "Cette réunion est passée : le lien de réponse a expiré." in phone.inner_text("main")
    screenshot(phone, "rsvp-lien-expire")
    invitee.refresh_from_db()
    assert invitee.answer == ""
