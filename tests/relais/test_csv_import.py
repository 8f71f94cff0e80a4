import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from relais import csv_import
from relais.models import Quartier, Relais, RelaisStatusChange, Residence

pytestmark = pytest.mark.django_db

RESIDENCES_CP1252 = (
    "Référence;Nom;Adresse;Code postal;Commune;Nb logements;Quartier;QPV;Salle commune;Latitude;Longitude\r\n"
    "HDL-9001;Les Érables;12 rue des Écoles;74200;Lacville;1 200;Les Hauts;oui;non;45,901234;6,12\r\n"
    "HDL-9002;Le Belvédère;3 avenue du Lac;74200;Lacville;85;Centre;non;oui;;\r\n"
).encode("cp1252")


def snapshot():
    return (
        Residence.objects.count(),
        Quartier.objects.count(),
        Relais.objects.count(),
        RelaisStatusChange.objects.count(),
    )


def test_a_windows_spreadsheet_imports_with_accents_decimal_commas_and_new_quartiers(world):
    report = csv_import.parse_residences(organisation=world.org_a, content=RESIDENCES_CP1252)
    assert report.errors == []
    assert (report.to_create, report.to_update) == (2, 0)
    assert report.new_quartiers == ["Centre", "Les Hauts"]
    assert csv_import.apply_residences(organisation=world.org_a, report=report) == (2, 0)
    erables = Residence.objects.get(organisation=world.org_a, reference="HDL-9001")
    assert (erables.name, erables.dwellings, str(erables.latitude)) == ("Les Érables", 1200, "45.901234")
    assert erables.quartier.name == "Les Hauts" and erables.quartier.is_qpv
    assert Residence.objects.get(reference="HDL-9002").has_common_room


def test_utf8_with_bom_and_headers_in_any_case_or_accents(world):
    content = "\ufeffREFERENCE;NOM DE LA RÉSIDENCE;nombre de logements\nX-1;Les Cèdres;40\n".encode()
    report = csv_import.parse_residences(organisation=world.org_a, content=content)
    assert report.errors == []
    assert report.rows[0]["name"] == "Les Cèdres" and report.rows[0]["dwellings"] == 40


def test_bad_rows_are_reported_by_line_and_column_and_nothing_is_written(world):
    content = (
        b"reference;nom;logements;latitude\n"
        b"A-1;Bonne ligne;10;45,2\n"
        b"A-2;;abc;45\n"
        b"A-1;Doublon;5;\n"
        b"A-4;Trop au nord;5;95\n"
    )
    before = snapshot()
    report = csv_import.parse_residences(organisation=world.org_a, content=content)
    assert [(e.line, e.column) for e in report.errors] == [
        (3, "nom"),
        (3, "logements"),
        (4, "reference"),
        (5, "latitude"),
    ]
    assert report.errors[0].message == "Valeur obligatoire manquante."
    assert "n'est pas un nombre entier" in report.errors[1].message
    assert "déjà présente ligne 2" in report.errors[2].message
    with pytest.raises(ValidationError, match="rien n.a été importé"):
        csv_import.apply_residences(organisation=world.org_a, report=report)
    assert snapshot() == before


def test_missing_required_columns_are_named(world):
    report = csv_import.parse_residences(organisation=world.org_a, content=b"nom;adresse\nX;Y\n")
    assert report.errors[0].line == 1 and "« reference »" in report.errors[0].message


def test_reimport_updates_by_reference_instead_of_duplicating(world):
    csv_import.apply_residences(
        organisation=world.org_a,
        report=csv_import.parse_residences(organisation=world.org_a, content=RESIDENCES_CP1252),
    )
    before = snapshot()
    changed = RESIDENCES_CP1252.replace(b"1 200", b"1250")
    report = csv_import.parse_residences(organisation=world.org_a, content=changed)
    assert (report.to_create, report.to_update) == (0, 2)
    csv_import.apply_residences(organisation=world.org_a, report=report)
    assert snapshot() == before
    assert Residence.objects.get(reference="HDL-9001").dwellings == 1250


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "Le fichier est vide."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "n'est pas un fichier CSV"),
        (b"%PDF-1.4\n%\xe2\xe3", "n'est pas un fichier CSV"),
    ],
)
def test_unreadable_files_get_a_clear_message(world, content, message):
    with pytest.raises(csv_import.ImportFileError, match=message):
        csv_import.parse_residences(organisation=world.org_a, content=content)


RELAIS = (
    "Prénom;Nom;E-mail;Téléphone;Canal;Statut;Date d'entrée;Résidence;Bâtiment;Date de sortie;Motif de sortie\n"
    "Awa;Koné;awa@example.org;;e-mail;actif;01/03/2024;{ref1};Esc. 2;;\n"
    "Jules;Petit;;06 11 22 33 44;SMS;sorti;15/01/2023;{ref2};;30/06/2025;Déménagement\n"
    "Inès;Roy;ines@example.org;;;candidat;;{name1};;;\n"
)


def relais_file(world) -> bytes:
    return RELAIS.format(
        ref1=world.residence_a1.reference, ref2=world.residence_a2.reference, name1=world.residence_a1.name
    ).encode()


def test_relais_import_links_residences_and_records_their_history(world):
    report = csv_import.parse_relais(organisation=world.org_a, content=relais_file(world))
    assert report.errors == []
    assert csv_import.apply_relais(organisation=world.org_a, report=report, by=world.staff_a) == (3, 0)
    awa = Relais.objects.get(email="awa@example.org")
    assert awa.status == "actif" and str(awa.started_on) == "2024-03-01"
    assert awa.relais_links.get().building == "Esc. 2"
    jules = Relais.objects.get(last_name="Petit")
    assert (jules.status, str(jules.left_on), jules.exit_reason) == ("sorti", "2025-06-30", "demenagement")
    assert list(jules.status_changes.order_by("date").values_list("to_status", flat=True)) == ["actif", "sorti"]
    assert Relais.objects.get(first_name="Inès").relais_links.get().residence == world.residence_a1

    again = csv_import.parse_relais(organisation=world.org_a, content=relais_file(world))
    assert (again.to_create, again.to_update) == (0, 3)
    csv_import.apply_relais(organisation=world.org_a, report=again, by=world.staff_a)
    assert Relais.objects.filter(organisation=world.org_a).count() == 5


def test_a_leaver_without_reason_and_an_unknown_residence_are_errors(world):
    content = (
        "prenom;nom;telephone;statut;date de sortie;residence\n"
        "Jules;Petit;0611;sorti;30/06/2025;" + world.residence_a1.reference + "\n"
        "Léa;Blanc;0622;actif;;INCONNUE\n"
        "Zoé;Vidal;0633;actif;;" + world.residence_b.reference + "\n"
    ).encode()
    before = snapshot()
    report = csv_import.parse_relais(organisation=world.org_a, content=content)
    assert [(e.line, e.column) for e in report.errors] == [(2, "motif de sortie"), (3, "residence"), (4, "residence")]
    assert report.errors[0].message == "Un relais sorti a un motif de sortie."
    assert snapshot() == before


def upload(client, url, content, name="import.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(url, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def test_staff_upload_preview_then_confirm(world, login):
    client = login(world.staff_a)
    before = snapshot()
    response = upload(client, "/import/residences/", RESIDENCES_CP1252)
    page = response.content.decode()
    assert response.status_code == 200 and "<strong>2 résidences à créer</strong>" in page
    assert snapshot() == before, "the preview writes nothing"
    token = response.context["token"]
    response = client.post("/import/residences/", {"token": token})
    assert response.status_code == 302
    assert Residence.objects.filter(organisation=world.org_a, reference__startswith="HDL-90").count() == 2
    follow = client.get(response.url).content.decode()
    assert "Import terminé : 2 résidences créées, 0 résidence mise à jour." in follow


def test_errors_are_shown_and_a_bogus_token_writes_nothing(world, login):
    client = login(world.staff_a)
    before = snapshot()
    page = upload(client, "/import/residences/", b"reference;nom;logements\nA;B;-3\n").content.decode()
    assert "1 erreur\u00a0: rien n'a été importé" in page and "n&#x27;est pas un nombre entier positif" in page
    response = client.post("/import/residences/", {"token": "inventé"}, follow=True)
    assert "Cet import a expiré ou n&#x27;existe pas" in response.content.decode()
    assert snapshot() == before


def test_oversized_empty_and_renamed_files_get_a_message_in_the_page(world, login, settings):
    settings.IMPORT_MAX_BYTES = 100
    client = login(world.staff_a)
    before = snapshot()
    assert "trop gros" in upload(client, "/import/relais/", b"x" * 101).content.decode()
    settings.IMPORT_MAX_BYTES = 10_000
    assert "Le fichier est vide." in upload(client, "/import/relais/", b"  \n").content.decode()
    assert (
        "n&#x27;est pas un fichier CSV"
        in upload(client, "/import/relais/", b"\x89PNG\r\n\x1a\n\x00", "photo.csv").content.decode()
    )
    assert snapshot() == before


def test_partner_cannot_import(world, login):
    assert upload(login(world.partner_a), "/import/residences/", RESIDENCES_CP1252).status_code == 403


def test_management_commands(world, tmp_path):
    good = tmp_path / "ok.csv"
    good.write_bytes(RESIDENCES_CP1252)
    call_command("import_residences", "habitat-a", str(good), stdout=open("/dev/null", "w"))
    assert Residence.objects.filter(reference="HDL-9001").exists()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(relais_file(world).replace(b"awa@example.org", b"pas-un-email"))
    before = snapshot()
    with pytest.raises(CommandError, match="2 erreur"):
        call_command(
            "import_relais", "habitat-a", str(bad), stdout=open("/dev/null", "w"), stderr=open("/dev/null", "w")
        )
    assert snapshot() == before
    with pytest.raises(CommandError, match="Aucune organisation"):
        call_command("import_relais", "inconnue", str(good))


@pytest.mark.parametrize(
    "cell, message",
    [
        ("²", "n'est pas un nombre entier positif"),
        ("١٢", "n'est pas un nombre entier positif"),
        ("9" * 5000, "trop grand"),
    ],
)
def test_odd_digits_in_a_number_column_get_a_french_message(world, cell, message):
    content = f"reference;nom;logements\nA-1;Les Cèdres;{cell}\n".encode()
    report = csv_import.parse_residences(organisation=world.org_a, content=content)
    assert [(e.line, e.column) for e in report.errors] == [(2, "logements")]
    assert message in report.errors[0].message
