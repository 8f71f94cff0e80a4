"""The worker writes a large import a chunk at a time (bulk_create / bulk_update):
the rows it writes must be exactly those the per-row services write for the same
file — the residences and quartiers, the relais, their residence links, their
status history, their consents and the access journal — whatever the chunk
boundaries."""

import datetime
from collections import defaultdict

import pytest
from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent, Consent, Organisation
from relais import csv_import, services
from relais.models import ImportJob, Quartier, Relais, RelaisResidence, RelaisStatusChange, Residence
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

D = datetime.date

RESIDENCES_HEADER = "Référence;Nom;Adresse;Code postal;Commune;Nb logements;Quartier;QPV;Salle commune;Latitude\r\n"
RELAIS_HEADER = (
    "Prénom;Nom;E-mail;Téléphone;Canal;Statut;Date d'entrée;Résidence;Bâtiment;Date de consentement;"
    "Date de sortie;Motif de sortie\r\n"
)


def residences_csv() -> bytes:
    """Five residences the organisation has (renamed, moved, their quartier's
    QPV flag flipped back and forth) and twenty-five new ones."""
    rows = [
        f"R-{n};Résidence {n} rénovée;{n} rue Neuve;69100;Villeurbanne;{50 + n};Centre;{'oui' if n % 2 else 'non'};"
        f"oui;45,{n:02d}\r\n"
        for n in range(5)
    ]
    rows += [
        f"R-{n};Résidence {n};{n} rue des Écoles;69100;Villeurbanne;{20 + n};Quartier {n % 4};"
        f"{'oui' if n % 3 == 0 else 'non'};{'oui' if n % 5 == 0 else 'non'};\r\n"
        for n in range(10, 35)
    ]
    return (RESIDENCES_HEADER + "".join(rows)).encode()


def relais_csv() -> bytes:
    """Six relais the organisation knows (by e-mail, or by name and residence)
    and fourteen new ones, in every status, with and without consents."""
    known = [
        # A phone added, another building; a consent date that must not give consents back.
        "Awa;Koné;awa@example.org;06 11 11 11 11;e-mail;actif;;R-0;Bât. B;01/03/2024;;",
        # No e-mail: found by name and residence; candidat → actif.
        "Karim;Petit;;06 22 22 22 22;sms;actif;01/06/2024;R-1;;;;",
        # En pause → actif, their building changed.
        "Lucie;Roy;lucie@example.org;;e-mail;actif;01/09/2024;R-2;Esc. C;;;",
        # Actif → sorti.
        "Paul;Martin;paul@example.org;;e-mail;sorti;;R-3;;;15/10/2024;Déménagement",
        # A second residence, and a pause.
        "Rose;Diallo;rose@example.org;;papier;pause;02/02/2025;R-4;Bât. A;;;",
        # Renamed; candidat → sorti.
        "Samir;Haddad-Benali;samir@example.org;;e-mail;sorti;;R-0;;;03/03/2025;Manque de temps",
    ]
    statuses = ["actif", "candidat", "pause", "sorti", "actif", "actif", "candidat"]
    new = []
    for n in range(14):
        status = statuses[n % len(statuses)]
        email = f"nouveau{n}@example.org" if n % 3 else ""
        phone = f"07 00 00 00 {n:02d}" if n % 2 else ""
        channel = "e-mail" if email else "sms" if phone else "papier"
        left = ("20/11/2024", "Autre") if status == "sorti" else ("", "")
        new.append(
            f"Nouveau{n};Relais{n};{email};{phone};{channel};{status};{'01/03/2024' if n % 4 else ''};"
            f"R-{10 + n};{'Esc. ' + str(n % 3) if n % 2 else ''};{'05/03/2024' if n % 3 != 1 else ''};"
            f"{left[0]};{left[1]}"
        )
    rows = known[:3] + new[:7] + known[3:] + new[7:]
    return (RELAIS_HEADER + "\r\n".join(rows) + "\r\n").encode()


def seed(org: Organisation, by) -> None:
    """The same existing residences and relais in each organisation, written by the services."""
    centre = services.quartier_save(organisation=org, name="Centre", is_qpv=False)
    res = [
        services.residence_save(organisation=org, name=f"Résidence {n}", reference=f"R-{n}", quartier=centre)
        for n in range(5)
    ]

    def relais(first, last, residence, building="", status="actif", since=None, **fields):
        return services.relais_create(
            organisation=org, by=by, first_name=first, last_name=last, status=status,
            status_date=since or D(2024, 1, 10), residences=[(residence, building)], **fields,
        )  # fmt: skip

    relais("Awa", "Koné", res[0], "Bât. A", email="awa@example.org", consents=["email"], consent_date=D(2024, 1, 10))
    relais("Karim", "Petit", res[1], status="candidat", phone="06 22 22 22 22", preferred_channel="sms")
    lucie = relais("Lucie", "Roy", res[2], "Esc. A", email="lucie@example.org")
    services.relais_change_status(relais=lucie, to_status="pause", date=D(2024, 4, 1), by=by, note="Congé")
    relais("Paul", "Martin", res[3], email="paul@example.org")
    relais("Rose", "Diallo", res[0], email="rose@example.org", consents=["annuaire"], consent_date=D(2024, 2, 1))
    relais("Samir", "Haddad", res[0], status="candidat", since=D(2025, 1, 5), email="samir@example.org")


def natural(obj) -> object:
    """A row another table points at, by what names it whatever its id."""
    if isinstance(obj, Relais):
        return (obj.first_name, obj.last_name, obj.email)
    if isinstance(obj, Residence):
        return obj.reference
    if isinstance(obj, Quartier):
        return obj.name
    return obj.pk  # a user: the same in both organisations


def table(model, **where) -> list[tuple]:
    """Every row's values, ids, organisation and timestamps left out; in the order written."""
    rows = []
    for obj in model.objects.filter(**where).order_by("pk"):
        row = []
        for f in model._meta.concrete_fields:
            if f.primary_key or f.name in ("organisation", "object_id") or isinstance(f, models.DateTimeField):
                continue
            value = getattr(obj, f.name) if f.is_relation else getattr(obj, f.attname)
            row.append((f.name, None if value is None else natural(value) if f.is_relation else value))
        rows.append(tuple(row))
    return rows


def everything(org: Organisation) -> dict:
    """Each table's rows as a set; the history in its order, relais by relais."""
    history = defaultdict(list)
    for row in table(RelaisStatusChange, relais__organisation=org):
        history[dict(row)["relais"]].append(row)
    return {
        "quartiers": sorted(table(Quartier, organisation=org), key=repr),
        "residences": sorted(table(Residence, organisation=org), key=repr),
        "relais": sorted(table(Relais, organisation=org), key=repr),
        "links": sorted(table(RelaisResidence, relais__organisation=org), key=repr),
        "history": dict(history),
        "consents": sorted(table(Consent, organisation=org), key=repr),
        "journal": sorted(table(AuditEvent, organisation=org), key=repr),
    }


def run_job(org: Organisation, kind: str, content: bytes, by) -> ImportJob:
    """What the worker does once staff confirmed: the job's file written by `import_job_write`."""
    job = ImportJob(organisation=org, kind=kind, name=f"{kind}.csv", created_by=by, state=ImportJob.State.ECRITURE)
    job.file.save(f"{kind}.csv", ContentFile(content), save=False)
    job.save()
    return csv_import.import_job_write(job_id=job.pk)


def row_by_row(org: Organisation, kind: str, content: bytes, by) -> tuple[int, int]:
    """The same file through the per-row services, as a small import in the request."""
    parse, apply = {
        "residences": (csv_import.parse_residences, csv_import.apply_residences),
        "relais": (csv_import.parse_relais, csv_import.apply_relais),
    }[kind]
    report = parse(organisation=org, content=content)
    assert report.ok, report.errors
    return apply(organisation=org, report=report, by=by)


def test_the_bulk_writer_writes_exactly_the_rows_of_the_per_row_services(world, monkeypatch):
    monkeypatch.setattr(csv_import, "WRITE_CHUNK", 7)  # 30 and 20 rows: chunk boundaries everywhere
    by = world.staff_a
    bulk, per_row = OrganisationFactory(slug="en-bloc"), OrganisationFactory(slug="ligne-a-ligne")
    for org in (bulk, per_row):
        seed(org, by)
    assert everything(bulk) == everything(per_row)

    for kind, content, expected in (("residences", residences_csv(), (25, 5)), ("relais", relais_csv(), (14, 6))):
        job = run_job(bulk, kind, content, by)
        assert (job.state, job.error, (job.created, job.updated)) == ("termine", "", expected)
        assert row_by_row(per_row, kind, content, by) == expected

    rows = everything(bulk)
    assert rows == everything(per_row)
    assert all(rows[name] for name in rows if name != "journal"), "every table has rows to compare"

    # What staff then read on the relais' cards.
    paul = Relais.objects.get(organisation=bulk, email="paul@example.org")
    assert (paul.status, paul.left_on, paul.exit_reason) == ("sorti", D(2024, 10, 15), "demenagement")
    assert [(c.from_status, c.to_status, c.note) for c in paul.status_changes.order_by("pk")] == [
        ("", "actif", ""),
        ("actif", "sorti", "Import CSV"),
    ]
    awa = Relais.objects.get(organisation=bulk, email="awa@example.org")
    assert set(awa.consents.values_list("scope", flat=True)) == {"email"}, "no consent given back by a re-import"
    assert awa.relais_links.get().building == "Bât. B"
    rose = Relais.objects.get(organisation=bulk, email="rose@example.org")
    assert sorted(rose.residences.values_list("reference", flat=True)) == ["R-0", "R-4"]
    gone = Relais.objects.get(organisation=bulk, first_name="Nouveau3")
    assert (gone.status, gone.left_on, gone.exit_reason) == ("sorti", D(2024, 11, 20), "autre")
    assert set(gone.consents.values_list("scope", flat=True)) == {"annuaire", "sms"}
    assert Quartier.objects.get(organisation=bulk, name="Centre").is_qpv is False, "the file's last word"


def test_the_writer_reports_its_progress_chunk_by_chunk(world, monkeypatch):
    monkeypatch.setattr(csv_import, "WRITE_CHUNK", 7)
    report = csv_import.parse_residences(organisation=world.org_b, content=residences_csv())
    seen: list[int] = []
    with transaction.atomic():
        done = csv_import.bulk_write_residences(organisation=world.org_b, rows=report.rows, progress=seen.append)
    assert done == (30, 0)
    assert seen == [7, 14, 21, 28, 30]


def relais_file(count: int, residence: str) -> bytes:
    rows = "".join(
        f"Prénom{n};Nom{n};p{n}@example.org;06 00 00 00 {n:02d};e-mail;pause;01/03/2024;{residence};Esc. 1;"
        f"01/03/2024;;\r\n"
        for n in range(count)
    )
    return (RELAIS_HEADER + rows).encode()


def test_writing_relais_takes_the_same_queries_for_5_rows_as_for_50(world):
    """A few queries a chunk, not a few a relais (16 a relais row by row)."""
    queries = []
    for count in (5, 50):
        org = OrganisationFactory(slug=f"compte-{count}")
        residence = services.residence_save(organisation=org, name="Les Tilleuls", reference="T-1")
        with CaptureQueriesContext(connection) as captured:
            job = run_job(org, "relais", relais_file(count, residence.reference), world.staff_a)
        assert (job.state, job.created) == ("termine", count)
        assert RelaisStatusChange.objects.filter(relais__organisation=org).count() == 2 * count
        assert Consent.objects.filter(organisation=org).count() == 3 * count
        queries.append(len(captured))
    assert queries[0] == queries[1], queries
