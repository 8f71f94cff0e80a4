"""Every staff list as CSV (French: `;`, UTF-8 with BOM, decimal commas) and
XLSX (read back with openpyxl): headers, the rows of the page's filter, through
the scoping, partners without personal data, each export in the access journal."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.exports import Column, export_response
from core.models import AuditEvent
from tests.factories import (
    ActivityFactory,
    EquipmentFactory,
    GrantRequestFactory,
    InitiativeFactory,
    InviteeFactory,
    LogisticsLineFactory,
    LogisticsRequestFactory,
    RelaisFactory,
    RemonteeFactory,
    ReunionFactory,
)

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> list[list]:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def exported(world, user, model: str) -> int:
    return AuditEvent.objects.filter(user=user, action="export", model=model, organisation=world.org_a).count()


def test_relais_with_the_filter_and_the_scoping(world, login):
    RelaisFactory(organisation=world.org_a, last_name="Candidate", status="candidat", started_on=None)
    rows = read_csv(login(world.staff_a).get("/relais/?status=actif&format=csv"))
    assert rows[0][:4] == ["Prénom", "Nom", "E-mail", "Téléphone"] and "Statut depuis le" in rows[0]
    names = {row[1] for row in rows[1:]}
    assert names == {world.relais_a.last_name, world.relais_a2.last_name}  # the candidate is filtered out
    assert rows[1][rows[0].index("Statut depuis le")] == "15/01/2025"
    assert exported(world, world.staff_a, "relais") == 1
    # Agency staff: only their quartiers' relais. Another organisation's never.
    agency = read_csv(login(world.agency_a).get("/relais/?format=csv"))
    assert {row[1] for row in agency[1:]} == {world.relais_a.last_name}
    assert world.relais_b.last_name not in str(agency)
    # Partners do not read the relais at all.
    assert login(world.partner_a).get("/relais/?format=csv").status_code == 403


def test_residences_as_xlsx_with_numbers_as_numbers(world, login):
    rows = read_xlsx(login(world.staff_a).get("/residences/?qpv=true&format=xlsx"))
    assert rows[0] == ["Résidence", "Référence bailleur", "Quartier", "QPV", "Logements", "Relais actifs"]
    assert [row[0] for row in rows[1:]] == [world.residence_a1.name]
    assert rows[1][3:] == ["oui", 120, 1]


def test_remontees_of_the_filter_and_a_partner_never_gets_them(world, login):
    RemonteeFactory(residence=world.residence_a1, relais=world.relais_a, status="resolue", description="Fuite au 2e")
    RemonteeFactory(residence=world.residence_a1, relais=world.relais_a, description="Hall sombre")
    rows = read_csv(login(world.staff_a).get("/remontees/?status=resolue&format=csv"))
    assert rows[0][:3] == ["Reçue le", "Résidence", "Thème"] and "Relais" in rows[0]
    assert [row[rows[0].index("Description")] for row in rows[1:]] == ["Fuite au 2e"]
    assert login(world.partner_a).get("/remontees/?format=csv").status_code == 403


def test_meetings_with_their_attendance(world, login):
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    held = ReunionFactory(organisation=world.org_a, title="Plénière", starts_at=three_days_ago)
    InviteeFactory(reunion=held, relais=world.relais_a, answer="present", attended=True)
    InviteeFactory(reunion=held, relais=world.relais_a2, answer="present", attended=False)
    ReunionFactory(organisation=world.org_b, title="Réunion de B")
    rows = read_xlsx(login(world.staff_a).get("/reunions/?format=xlsx"))
    header = rows[0]
    assert header[:4] == ["Date", "Heure", "Type", "Titre"] and "Présents (émargement)" in header
    (row,) = [r for r in rows[1:] if r[3] == "Plénière"]
    assert row[header.index("Invités")] == 2 and row[header.index("Présents (émargement)")] == 1
    assert "Réunion de B" not in str(rows)


def test_initiatives_for_a_partner_have_no_names(world, login):
    InitiativeFactory(organisation=world.org_a, title="Fête des Tilleuls", organisers=[world.relais_a], participants=42)
    InitiativeFactory(organisation=world.org_a, title="Atelier cuisine", status="annulee")
    rows = read_csv(login(world.partner_a).get("/initiatives/?status=prevue&format=csv"))
    assert [row[2] for row in rows[1:]] == ["Fête des Tilleuls"]
    assert rows[1][rows[0].index("Participants")] == "42"
    assert world.relais_a.last_name not in str(rows) and "@" not in str(rows)
    assert exported(world, world.partner_a, "initiative") == 1


def test_grants_in_euros_to_the_cent(world, login):
    initiative = InitiativeFactory(organisation=world.org_a, title="Repas partagé")
    GrantRequestFactory(
        initiative=initiative,
        amount_requested=Decimal("1249.75"),
        status="accordee",
        amount_granted=Decimal("949.50"),
        decided_on=datetime.date(2026, 3, 1),
    )
    year = timezone.localdate().year
    staff = login(world.staff_a)
    rows = read_csv(staff.get(f"/initiatives/subventions/?annee={year}&format=csv"))
    header, row = rows[0], rows[1]
    assert row[header.index("Montant demandé")] == "1249,75" and row[header.index("Montant accordé")] == "949,50"
    sheet = read_xlsx(staff.get(f"/initiatives/subventions/?annee={year}&format=xlsx"))
    assert sheet[1][sheet[0].index("Montant demandé")] == 1249.75
    assert read_csv(staff.get(f"/initiatives/subventions/?annee={year - 1}&format=csv"))[1:] == []


def test_logistics_requests(world, login):
    request = LogisticsRequestFactory(initiative=InitiativeFactory(organisation=world.org_a, title="Fête"))
    LogisticsLineFactory(request=request, equipment=EquipmentFactory(organisation=world.org_a, name="Tables"))
    rows = read_csv(login(world.staff_a).get("/initiatives/logistique/?format=csv"))
    assert rows[0][:2] == ["Demandée le", "Initiative"] and rows[1][1] == "Fête"
    assert "Tables" in rows[1][rows[0].index("Matériel (accordé / demandé)")]


def test_activity_logged_by_the_relais(world, login):
    ActivityFactory(relais=world.relais_a, households=12)
    rows = read_csv(login(world.staff_a).get("/espace/activite/equipe/?format=csv"))
    assert rows[0] == ["Date", "Relais", "Activité", "Sujet", "Foyers rencontrés"]
    assert rows[1][4] == "12" and world.relais_a.last_name in rows[1][1]


def test_the_access_journal_for_admins_only(world, login):
    login(world.staff_a).get("/relais/?format=csv")
    rows = read_csv(login(world.admin_a).get("/donnees/journal/?format=csv"))
    assert rows[0] == ["Date", "Qui", "Action", "Donnée", "N°", "Relais concerné"]
    assert any(row[1] == "staff@a.test" and row[2] == "Export" for row in rows[1:])
    assert login(world.staff_a).get("/donnees/journal/?format=csv").status_code == 403


def test_a_partner_never_gets_a_personal_column(world, rf):
    columns = [Column("Nom", lambda r: r["name"], personal=True), Column("Logements", lambda r: r["n"], "number")]
    for user, expected in ((world.staff_a, ["Nom", "Logements"]), (world.partner_a, ["Logements"])):
        request = rf.get("/")
        request.user = user
        response = export_response(
            request, name="essai", model="residence", columns=columns, rows=[{"name": "Aïcha", "n": 12}], fmt="csv"
        )
        rows = read_csv(response)
        assert rows[0] == expected and ("Aïcha" in rows[1]) == (user == world.staff_a)
