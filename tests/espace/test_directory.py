"""The directory of relais: those who agreed to be listed, by first name and
initial, residence and what they like to do; nothing of the others."""

import datetime

import pytest

from core.consents import consent_withdraw
from relais.models import Relais
from tests.factories import RelaisFactory
from tests.helpers import same_queries_for_few_and_many, text

pytestmark = pytest.mark.django_db


def test_the_directory_lists_only_relais_who_agreed(world, login):
    Relais.objects.filter(pk=world.relais_a2.pk).update(first_name="Sophie", likes="Cuisiner pour tout le monde")
    RelaisFactory(organisation=world.org_a, first_name="Karim", residences=[world.residence_a1], consents=[])
    gone = RelaisFactory(organisation=world.org_a, first_name="Paul", residences=[world.residence_a1])
    consent_withdraw(gone, ["annuaire"], on=datetime.date(2026, 1, 5), by=None)
    for who in (world.relais_user_a, world.staff_a, world.partner_a):
        page = text(login(who).get("/espace/annuaire/"))
        assert "Sophie M." in page and "Cuisiner pour tout le monde" in page and "Le Belvédère" in page
        assert "Karim" not in page and "Paul" not in page
        # A first name and an initial: never the whole name.
        assert "Moreau" not in page
    # Another organisation's relais never shows.
    assert "Sophie" not in text(login(world.staff_b).get("/espace/annuaire/"))


def test_a_relais_says_what_they_like_to_do(world, login):
    client = login(world.relais_user_a)
    assert "Vous figurez dans l'annuaire" in text(client.get("/espace/annuaire/"))
    response = client.post("/espace/annuaire/moi/", {"likes": "  Jardiner et bricoler "})
    assert response.status_code == 302
    world.relais_a.refresh_from_db()
    assert world.relais_a.likes == "Jardiner et bricoler"
    assert "Jardiner et bricoler" in text(client.get("/espace/annuaire/"))
    too_long = client.post("/espace/annuaire/moi/", {"likes": "x" * 201})
    assert too_long.status_code == 200 and "200 caractères" in text(too_long)
    world.relais_a.refresh_from_db()
    assert world.relais_a.likes == "Jardiner et bricoler"


def test_a_relais_not_listed_is_told_how_to_be(world, login):
    consent_withdraw(world.relais_a, ["annuaire"], on=datetime.date(2026, 1, 5), by=None)
    page = text(login(world.relais_user_a).get("/espace/annuaire/"))
    assert "Vous n'apparaissez pas dans l'annuaire" in page and "Mes données" in page


def test_the_directory_runs_a_constant_number_of_queries(world, login):
    def grow(first, last):
        for i in range(first, last):
            RelaisFactory(organisation=world.org_a, first_name=f"Relais{i}", residences=[world.residence_a1])

    response = same_queries_for_few_and_many(login(world.relais_user_a), "/espace/annuaire/", grow, 5, 20)
    assert "Relais19" in text(response)
