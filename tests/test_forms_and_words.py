"""Forms that say what they need where they need it, and pages that show what
a decision needs: the contact log dated today, « non retenue » refused at its
field with the status kept, the committee's page with the budget and the
participants, one grant request at a time, the CSV preview listing its rows
with French plurals, the login by code styled as the login, and one « Mot de
passe oublié ? »."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from initiatives.models import GrantRequest
from remontees.models import Remontee
from tests.factories import BudgetLineFactory, GrantRequestFactory, InitiativeFactory, RemonteeFactory
from tests.helpers import text

pytestmark = pytest.mark.django_db


def test_the_contact_log_is_dated_today(world, login):
    page = login(world.staff_a).get(f"/relais/{world.relais_a.pk}/echanges/nouveau/").content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in page


def test_non_retenue_without_a_reason_errs_at_the_field_and_keeps_the_choice(world, login):
    remontee = RemonteeFactory(residence=world.residence_a1)
    response = login(world.staff_a).post(f"/remontees/{remontee.pk}/statut/", {"status": "non_retenue", "comment": ""})
    page = response.content.decode()
    assert response.status_code == 400
    field = page[page.index('id="id_comment"') - 600 : page.index('id="id_comment"') + 600]
    assert "Expliquez au relais pourquoi la demande n" in field
    assert '<option value="non_retenue" selected>' in page
    remontee.refresh_from_db()
    assert remontee.status == Remontee.Status.NOUVELLE


def test_the_committee_sees_the_budget_and_participants_and_no_second_request_is_offered(world, login):
    initiative = InitiativeFactory(
        organisation=world.org_a, organisers=[world.relais_a], residences=[world.residence_a1]
    )
    grant = GrantRequestFactory(initiative=initiative, expected_participants=45)
    BudgetLineFactory(grant=grant, label="Courses", amount="100.00")
    BudgetLineFactory(grant=grant, label="Location de tables", amount="50.00")
    staff = login(world.staff_a)
    page = text(staff.get(f"/initiatives/subventions/{grant.pk}/decision/"))
    assert "Participants attendus 45" in page and "Courses 100,00" in page and "Location de tables 50,00" in page
    assert "Total 150,00" in page
    detail = text(staff.get(f"/initiatives/{initiative.pk}/"))
    assert "Demander une petite subvention" not in detail
    GrantRequest.objects.filter(pk=grant.pk).update(status="refusee", refusal_reason="Budget épuisé")
    assert "Demander une petite subvention" in text(staff.get(f"/initiatives/{initiative.pk}/"))


def test_the_csv_preview_lists_the_rows_with_french_plurals(world, login):
    content = "nom;référence;commune;logements\nLes Érables;ERA-1;Vénissieux;40\n".encode()
    staff = login(world.staff_a)
    upload = SimpleUploadedFile("residences.csv", content, content_type="text/csv")
    page = text(staff.post("/import/residences/", {"file": upload}))
    assert "1 résidence à créer" in page and "0 résidence à mettre à jour" in page
    assert "création Les Érables ERA-1 Vénissieux 40" in page


def test_login_pages(client):
    login = client.get("/comptes/login/").content.decode()
    assert login.count("Mot de passe oublié") == 1
    code = client.get("/comptes/login/code/").content.decode()
    assert 'class="card narrow"' in code and "Recevoir un code de connexion" in code
    assert 'class="button primary"' in code
