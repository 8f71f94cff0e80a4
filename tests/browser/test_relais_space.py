"""The relais' space in a real headless chromium at 360×740: log in by code,
answer an invitation, raise a remontée with a photo, report an initiative;
offline, a remontée typed in a stairwell is kept on the phone and sent exactly
once when the network comes back; the home page is read offline from the
service worker's cache and is light on a repeat visit; axe-core finds no
serious or critical violation on the relais pages and the main staff pages.
Screenshots of every relais page go to var/screenshots/."""

import datetime
import json
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from PIL import ExifTags, Image

from bilans import services as bilans_services
from espace.models import Activity
from initiatives import services as initiatives_services
from initiatives.models import Initiative, InitiativeKind
from remontees import services as remontees_services
from remontees.models import Remontee, Theme
from reunions import services as reunions_services
from reunions.models import Invitee, Reunion
from tests.browser.conftest import log_in, screenshot
from tests.factories import GuideFactory
from tests.helpers import jpeg, plan_reunion

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
HOME_BUDGET = 60 * 1024


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def network(world) -> dict:
    """What a relais of organisation A has to do: a meeting, an initiative, a guide."""
    start = timezone.localtime(timezone.now() + datetime.timedelta(days=9)).replace(hour=18, minute=0)
    reunion = plan_reunion(world, start, title="Thématique : propreté et encombrants", residence=world.residence_a1)
    reunions_services.invitations_send(reunion=reunion, by=world.staff_a, relais=[world.relais_a])
    initiative = initiatives_services.initiative_save(
        organisation=world.org_a,
        by=world.staff_a,
        kind=InitiativeKind.objects.get(organisation=world.org_a, name="Fête des voisins"),
        title="Fête des voisins des Tilleuls",
        starts_on=timezone.localdate() - datetime.timedelta(days=2),
        residences=[world.residence_a1],
        organisers=[world.relais_a],
        status="prevue",
    )
    GuideFactory(
        organisation=world.org_a,
        emergency_phone="",
        missions="Faire le lien entre les voisins et le bailleur.",
        charter="Discrétion.",
        contacts="Ascenseur : 04 00 00 00 00",
        reception_phone="04 72 00 00 00",
    )
    return {"reunion": reunion, "initiative": initiative}


def test_log_in_by_code_then_answer_an_invitation_on_the_home_page(world, live_server, page):
    data = network(world)
    page.goto(live_server.url + "/comptes/login/")
    page.get_by_role("link", name="Recevoir un code de connexion par e-mail").tap()
    page.get_by_label("Courriel").fill(world.relais_user_a.email)
    page.get_by_role("button", name="Demander un code").tap()
    page.wait_for_url("**/login/code/confirm/**")
    (message,) = [m for m in mail.outbox if world.relais_user_a.email in m.to]
    code = re.search(r"^\s*([A-Z0-9]{4,}(?:-[A-Z0-9]+)*)\s*$", message.body, re.M).group(1)
    page.locator("input[name=code]").fill(code)
    page.locator("main button[type=submit]").first.tap()
    page.wait_for_url("**/espace/")
    assert page.get_by_role("heading", name="Bonjour").is_visible()
    assert scroll_width(page) <= 360
    screenshot(page, "relais-accueil")

    with page.expect_navigation():
        page.get_by_role("button", name="Présent·e").tap()
    assert "Votre réponse est enregistrée : présent·e" in page.locator(".messages").inner_text()
    invitee = Invitee.objects.get(reunion=data["reunion"], relais=world.relais_a)
    assert invitee.answer == "present"


def test_raise_a_remontee_with_a_photo_and_report_an_initiative(world, live_server, page):
    data = network(world)
    log_in(page, live_server, world.relais_user_a)
    page.goto(live_server.url + "/espace/")
    page.get_by_role("link", name="Signaler un problème").tap()
    page.get_by_label("Thème").select_option(label="Ascenseur")
    page.get_by_label("Que se passe-t-il ?").fill("L'ascenseur du bâtiment B est bloqué au 3e étage.")
    page.locator("input[name=photo]").set_input_files(
        files=[{"name": "ascenseur.jpg", "mimeType": "image/jpeg", "buffer": jpeg((1200, 900), "teal", gps=True)}]
    )
    screenshot(page, "relais-signaler")
    page.get_by_role("button", name="Envoyer").tap()
    page.wait_for_url(re.compile(r"/remontees/\d+/$"))
    assert "votre remontée est envoyée" in page.inner_text("main")
    remontee = Remontee.objects.get()
    assert remontee.source == "espace" and remontee.photo
    with Image.open(remontee.photo.path) as stored:
        assert ExifTags.Base.GPSInfo not in stored.getexif()
    screenshot(page, "relais-remontee")

    page.goto(live_server.url + f"/initiatives/{data['initiative'].pk}/")
    page.get_by_role("link", name="Elle a eu lieu : raconter").tap()
    page.locator("input[name=participants]").fill("64")
    page.get_by_label("dont enfants").fill("20")
    page.get_by_label("Ce qui a bien marché").fill("Un grand barbecue, beaucoup de nouvelles têtes.")
    screenshot(page, "relais-raconter")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").tap()
    initiative = Initiative.objects.get(pk=data["initiative"].pk)
    assert (initiative.status, initiative.participants, initiative.children) == ("realisee", 64, 20)
    assert scroll_width(page) <= 360


def test_offline_a_remontee_is_kept_then_sent_exactly_once(world, live_server, page):
    network(world)
    log_in(page, live_server, world.relais_user_a)
    page.goto(live_server.url + "/remontees/signaler/")
    page.context.set_offline(True)
    page.get_by_label("Thème").select_option(label="Propreté et encombrants")
    page.get_by_label("Que se passe-t-il ?").fill("Un canapé abandonné dans le local poubelles.")
    page.locator("input[name=photo]").set_input_files(
        files=[{"name": "canape.jpg", "mimeType": "image/jpeg", "buffer": jpeg((1200, 900), "teal", gps=True)}]
    )
    page.get_by_role("button", name="Envoyer").tap()
    outbox = page.locator("#outbox")
    outbox.get_by_text("en attente d'envoi").wait_for()
    assert "Pas de connexion" in outbox.inner_text()
    assert page.get_by_label("Que se passe-t-il ?").input_value() == "", "the form is ready for the next one"
    screenshot(page, "relais-hors-connexion")
    assert Remontee.objects.count() == 0

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    outbox.get_by_text("Envoyé").wait_for(timeout=15000)
    (remontee,) = Remontee.objects.all()
    assert remontee.description == "Un canapé abandonné dans le local poubelles." and remontee.photo
    # A reload (and its own attempt to send) changes nothing: sent once.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert Remontee.objects.count() == 1
    assert (
        page.evaluate(
            """() => new Promise(resolve => {
            const open = indexedDB.open('tdu-outbox', 1);
            open.onsuccess = () => {
                const req = open.result.transaction('forms').objectStore('forms').count();
                req.onsuccess = () => resolve(req.result);
            };
        })"""
        )
        == 0
    )


def test_on_a_weak_network_a_failed_send_is_kept_then_sent_once(world, live_server, page):
    """The phone thinks it is online, but the request dies in the stairwell."""
    network(world)
    log_in(page, live_server, world.relais_user_a)
    page.goto(live_server.url + "/espace/activite/")
    page.route(
        "**/espace/activite/", lambda route: route.abort() if route.request.method == "POST" else route.continue_()
    )
    page.get_by_label("Porte-à-porte").check()
    page.get_by_label("Foyers rencontrés").fill("9")
    page.get_by_role("button", name="Enregistrer").tap()
    page.locator("#outbox").get_by_text("en attente d'envoi").wait_for()
    assert Activity.objects.count() == 0
    page.unroute("**/espace/activite/")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator("#outbox").get_by_text("Envoyé").wait_for(timeout=15000)
    page.reload()
    page.wait_for_load_state("networkidle")
    (activity,) = Activity.objects.all()
    assert (activity.relais, activity.households) == (world.relais_a, 9)


def test_the_home_page_reads_offline_and_is_light_on_a_repeat_visit(world, live_server, page):
    network(world)
    log_in(page, live_server, world.relais_user_a)
    home = live_server.url + "/espace/"
    page.goto(home)
    page.evaluate("navigator.serviceWorker.ready")
    page.goto(home)  # now under the service worker: it keeps this copy
    page.wait_for_load_state("networkidle")

    transferred = []
    # The context sees the service worker's own requests too (its network-first page, its refreshes).
    page.context.on("requestfinished", lambda request: transferred.append(request))
    page.goto(home)  # the repeat visit
    page.wait_for_load_state("networkidle")
    total = 0
    for request in transferred:
        response = request.response()
        if response is None:
            continue
        if response.from_service_worker:
            continue  # answered by the worker; what it fetched itself is counted as its own request
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    print(f"\nrepeat visit of the relais home: {total / 1024:.1f} KB over the network ({len(transferred)} requests)")
    assert total < HOME_BUDGET, f"{total} bytes"

    page.context.set_offline(True)
    page.reload()
    assert page.get_by_role("heading", name="Bonjour").is_visible()
    assert "Thématique : propreté et encombrants" in page.inner_text("main")
    screenshot(page, "relais-accueil-hors-connexion")


def _axe(page) -> list[dict]:
    # Evaluated through the devtools protocol: the page's CSP forbids inline scripts (rightly).
    page.evaluate(AXE.read_text() + "\n;true")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def relais_pages(world) -> dict[str, str]:
    """Every page of a relais' space, with the rows it needs (name → URL)."""
    data = network(world)
    remontee = remontees_services.remontee_create(
        organisation=world.org_a,
        by=world.relais_user_a,
        residence=world.residence_a1,
        relais=world.relais_a,
        theme=Theme.objects.filter(organisation=world.org_a).first(),
        description="Hall sale",
        source="espace",
    )
    initiative = data["initiative"].pk
    return {
        "accueil": "/espace/",
        "activite": "/espace/activite/",
        "guide": "/espace/guide/",
        "reunions": "/reunions/mes-reunions/",
        "remontees": "/remontees/mes-remontees/",
        "signaler": "/remontees/signaler/",
        "remontee": f"/remontees/{remontee.pk}/",
        "initiatives": "/initiatives/mes-initiatives/",
        "proposer": "/initiatives/proposer/",
        "initiative": f"/initiatives/{initiative}/",
        "raconter": f"/initiatives/{initiative}/apres/",
        "materiel": f"/initiatives/{initiative}/logistique/",
        "agenda": "/reunions/agenda/",
        "mes-donnees": "/donnees/mes-donnees/",
    }


def staff_pages(world) -> dict[str, str]:
    """The main staff pages (after relais_pages(), which makes their rows)."""
    bilan = bilans_services.bilan_open(organisation=world.org_a, year=timezone.localdate().year)
    reunion = Reunion.objects.filter(organisation=world.org_a).first().pk
    return {
        "tableau-de-bord": "/tableau-de-bord/",
        "relais": "/relais/",
        "residences": "/residences/",
        "reunions": "/reunions/",
        "reunion": f"/reunions/{reunion}/",
        "remontees": "/remontees/",
        "initiatives": "/initiatives/",
        "bilan": f"/bilans/{bilan.pk}/",
        "activite": "/espace/activite/equipe/",
        "donnees": "/donnees/",
        "donnees-relais": f"/donnees/relais/{world.relais_a.pk}/",
        "donnees-export": f"/donnees/relais/{world.relais_a.pk}/export/",
        "textes-signales": "/donnees/textes-signales/",
        "double-authentification": "/comptes/2fa/",
    }


def test_axe_finds_no_serious_violation_on_relais_and_staff_pages(world, live_server, page):
    problems = {}
    page.goto(live_server.url + "/comptes/login/")
    problems["connexion"] = _axe(page)
    log_in(page, live_server, world.relais_user_a)
    for name, url in relais_pages(world).items():
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        screenshot(page, f"relais-{name}")
        assert scroll_width(page) <= 360, f"{url} scrolls sideways on a 360-px screen"
        problems[url] = _axe(page)
    page.context.clear_cookies()
    log_in(page, live_server, world.staff_a)
    page.set_viewport_size({"width": 1366, "height": 900})
    for name, url in staff_pages(world).items():
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        screenshot(page, f"staff-{name}")
        problems[url] = _axe(page)
    found = {url: v for url, v in problems.items() if v}
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
