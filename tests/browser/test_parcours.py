"""A new relais' way in, in a real headless chromium at 360×740: the home shows
the next onboarding step; the relais reads and acknowledges the guide, signs the
charter, downloads the attendance certificate of a training; staff's parcours
pages at 1366 px. axe-core finds no serious or critical violation. Screenshots
(and the certificate as an image, through pdftoppm) go to var/screenshots/."""

import datetime
import json
import shutil
import subprocess

import pytest
from django.test import Client
from django.utils import timezone

from parcours import services
from parcours.models import CharterSignature, GuideReading, Milestone, TrainingModule
from relais.models import ContactLog, Relais
from reunions.models import Invitee
from tests.browser.conftest import SCREENSHOTS, log_in, screenshot
from tests.browser.test_relais_space import _axe, scroll_width
from tests.factories import GuideFactory
from tests.helpers import plan_reunion

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

DAY = datetime.timedelta(days=1)


def setting(world):
    """A guide, a charter in its second version, a training session relais A
    attended, and a thank-you waiting for staff."""
    ContactLog.objects.filter(relais=world.relais_a).delete()
    GuideFactory(
        organisation=world.org_a,
        missions="Faire le lien entre les voisins et le bailleur.\nAccueillir les nouveaux locataires.",
        contacts="Ascenseur en panne : 04 00 00 00 00 (24 h/24)",
    )
    services.charter_publish(organisation=world.org_a, text="Je respecte la vie privée de mes voisins.", by=None)
    services.charter_publish(
        organisation=world.org_a,
        text="Je respecte la vie privée de mes voisins.\nJe préviens l'équipe si j'arrête.",
        by=world.staff_a,
    )
    module = TrainingModule.objects.create(
        organisation=world.org_a,
        title="Le rôle du relais",
        objectives="Savoir ce que fait un relais et ce qu'il ne fait pas.",
        duration_minutes=150,
        path_position=1,
    )
    start = timezone.localtime(timezone.now() - 6 * DAY).replace(hour=18, minute=0, second=0, microsecond=0)
    reunion = plan_reunion(
        world, start, kind="formation", title="Formation : le rôle du relais", address="Salle Jean Moulin"
    )
    reunion.organiser = world.staff_a
    reunion.save()
    session = services.session_link(module=module, reunion=reunion)
    Invitee.objects.create(reunion=reunion, relais=world.relais_a, attended=True)
    Relais.objects.filter(pk=world.relais_a2.pk).update(started_on=timezone.localdate() - 370 * DAY)
    services.milestones_prepare(organisation=world.org_a)
    return module, session


def test_a_new_relais_takes_the_next_steps_from_the_home(world, live_server, page):
    module, session = setting(world)
    problems = {}
    log_in(page, live_server, world.relais_user_a)
    page.goto(live_server.url + "/espace/")
    card = page.get_by_role("region", name="Pour bien démarrer")
    assert "1 étape sur 5" in card.inner_text()  # the meeting attended (the training)
    assert "Prochaine étape : Lire le guide du relais" in card.inner_text().replace("\u202f", " ")
    screenshot(page, "relais-parcours-accueil")
    assert scroll_width(page) <= 360
    problems["accueil"] = _axe(page)

    card.get_by_role("link", name="Lire le guide du relais").tap()
    page.wait_for_url("**/espace/guide/")
    problems["guide"] = _axe(page)
    screenshot(page, "relais-parcours-guide")
    with page.expect_navigation():
        page.get_by_role("button", name="J'ai lu le guide").tap()
    assert "Vous avez lu le guide le" in page.content()
    assert GuideReading.objects.filter(relais=world.relais_a).exists()

    page.goto(live_server.url + "/espace/")
    card = page.get_by_role("region", name="Pour bien démarrer")
    assert "Prochaine étape : Signer la charte du relais" in card.inner_text().replace("\u202f", " ")
    card.get_by_role("link", name="Signer la charte du relais").tap()
    page.wait_for_url("**/parcours/charte/")
    assert "Je préviens l'équipe si j'arrête." in page.content()
    screenshot(page, "relais-parcours-charte")
    assert scroll_width(page) <= 360
    problems["charte"] = _axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Je signe la charte").tap()
    assert CharterSignature.objects.get(relais=world.relais_a).version.number == 2
    card = page.get_by_role("region", name="Pour bien démarrer")
    assert "Prochaine étape : Noter une première activité" in card.inner_text().replace("\u202f", " ")
    screenshot(page, "relais-parcours-accueil-apres")

    page.goto(live_server.url + "/parcours/mes-formations/")
    screenshot(page, "relais-parcours-formations")
    assert scroll_width(page) <= 360
    problems["formations"] = _axe(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Attestation de présence (PDF)").tap()
    assert download.value.suggested_filename.startswith("attestation-formation-")
    found = {name: v for name, v in problems.items() if v}
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_staff_pages_of_parcours_at_1366(world, live_server, desktop):
    module, session = setting(world)
    milestone = Milestone.objects.order_by("pk").first()
    problems = {}
    log_in(desktop, live_server, world.staff_a)
    pages = {
        "parcours": "/parcours/",
        "parcours-charte-bloques": "/parcours/?etape=charte",
        "parcours-etapes": "/parcours/etapes/",
        "parcours-relais": f"/parcours/relais/{world.relais_a.pk}/",
        "parcours-charte": "/parcours/charte/",
        "parcours-charte-publier": "/parcours/charte/publier/",
        "parcours-formations": "/parcours/formations/",
        "parcours-formation": f"/parcours/formations/{module.pk}/",
        "parcours-remerciements": "/parcours/remerciements/",
        "parcours-remerciement": f"/parcours/remerciements/{milestone.pk}/",
    }
    for name, url in pages.items():
        response = desktop.goto(live_server.url + url)
        assert response.status == 200, url
        screenshot(desktop, f"staff-{name}")
        problems[url] = _axe(desktop)
    found = {url: v for url, v in problems.items() if v}
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
    # The certificate as a person sees it.
    client = Client()
    client.force_login(world.staff_a)
    pdf = client.get(f"/parcours/sessions/{session.pk}/attestation/{world.relais_a.pk}/").content
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "attestation-formation.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                "-singlefile",
                str(SCREENSHOTS / "attestation-formation.pdf"),
                str(SCREENSHOTS / "attestation-formation"),
            ],
            check=True,
        )
