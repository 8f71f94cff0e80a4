"""The loop between a relais and the team, in Debian's chromium at 360 px: a
relais raises a remontée on the phone → it waits in the staff inbox on the next
page load and one e-mail goes to the staff member who asked to be told at once
→ staff hand it to a contractor → the contractor's link says « fait » → the
relais sees « résolue — à confirmer » on the home and confirms → the hall poster
(read back as text) shows the answer. Then « pas de notre ressort » and a
reopening."""

import datetime
import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from core.models import Membership, Notify
from remontees.models import HandOff, Remontee
from tests.browser.conftest import screenshot
from tests.factories import ServiceFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def as_user(page, live_server, user) -> None:
    """The browser now holds this user's session (none: a stranger with a link)."""
    page.context.clear_cookies()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def raise_on_the_phone(page, live_server, world, description: str) -> Remontee:
    as_user(page, live_server, world.relais_user_a)
    page.goto(live_server.url + "/espace/")
    page.get_by_role("link", name="Signaler un problème").tap()
    page.get_by_label("Thème").select_option(label="Ascenseur")
    page.get_by_label("Que se passe-t-il ?").fill(description)
    page.get_by_role("button", name="Envoyer").tap()
    page.wait_for_url(re.compile(r"/remontees/\d+/$"))
    return Remontee.objects.get(description=description)


def hand_to(page, live_server, world, remontee: Remontee, service_name: str) -> str:
    """Staff open the remontée from the inbox and hand it to a service; the
    service's link, from its e-mail."""
    as_user(page, live_server, world.staff_a)
    page.goto(live_server.url + "/a-traiter/")
    page.get_by_role("link", name=re.compile(re.escape(str(remontee.theme)))).first.click()
    page.locator("select[name=service]").select_option(label=service_name)
    page.get_by_label("À faire pour le").fill((timezone.localdate() + datetime.timedelta(days=5)).isoformat())
    page.get_by_label("Note pour le service").fill("Code du local technique : 4321")
    with page.expect_navigation():
        page.get_by_role("button", name="Transmettre").click()
    assert "le service reçoit son lien" in page.inner_text("main")
    handoff = HandOff.objects.get(remontee=remontee, outcome="en_attente")
    (message,) = [m for m in mail.outbox if m.to == [handoff.service.email]]
    mail.outbox.remove(message)
    return (
        re.search(r"(http://\S+/remontees/service/\S+/)", message.body)
        .group(1)
        .replace(settings.SITE_URL.rstrip("/"), live_server.url)
    )


def poster_text(page, live_server, residence) -> str:
    response = page.request.get(f"{live_server.url}/remontees/residence/{residence.pk}/affiche.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def test_the_loop_from_a_phone_to_the_service_and_back_to_the_hall(world, live_server, page):
    Membership.objects.filter(user=world.staff_a).update(notify=Notify.AT_ONCE)
    ServiceFactory(organisation=world.org_a, name="Ascenseurs Dupont", email="sav@dupont.test")
    mail.outbox.clear()

    remontee = raise_on_the_phone(page, live_server, world, "L'ascenseur du bâtiment B est bloqué au 3e étage.")
    told = [m for m in mail.outbox if "À traiter" in m.subject]
    assert [m.to for m in told] == [[world.staff_a.email]], "one e-mail, to who asked to be told at once"

    as_user(page, live_server, world.staff_a)
    page.goto(live_server.url + "/")
    page.wait_for_url("**/a-traiter/")
    assert "bloqué au 3e étage" in page.inner_text("#remontee-nouvelle")
    screenshot(page, "staff-a-traiter")
    link = hand_to(page, live_server, world, remontee, "Ascenseurs Dupont")

    as_user(page, live_server, None)  # the contractor: a link, no login
    page.goto(link)
    shown = page.inner_text("main")
    assert "bloqué au 3e étage" in shown and "4321" in shown
    assert "Diallo" not in shown and world.relais_a.email not in shown
    page.get_by_label("C'est fait").check()
    page.locator("textarea[name=answer]").fill("Carte de commande remplacée, ascenseur remis en service.")
    screenshot(page, "service-lien")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer ma réponse").tap()
    assert "Merci" in page.inner_text("main")
    # The same link again changes nothing.
    page.goto(link)
    assert "Ce lien a déjà servi" in page.inner_text("main")

    as_user(page, live_server, world.relais_user_a)
    page.goto(live_server.url + "/espace/")
    home = page.inner_text("main")
    assert "Résolue — à confirmer" in home and "Carte de commande remplacée" in home
    assert "4321" not in home  # the note to the service stays internal
    screenshot(page, "relais-a-confirmer")
    with page.expect_navigation():
        page.get_by_role("button", name="Oui, c'est réglé").tap()
    remontee.refresh_from_db()
    assert remontee.status == Remontee.Status.RESOLUE

    poster = poster_text(page, live_server, world.residence_a1)
    assert "Vous avez dit, nous avons fait" in poster
    assert "Carte de commande remplacée, ascenseur remis en service." in poster
    assert "4321" not in poster and "Diallo" not in poster


def test_not_their_job_then_done_then_reopened_by_the_relais(world, live_server, page):
    ServiceFactory(organisation=world.org_a, name="Gestion locative", email="gl@a.test")
    ServiceFactory(organisation=world.org_a, name="Ascenseurs Dupont", email="sav@dupont.test")
    remontee = raise_on_the_phone(page, live_server, world, "La porte du local vélos ne ferme plus.")

    link = hand_to(page, live_server, world, remontee, "Gestion locative")
    as_user(page, live_server, None)
    page.goto(link)
    page.get_by_label("Ce n'est pas de notre ressort").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer ma réponse").tap()
    assert "pourquoi ce n'est pas de votre ressort" in page.inner_text("main")  # a word of why, first
    page.get_by_label("Ce n'est pas de notre ressort").check()
    page.locator("textarea[name=answer]").fill("Le local vélos est géré par la copropriété.")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer ma réponse").tap()

    as_user(page, live_server, world.staff_a)
    page.goto(live_server.url + "/a-traiter/")
    assert "géré par la copropriété" in page.inner_text("#remontee-renvoyee")
    link = hand_to(page, live_server, world, remontee, "Ascenseurs Dupont")
    as_user(page, live_server, None)
    page.goto(link)
    page.get_by_label("C'est fait").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer ma réponse").tap()

    as_user(page, live_server, world.relais_user_a)
    page.goto(live_server.url + "/espace/")
    page.get_by_role("link", name="Non, pas réglé").tap()
    page.get_by_label("Qu'est-ce qui n'est pas résolu ?").fill("La porte ne ferme toujours pas le soir.")
    with page.expect_navigation():
        page.get_by_role("button", name="Rouvrir la remontée").tap()
    assert "la remontée est rouverte" in page.inner_text("main")
    remontee.refresh_from_db()
    assert remontee.status == Remontee.Status.EN_COURS and remontee.status_reason == ""
    assert "ne ferme toujours pas" not in poster_text(page, live_server, world.residence_a1)

    as_user(page, live_server, world.staff_a)
    page.goto(live_server.url + "/a-traiter/")
    assert "local vélos" in page.inner_text("#remontee-rouverte")
