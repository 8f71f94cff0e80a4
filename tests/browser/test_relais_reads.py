"""What a relais reads of the network, in a real headless chromium at 360×740:
the minutes of a past meeting (and their PDF), an announcement on the home page
until « J'ai lu », the initiatives of other relais and the directory; no page
scrolls sideways, and axe-core finds no serious or critical violation."""

import datetime
import io
import json

import pytest
from django.utils import timezone
from pypdf import PdfReader

from espace import services as espace_services
from initiatives import services as initiatives_services
from initiatives.models import InitiativeKind
from reunions import services as reunions_services
from tests.browser.conftest import screenshot
from tests.browser.test_relais_space import _axe, log_in, scroll_width
from tests.factories import InviteeFactory
from tests.helpers import plan_reunion

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def held_meeting(world):
    start = timezone.localtime(timezone.now() - datetime.timedelta(days=12)).replace(hour=18, minute=0)
    reunion = plan_reunion(world, start, title="Thématique : propreté et encombrants", address="Maison de quartier")
    InviteeFactory(reunion=reunion, relais=world.relais_a, answer="present", attended=True)
    reunions_services.minutes_save(
        reunion=reunion,
        agenda="Tour de table des résidences\nRéponses du bailleur",
        minutes="Les relais ont décrit les encombrants qui restent dans les halls plus d'une semaine.",
        decisions="Un passage de la benne le premier lundi du mois",
    )
    reunions_services.action_add(
        reunion=reunion,
        by=None,
        title="Afficher le calendrier de la benne dans chaque hall",
        owner=world.relais_a,
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    reunions_services.minutes_publish(reunion=reunion, by=None)
    return reunion


def test_a_relais_reads_past_minutes_and_an_announcement_on_a_phone(world, live_server, page):
    reunion = held_meeting(world)
    announcement = espace_services.announcement_draft(
        organisation=world.org_a,
        by=world.staff_a,
        title="Coupure d'eau mardi matin",
        body="L'eau sera coupée mardi de 8 h à 12 h pour changer les compteurs du bâtiment B.",
        audience="tous",
    )
    espace_services.announcement_send(announcement=announcement, by=world.staff_a)
    log_in(page, live_server, world.relais_user_a)

    # The announcement waits on the home page.
    page.goto(live_server.url + "/espace/")
    home = page.locator("main")
    assert "Annonces de l'équipe" in home.inner_text() and "Coupure d'eau mardi matin" in home.inner_text()
    assert scroll_width(page) <= 360
    screenshot(page, "relais-accueil-annonce")
    page.get_by_role("link", name="Coupure d'eau mardi matin").tap()
    assert "compteurs du bâtiment B" in page.locator("main").inner_text()
    assert scroll_width(page) <= 360
    screenshot(page, "relais-annonce")
    page.get_by_role("button", name="J'ai lu").tap()
    page.wait_for_url(live_server.url + "/espace/annonces/")
    page.goto(live_server.url + "/espace/")
    assert "Annonces de l'équipe" not in page.locator("main").inner_text()

    # Past meetings are kept, with their minutes.
    page.get_by_role("link", name="Toutes mes réunions").tap()
    assert "Réunions passées" in page.locator("main").inner_text()
    page.get_by_role("link", name="Lire le compte-rendu, les décisions et les actions").tap()
    main = page.locator("main").inner_text()
    assert "Un passage de la benne le premier lundi du mois" in main
    assert "Afficher le calendrier de la benne dans chaque hall" in main
    assert scroll_width(page) <= 360
    screenshot(page, "relais-compte-rendu")
    pdf = page.context.request.get(live_server.url + f"/reunions/{reunion.pk}/compte-rendu.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    content = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Un passage de la benne le premier lundi du mois" in content


def test_the_new_relais_pages_fit_a_phone_and_pass_axe(world, live_server, page):
    reunion = held_meeting(world)
    initiative = initiatives_services.initiative_save(
        organisation=world.org_a,
        by=world.staff_a,
        kind=InitiativeKind.objects.get(organisation=world.org_a, name="Repas partagé"),
        title="Repas partagé du Belvédère",
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
        residences=[world.residence_a2],
        organisers=[world.relais_a2],
    )
    initiatives_services.initiative_report(
        initiative=initiative, participants=30, went_well="Une belle ambiance.", went_badly="Trop de soleil."
    )
    announcement = espace_services.announcement_draft(
        organisation=world.org_a, by=world.staff_a, title="Réunion plénière", body="Le 12 mars.", audience="tous"
    )
    espace_services.announcement_send(announcement=announcement, by=world.staff_a)
    pages = {
        "reunions-passees": "/reunions/mes-reunions/",
        "compte-rendu": f"/reunions/mes-reunions/{reunion.pk}/",
        "entre-relais": "/initiatives/entre-relais/",
        "entre-relais-detail": f"/initiatives/entre-relais/{initiative.pk}/",
        "raconter-passee": "/initiatives/raconter/",
        "refaire": f"/initiatives/proposer/?depuis={initiative.pk}",
        "annuaire": "/espace/annuaire/",
        "annuaire-moi": "/espace/annuaire/moi/",
        "annonces": "/espace/annonces/",
        "annonce": f"/espace/annonces/{announcement.pk}/",
    }
    log_in(page, live_server, world.relais_user_a)
    problems = {}
    for name, url in pages.items():
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        screenshot(page, f"relais-{name}")
        assert scroll_width(page) <= 360, f"{url} scrolls sideways on a 360-px screen"
        problems[url] = _axe(page)
    found = {url: v for url, v in problems.items() if v}
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
