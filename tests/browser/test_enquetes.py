"""A tenant answers a questionnaire of every kind of question on a 360 px
phone, from the poster's QR-code link; axe finds no serious violation on the
respondent's pages nor on the staff's (1366 px). Screenshots for a person to
look at: var/screenshots/enquete-*.png."""

from __future__ import annotations

import pytest
from django.utils import timezone

from enquetes import links, services, views
from enquetes.models import Answer, Response
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_relais_space import _axe
from tests.enquetes.helpers import every_kind

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_tenant_answers_every_kind_from_the_qr_link(world, page, live_server, monkeypatch):
    monkeypatch.setattr(views, "MIN_SECONDS", 0)  # a robot-fast test, not a robot
    questionnaire, q = every_kind(world, audience="locataires", residences=[world.residence_a1])
    link = links.open_url(questionnaire, world.residence_a1.pk)
    page.goto(live_server.url + link[link.index("/e/") :])
    assert page.get_by_text("Questionnaire anonyme.").is_visible()
    # The follow-up waits for « Oui ».
    follow = page.locator(f"#question-{q['cond'].pk}")
    assert not follow.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    problems = {"vide": _axe(page)}
    screenshot(page, "enquete-360-vide")

    # Sent with the required answer missing: a clear message, nothing written.
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.get_by_text("Le questionnaire n'est pas enregistré.").wait_for()
    assert page.get_by_text("Cette question demande une réponse.").is_visible()
    assert Response.objects.count() == 0
    problems["erreurs"] = _axe(page)
    screenshot(page, "enquete-360-erreurs")

    page.locator(f"#question-{q['scale'].pk} label.scale-choice", has_text="6").click()
    page.get_by_label("Oui").check()
    assert follow.is_visible()
    follow.locator("label.scale-choice", has_text="4").click()
    page.get_by_label("Matériel").check()
    page.get_by_label("Parler").check()
    page.locator(f"#id_q{q['number'].pk}").fill("12,5")
    page.locator(f"#id_q{q['short'].pk}").fill("Merci")
    page.locator(f"#id_q{q['long'].pk}").fill("Plus de fêtes dans la cour")
    page.locator(f"#question-{q['ten'].pk} label.scale-choice", has_text="10").click()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "enquete-360-rempli")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.get_by_role("heading", name="Merci !").wait_for()
    problems["merci"] = _axe(page)
    screenshot(page, "enquete-360-merci")

    response = Response.objects.get()
    assert response.channel == "qr" and response.residence == world.residence_a1
    values = {a.question_id: a for a in Answer.objects.exclude(question=q["multi"])}
    assert values[q["scale"].pk].number == 6 and values[q["cond"].pk].number == 4
    assert values[q["ten"].pk].number == 10 and str(values[q["number"].pk].number) == "12.50"
    assert sorted(Answer.objects.filter(question=q["multi"]).values_list("option", flat=True)) == [0, 2]
    # Back on the link from the same phone: one answer per device.
    page.goto(live_server.url + link[link.index("/e/") :])
    page.get_by_text("déjà répondu à ce questionnaire depuis cet appareil").wait_for()
    assert problems == {k: [] for k in problems}, problems


def test_staff_pages_at_1366_pass_axe(world, desktop, live_server):
    questionnaire, q = every_kind(world, audience="locataires", residences=[world.residence_a1, world.residence_a2])
    for n in range(6):
        services.response_submit(
            questionnaire=questionnaire,
            answers={q["scale"]: n, q["single"]: n % 2, q["cond"]: 3, q["multi"]: [n % 3], q["long"]: f"Idée {n}"},
            channel="papier",
            residence=world.residence_a1,
        )
    log_in(desktop, live_server, world.staff_a)
    problems = {}
    for name, path in [
        ("liste", "/enquetes/"),
        ("questionnaire", f"/enquetes/{questionnaire.pk}/"),
        ("apercu", f"/enquetes/{questionnaire.pk}/apercu/"),
        ("papier", f"/enquetes/{questionnaire.pk}/papier/"),
        ("resultats", f"/enquetes/{questionnaire.pk}/resultats/"),
    ]:
        desktop.goto(live_server.url + path)
        problems[name] = _axe(desktop)
        screenshot(desktop, f"enquete-1366-{name}")
    assert problems == {k: [] for k in problems}, problems
    assert timezone.localdate() <= questionnaire.closes_on
