"""Lists as mediation staff read them at 1366×900: names in French order, a
search typed without accents finds the accented name, the yes-no filters say
« Tous », the dashboard leads to every residence without a relais, the
residence page leads back, to its remontées and to recruiting there, and the
logistics page shows what is lent on which days."""

import datetime

import pytest
from django.utils import timezone

from initiatives.models import LogisticsRequest
from relais.models import Residence
from tests.browser.conftest import log_in, screenshot
from tests.factories import (
    EquipmentFactory,
    InitiativeFactory,
    LogisticsLineFactory,
    LogisticsRequestFactory,
    RemonteeFactory,
    ResidenceFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def column(desktop, index: int = 0) -> list[str]:
    return [cell.strip() for cell in desktop.locator(f"tbody tr td:nth-child({index + 1})").all_inner_texts()]


def test_residences_in_french_order_found_without_accents(world, live_server, desktop):
    for name in ["Les Tilleuls", "Cité Jules-Ferry", "Les Érables", "Cité des Pêcheurs", "Les Chênes", "Les Cèdres"]:
        ResidenceFactory(organisation=world.org_a, quartier=world.q1, name=name)
    ResidenceFactory(organisation=world.org_a, quartier=world.q1, name="Résidence Paul-Éluard")
    log_in(desktop, live_server, world.staff_a)
    desktop.goto(live_server.url + f"/residences/?quartier={world.q1.pk}")
    names = [n for n in column(desktop) if "SECRET" not in n]
    assert names == [
        "Cité des Pêcheurs",
        "Cité Jules-Ferry",
        "Les Cèdres",
        "Les Chênes",
        "Les Érables",
        "Les Tilleuls",
        "Résidence Paul-Éluard",
    ]
    assert desktop.locator("select[name=qpv] option:checked").inner_text() == "Tous"
    assert desktop.locator("select[name=covered] option:checked").inner_text() == "Tous"
    screenshot(desktop, "staff-residences")

    desktop.fill("input[name=q]", "eluard")
    desktop.locator(".filters button[type=submit]").click()
    assert column(desktop) and column(desktop)[0] == "Résidence Paul-Éluard"
    desktop.goto(live_server.url + "/residences/?q=Belvedere")
    assert [n for n in column(desktop) if n].pop(0).startswith("Le Belvédère")


def test_dashboard_residence_page_and_recruiting_there(world, live_server, desktop):
    for i in range(12):
        ResidenceFactory(organisation=world.org_a, quartier=world.q1, name=f"Sans relais {i:02d}", dwellings=10 + i)
    RemonteeFactory(residence=world.residence_a1, description="Fuite d'eau au 3e étage")
    log_in(desktop, live_server, world.staff_a)
    desktop.goto(live_server.url + "/tableau-de-bord/")
    uncovered = Residence.objects.filter(organisation=world.org_a).exclude(relais_links__relais__status="actif")
    expected = uncovered.count()
    card = desktop.locator(".card", has_text="Résidences sans relais")
    assert expected > 10 and card.locator("tbody tr").count() == 10
    desktop.get_by_role("link", name=f"Voir les {expected} résidences sans relais").click()
    assert len([n for n in column(desktop) if n]) == expected
    assert all(cell == "aucun" for cell in column(desktop, 5))

    desktop.goto(live_server.url + f"/residences/{world.residence_a1.pk}/")
    assert "Fuite d'eau au 3e étage" in desktop.locator("section", has_text="Remontées (1)").inner_text()
    screenshot(desktop, "staff-residence")
    desktop.get_by_role("link", name="Recruter un relais ici").first.click()
    # Read once the page is whole: a select still being parsed shows its first option.
    desktop.wait_for_url("**/relais/nouveau/**")
    desktop.wait_for_load_state("load")
    chosen = desktop.locator("select[name='residences-0-residence'] option:checked").inner_text()
    assert chosen == world.residence_a1.name
    desktop.go_back()
    desktop.get_by_role("link", name="← Toutes les résidences").click()
    assert desktop.url.endswith("/residences/")


def test_logistics_calendar_shows_what_is_lent_each_day(world, live_server, desktop):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    tables = EquipmentFactory(organisation=world.org_a, name="Tables", quantity=10)
    initiative = InitiativeFactory(organisation=world.org_a, title="Repas partagé", starts_on=monday)
    loan = LogisticsRequestFactory(
        initiative=initiative,
        starts_on=monday + datetime.timedelta(days=2),
        ends_on=monday + datetime.timedelta(days=3),
        status=LogisticsRequest.Status.APPROUVEE,
    )
    LogisticsLineFactory(request=loan, equipment=tables, quantity=6, granted=4)
    log_in(desktop, live_server, world.staff_a)
    desktop.goto(live_server.url + "/initiatives/logistique/")
    row = desktop.locator("table.calendar tbody tr", has_text="Tables")
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[:5] == ["", "", "4", "4", ""]
    assert "Repas partagé" in desktop.locator("#calendrier").inner_text()
    screenshot(desktop, "staff-logistique")
