"""Every list searches accent- and case-insensitively and sorts names as a
French reader expects, on SQLite and on PostgreSQL (DATABASE_URL=postgres://…)."""

import pytest
from django.db import connection

from core.search import French, fold, search_q
from relais.models import Quartier, Relais, Residence
from tests.conftest import MARKER
from tests.factories import QuartierFactory, RelaisFactory, ResidenceFactory

pytestmark = pytest.mark.django_db

NAMES = ["Les Tilleuls", "Cité Jules-Ferry", "Les Érables", "Cité des Pêcheurs", "Les Chênes", "Les Cèdres"]
NAMES += ["les Aulnes"]
FRENCH_ORDER = [
    "Cité des Pêcheurs",
    "Cité Jules-Ferry",
    "les Aulnes",
    "Les Cèdres",
    "Les Chênes",
    "Les Érables",
    "Les Tilleuls",
]


def test_fold_takes_accents_case_and_ligatures_away():
    assert fold("Éluard") == "eluard"
    assert fold("BELVÉDÈRE") == "belvedere"
    assert fold("Cœur de ville") == "coeur de ville"
    assert fold(None) is None


def test_names_are_in_french_order_on_this_database(world):
    quartier = QuartierFactory(organisation=world.org_a, name="Quartier du test")
    for name in NAMES:
        ResidenceFactory(organisation=world.org_a, quartier=quartier, name=name)
    # Meta.ordering, and the expression where a query orders by hand.
    assert list(Residence.objects.filter(quartier=quartier).values_list("name", flat=True)) == FRENCH_ORDER
    by_hand = Residence.objects.filter(quartier=quartier).order_by(French("name")).values_list("name", flat=True)
    assert list(by_hand) == FRENCH_ORDER
    for name in ["Écoles", "Centre", "Zola"]:
        QuartierFactory(organisation=world.org_a, name=name)
    names = [q for q in Quartier.objects.filter(organisation=world.org_a).values_list("name", flat=True)]
    assert names.index("Écoles") < names.index("Quartier du test") < names.index("Zola")
    assert names.index("Centre") < names.index("Écoles")


def test_search_ignores_accents_and_case_on_this_database(world):
    ResidenceFactory(organisation=world.org_a, quartier=world.q1, name="Résidence Paul-Éluard", city="Vénissieux")
    found = Residence.objects.filter(search_q("eluard", "name"))
    assert [r.name for r in found] == ["Résidence Paul-Éluard"]
    assert Residence.objects.filter(search_q("belvedere", "name")).get() == world.residence_a2
    assert Residence.objects.filter(search_q("VENISSIEUX", "name", "city")).count() == 1
    # Each word must be found somewhere: a first name and a last name typed together.
    RelaisFactory(organisation=world.org_a, first_name="Aïcha", last_name="Benréguig", residences=[world.residence_a1])
    assert Relais.objects.filter(search_q("aicha benreguig", "first_name", "last_name")).count() == 1
    assert Relais.objects.filter(search_q("aicha dupont", "first_name", "last_name")).count() == 0


def test_every_list_searches_without_accents(world, client):
    client.force_login(world.staff_a)
    ResidenceFactory(organisation=world.org_a, quartier=world.q1, name=f"Paul-Éluard {MARKER}")
    RelaisFactory(organisation=world.org_a, first_name="Aïcha", last_name="Ngô", residences=[world.residence_a1])
    page = client.get("/residences/?q=eluard").content.decode()
    assert "Paul-Éluard" in page and "Tilleuls" not in page
    assert "Le Belvédère" in client.get("/residences/?q=Belvedere").content.decode()
    assert "Aïcha" in client.get("/relais/?q=aicha").content.decode()


def test_the_yes_no_filters_say_tous(world, client):
    client.force_login(world.staff_a)
    page = client.get("/residences/").content.decode()
    assert "Inconnu" not in page
    assert page.count('<option value="unknown" selected>Tous</option>') == 2


def test_unaccent_is_installed_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT LOWER(UNACCENT('Éluard'))")
        assert cursor.fetchone()[0] == "eluard"
