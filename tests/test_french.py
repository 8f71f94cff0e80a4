"""One helper for French elision, agreement and date ranges (core/french.py),
and the pages that used to say « de Aïcha », « que Habitat du Lac »,
« du 28 mai 2027 au 28 mai 2027 » or « Chaises accordés »."""

import datetime

import pytest

from core.french import date_range, elide, plural
from tests.factories import EquipmentFactory, LogisticsLineFactory
from tests.helpers import text


def test_elision_before_a_vowel_or_a_silent_h_only():
    assert elide("de", "Aïcha") == "d'Aïcha"
    assert elide("de", "Émile") == "d'Émile"
    assert elide("que", "Habitat du Lac") == "qu'Habitat du Lac"
    assert elide("de", "Karim") == "de Karim"
    assert elide("de", "Hautepierre") == "de Hautepierre"  # h aspiré
    assert elide("De", "Yasmine") == "De Yasmine"
    assert elide("le", "OPH de Lyon") == "l'OPH de Lyon"


def test_agreement_with_a_count():
    assert plural(0, "résidence à créer", "résidences à créer") == "0 résidence à créer"
    assert plural(1, "résidence à créer", "résidences à créer") == "1 résidence à créer"
    assert plural(2, "relais", "relais") == "2 relais"
    assert plural(3, "ligne") == "3 lignes"


def test_date_ranges_say_each_part_once():
    may28 = datetime.date(2027, 5, 28)
    assert date_range(may28, may28) == "le 28 mai 2027"
    assert date_range(datetime.date(2027, 5, 3), datetime.date(2027, 5, 5)) == "du 3 au 5 mai 2027"
    assert date_range(may28, datetime.date(2027, 6, 2)) == "du 28 mai au 2 juin 2027"
    assert date_range(datetime.date(2026, 12, 30), datetime.date(2027, 1, 2)) == "du 30 décembre 2026 au 2 janvier 2027"


@pytest.mark.django_db
def test_pages_use_it(world, login):
    world.relais_a.first_name = "Aïcha"
    world.relais_a.save()
    world.org_a.name = "Habitat du Lac"
    world.org_a.save()
    staff = login(world.staff_a)
    assert "Données personnelles d'Aïcha" in text(staff.get(f"/donnees/relais/{world.relais_a.pk}/"))
    assert "ce qu'Habitat du Lac en a fait" in text(staff.get(f"/remontees/residence/{world.residence_a1.pk}/"))
    line = LogisticsLineFactory(
        request__initiative__organisation=world.org_a,
        request__starts_on=datetime.date(2027, 5, 28),
        request__ends_on=datetime.date(2027, 5, 28),
        equipment=EquipmentFactory(organisation=world.org_a, name="Chaises"),
    )
    initiative = text(staff.get(f"/initiatives/{line.request.initiative.pk}/"))
    assert "le 28 mai 2027" in initiative and "au 28 mai 2027" not in initiative
    decision = text(staff.get(f"/initiatives/logistique/{line.request.pk}/decision/"))
    assert "Le 28 mai 2027" in decision and "Chaises : quantité accordée" in decision
    assert "accordés" not in decision
