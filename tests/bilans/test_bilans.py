"""The bilan: figures computed from a known dataset and read back from the PDF's
text, the previous-year comparison, a year with no data, the generation's
states, and who may see it."""

import datetime
import io
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from bilans import services
from bilans.models import Bilan
from bilans.selectors import bilan_context, bilan_figures
from core.models import Membership
from devtools.builder import (
    ActionPlan,
    Builder,
    GrantPlan,
    InitiativePlan,
    Invited,
    LogisticsPlan,
    RelaisPlan,
    RemonteePlan,
    ReunionPlan,
    Step,
)
from initiatives.models import InitiativeKind
from relais import services as relais_services
from remontees.models import Remontee, Theme
from reunions.models import Invitee, Reunion
from tests.factories import MembershipFactory, OrganisationFactory, ResidenceFactory, UserFactory
from tests.helpers import text as page_text

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " "))


def at(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(day))


def on(day: str) -> datetime.date:
    return datetime.date.fromisoformat(day)


class Network:
    """A small network whose every figure is known (2024 and 2025)."""

    def __init__(self):
        org = self.org = OrganisationFactory(name="Office du Val", slug="office-du-val")
        b = Builder(org, rng=0)
        self.staff = b.by = b.member("mediation@val.test", Membership.Role.STAFF)
        hauts, centre = b.quartiers([("Les Hauts", True), ("Centre", False)])
        self.r1, self.r2, _, r4 = b.residences(
            ["Les Tilleuls", "Le Belvédère", "La Grande Tour", "Les Mimosas"],
            quartiers=[hauts, centre, centre, hauts],
            dwellings=[120, 80, 200, 30],
        )

        def relais(name, residence, *life):
            steps = [Step(status, on(day), *reason) for status, day, *reason in life]
            return b.relais([RelaisPlan(name, "Val", steps, homes=[(residence, "")])])[0]

        self.a = relais("Aïcha", self.r1, ("actif", "2023-03-01"))
        b_ = relais("Bruno", self.r2, ("actif", "2024-06-01"))
        c = relais("Chantal", self.r1, ("candidat", "2025-02-01"), ("actif", "2025-04-01"))
        d = relais("Driss", self.r2, ("actif", "2023-01-10"), ("sorti", "2025-09-30", "demenagement"))
        relais("Emma", r4, ("candidat", "2025-10-01"))
        f = relais("Fatou", self.r2, ("actif", "2025-05-01"))

        def meeting(kind, day, status, invitees, actions=()):
            return ReunionPlan(
                kind=kind,
                day=on(day),
                status=status,
                title=f"{kind} {day}",
                address="Mairie",
                invitees=[Invited(*invitee) for invitee in invitees],
                actions=[
                    ActionPlan(title, self.a, on(due), status, on(closed) if closed else None)
                    for title, due, status, closed in actions
                ],
            )

        b.reunions(
            [
                meeting(
                    "pleniere",
                    "2025-02-10",
                    "tenue",
                    [
                        (self.a, "present", True, True),
                        (b_, "absent", False, True),
                        (c, "", True, True),
                        (f, "", True, False),
                    ],
                    [
                        ("Réparer l'interphone", "2025-03-31", "faite", "2025-03-20"),
                        ("Afficher les horaires", "2025-05-01", "ouverte", None),
                    ],
                ),
                meeting(
                    "thematique",
                    "2025-06-12",
                    "tenue",
                    [(self.a, "present", True, True), (b_, "peut_etre", False, True)],
                    [
                        ("Visite des caves", "2026-02-01", "ouverte", None),
                        ("Devis des jardinières", "2025-07-01", "abandonnee", None),
                    ],
                ),
                meeting("thematique", "2025-10-05", "annulee", [(self.a, "present", None, True)]),
                meeting(
                    "pleniere", "2024-03-01", "tenue", [(self.a, "present", True, True), (d, "present", True, True)]
                ),
            ]
        )

        theme = b.themes()
        answered = "Contrat de maintenance renégocié."
        b.remontees(
            [
                RemonteePlan(residence, theme[name], f"{name} en panne", at(created), relais=self.a, steps=steps)
                for residence, name, created, steps in [
                    (
                        self.r1,
                        "Ascenseur",
                        "2025-01-10",
                        [("prise_en_compte", at("2025-01-14"), ""), ("resolue", at("2025-02-09"), answered)],
                    ),
                    (self.r1, "Ascenseur", "2025-03-01", [("en_cours", at("2025-04-10"), "")]),
                    (
                        self.r2,
                        "Propreté et encombrants",
                        "2025-05-05",
                        [("non_retenue", at("2025-05-15"), "Pas cette année.")],
                    ),
                    (self.r2, "Propreté et encombrants", "2025-11-20", []),
                    (
                        self.r1,
                        "Chauffage et eau chaude",
                        "2025-12-01",
                        [("prise_en_compte", at("2025-12-03"), ""), ("resolue", at("2025-12-11"), answered)],
                    ),
                    (
                        self.r1,
                        "Chauffage et eau chaude",
                        "2024-11-02",
                        [("prise_en_compte", at("2024-11-30"), ""), ("resolue", at("2024-12-02"), answered)],
                    ),
                ]
            ]
        )

        b.activities(
            [
                (self.a, on("2025-03-03"), "porte_a_porte", 12, "accueil"),
                (f, on("2025-04-04"), "visite", 1, "isolement"),
            ]
        )

        kinds = {k.name: k for k in InitiativeKind.objects.filter(organisation=org)}
        voisins, centre_social = b.partners(["Voisins solidaires", "Centre social du Val"])
        tables, chaises = b.equipment([("Tables", 20), ("Chaises", 100)])

        def initiative(kind, day, status, residence, participants=None, split=(None, None, None, None), **plan):
            children, adults, seniors, newcomers = split
            return InitiativePlan(
                kind=kinds[kind],
                title=f"{kind} {day}",
                day=on(day),
                status=status,
                residences=[residence],
                report=None
                if participants is None
                else {
                    "participants": participants,
                    "children": children,
                    "adults": adults,
                    "seniors": seniors,
                    "newcomers": newcomers,
                },
                **plan,
            )

        b.initiatives(
            [
                initiative(
                    "Fête des voisins",
                    "2025-05-30",
                    "realisee",
                    self.r1,
                    80,
                    (30, 40, 10, 12),
                    partners=[voisins],
                    logistics=LogisticsPlan([(tables, 8), (chaises, 40)], approve=True, granted={tables.pk: 6}),
                    grant=GrantPlan(
                        Decimal(300), "Un moment ensemble", decided_on=on("2025-04-15"), granted=Decimal(250)
                    ),
                ),
                initiative("Repas partagé", "2025-09-15", "realisee", self.r2, 25),
                initiative(
                    "Sortie",
                    "2025-07-01",
                    "annulee",
                    self.r1,
                    partners=[centre_social],
                    grant=GrantPlan(
                        Decimal(900),
                        "Un moment ensemble",
                        decided_on=on("2025-06-10"),
                        refusal="Budget de l'année épuisé.",
                    ),
                ),
                initiative("Atelier cuisine", "2024-10-10", "realisee", self.r1, 15),
            ]
        )


@pytest.fixture
def network(db) -> Network:
    return Network()


EXPECTED_2025 = [
    # The key figures, compared with 2024.
    "Relais actifs en fin de période 4 3 +1",
    "Nouveaux relais 2 1 +1",
    "Relais sortis 1 0 +1",
    "Résidences avec au moins un relais 2 2 0",
    "Logements couverts 200 200 0",
    "Réunions tenues 2 1 +1",
    "Invitations envoyées 6 2 +4",
    "Taux de présence 60 % 100 % −40 pt",
    "Remontées reçues 5 1 +4",
    "Remontées résolues 2 1 +1",
    "Délai médian de première réponse 7 j 28 j −21 j",
    "Part des remontées répondues sous 30 jours 60 % 100 % −40 pt",
    "Initiatives réalisées 2 1 +1",
    "Participants aux initiatives 105 15 +90",
    "Subventions accordées 250 € 0 € +250 €",
    "Activités notées par les relais 2 0 +2",
    "Foyers rencontrés par les relais 13 0 +13",
    "Activités notées par les relais depuis leur téléphone : 2 ; foyers rencontrés : 13.",
    "Porte-à-porte 1 Visite de courtoisie (nouveau locataire, personne isolée) 1",
    "Sujets abordés : Accueil, lien entre voisins : 1 ; Isolement : 1.",
    # Relais.
    "Relais actifs au 31 décembre 2025 : 4",
    "Nouveaux relais dans l'année : 2",
    "Relais sortis dans l'année : 1 (déménagement : 1)",
    "Candidat·es : 1 ; en pause : 0",
    "Ancienneté moyenne des relais actifs : 1,5 an",
    # Coverage, QPV or not, and the largest residences without a relais.
    "Résidences ayant au moins un relais actif : 2 sur 4 (50 %) ; leurs logements : 200 sur 430 (46,5 %)",
    "En quartier prioritaire (QPV) 1 / 2 120 / 150 (80 %)",
    "Hors QPV 1 / 2 80 / 280 (28,6 %)",
    "La Grande Tour — 200 logements",
    "Les Mimosas — 30 logements",
    # Meetings.
    "Réunions tenues : 2 ; annulées : 1.",
    "Plénière 1 0 0 Thématique 1 1 0",
    "Invitations : 6 ; réponses : 5 (83,3 %) — présent·es : 3, absent·es : 1, peut-être : 1",
    "Taux de présence aux réunions tenues : 60 % (invités présents : 3 sur 5 ; "
    "participants au total, non-invités compris : 4)",
    "Actions décidées en réunion : 4 — faites dans l'année : 1, en retard : 1",
    # Remontées.
    "Remontées reçues : 5 — nouvelle : 1, en cours : 1, résolue : 2, non retenue : 1.",
    "Délai médian de résolution : 20 j",
    "Répondues sous 30 jours : 60 % (3 sur 5 reçues depuis plus de 30 jours)",
    "Encore sans réponse : 1",
    "Ascenseur 2 1 Propreté et encombrants 2 0 Chauffage et eau chaude 1 1",
    # Initiatives, logistics and grants.
    "Initiatives réalisées : 2 sur 3 (annulées : 1).",
    "Participants : 105 — enfants : 30, adultes : 40, seniors : 10 (là où c'est connu) ; nouvelles têtes : 12.",
    "Partenaires : Voisins solidaires ",
    "demandes accordées : 1 — Chaises : 40, Tables : 6",
    "Fonds de participation : demandes : 2 (1 200 €) ; accordées : 1 (250 €) ; refusées : 1",
    # The annex, a table: one row per residence under the columns' names.
    "Résidence Logements Relais Remontées Initiatives Participants",
    "Les Tilleuls (Les Hauts, QPV) 120 2 3 1 80",
    "Le Belvédère (Centre) 80 2 2 1 25",
    "La Grande Tour (Centre) 200 0 0 0 0",
]


def test_the_pdf_says_the_known_figures_and_compares_them_with_the_year_before(
    network, django_capture_on_commit_callbacks
):
    bilan = services.bilan_open(organisation=network.org, year=2025)
    example = Remontee.objects.get(organisation=network.org, created_at__date=on("2025-01-10"))
    services.bilan_save_texts(
        bilan=bilan,
        introduction="Une année de chantiers.",
        perspectives="Former six nouveaux relais.",
        examples=[example],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.bilan_request(bilan=bilan, by=network.staff)
    bilan.refresh_from_db()
    assert bilan.state == Bilan.State.PRET and bilan.error == ""
    with bilan.file.open("rb") as f:
        text = pdf_text(f.read())
    missing = [line for line in EXPECTED_2025 if line not in text]
    assert missing == [], f"not in the PDF: {missing}\n\n{text}"
    assert "Bilan 2025 Office du Val" in text
    assert "Une année de chantiers." in text and "Former six nouveaux relais." in text
    assert "Vous avez dit : « Ascenseur en panne »" in text
    assert "Nous avons fait : Contrat de maintenance renégocié." in text
    # A table of contents with page numbers, and numbered pages.
    assert re.search(r"Sommaire .*L'année en chiffres .*Annexe : par résidence", text)
    pages = len(PdfReader(bilan.file.path).pages)
    assert f"Office du Val — bilan 2025 2 / {pages}" in text


def test_a_year_with_no_data_still_renders_and_says_so(network):
    pdf = services.bilan_pdf(Bilan(organisation=network.org, year=2019))
    text = pdf_text(pdf)
    assert "Aucune activité n'est enregistrée pour 2019 chez Office du Val" in text
    assert "Relais actifs en fin de période 0 0 0" in text
    assert "Délai médian de première réponse — — —" in text
    assert "Remontées reçues : 0." in text


def test_the_page_shows_the_same_figures(network, login):
    bilan = services.bilan_open(organisation=network.org, year=2025)
    text = page_text(login(network.staff).get(f"/bilans/{bilan.pk}/"))
    for line in (
        "Relais actifs en fin de période 4 3 +1",
        "Taux de présence 60 % 100 % −40 pt",
        "La Grande Tour — 200",
    ):
        assert line in text
    assert "Le PDF n'a pas encore été généré" in text
    assert "<svg" in login(network.staff).get(f"/bilans/{bilan.pk}/").content.decode()


def test_the_command_writes_the_same_pdf(network, tmp_path):
    out = tmp_path / "bilan.pdf"
    call_command("bilan", "office-du-val", "2025", "--output", str(out), stdout=io.StringIO())
    text = pdf_text(out.read_bytes())
    assert "Relais actifs en fin de période 4 3 +1" in text
    assert not Bilan.objects.exists()  # the command reads, it writes nothing in the database
    with pytest.raises(CommandError, match="Aucune organisation « inconnue »"):
        call_command("bilan", "inconnue", "2025", "--output", str(out))


def test_regenerating_replaces_the_file_and_a_stale_task_changes_nothing(network, django_capture_on_commit_callbacks):
    bilan = services.bilan_open(organisation=network.org, year=2025)
    with django_capture_on_commit_callbacks(execute=True):
        services.bilan_request(bilan=bilan, by=network.staff)
    bilan.refresh_from_db()
    first = bilan.file.path
    services.bilan_save_texts(bilan=bilan, introduction="Version deux.", perspectives="", examples=[])
    with django_capture_on_commit_callbacks(execute=True):
        services.bilan_request(bilan=bilan, by=network.staff)
    bilan.refresh_from_db()
    assert bilan.state == Bilan.State.PRET
    assert "Version deux." in pdf_text(open(bilan.file.path, "rb").read())
    assert first != bilan.file.path and not os.path.exists(first), "the old PDF is replaced, not kept beside"
    assert len(list(Path(bilan.file.path).parent.glob("*.pdf"))) == 1
    # A task whose request was overtaken leaves the row alone.
    old_token = str(bilan.token)
    with django_capture_on_commit_callbacks(execute=False):
        services.bilan_request(bilan=bilan, by=network.staff)
    assert services.bilan_generate(bilan_id=bilan.pk, token=old_token) is None
    bilan.refresh_from_db()
    assert bilan.state == Bilan.State.EN_ATTENTE


def test_a_failure_is_shown_with_its_error(network, django_capture_on_commit_callbacks, monkeypatch, login):
    def broken(bilan, user=None):
        raise RuntimeError("police introuvable")

    monkeypatch.setattr(services, "bilan_pdf", broken)
    bilan = services.bilan_open(organisation=network.org, year=2025)
    with django_capture_on_commit_callbacks(execute=True):
        login(network.staff).post(f"/bilans/{bilan.pk}/generer/")
    bilan.refresh_from_db()
    assert bilan.state == Bilan.State.ECHEC and "police introuvable" in bilan.error
    assert "Échec de la génération : RuntimeError : police introuvable" in page_text(
        login(network.staff).get(f"/bilans/{bilan.pk}/etat/")
    )


def test_a_requester_who_lost_their_role_gets_no_pdf(network, django_capture_on_commit_callbacks):
    bilan = services.bilan_open(organisation=network.org, year=2025)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.bilan_request(bilan=bilan, by=network.staff)
    Membership.objects.filter(user=network.staff).update(role=Membership.Role.PARTNER)
    for callback in callbacks:
        callback()
    bilan.refresh_from_db()
    assert bilan.state == Bilan.State.ECHEC and not bilan.file
    assert "n'y a plus accès" in bilan.error


def test_outsiders_and_relais_get_404_for_the_bilan_and_its_file(world, login, django_capture_on_commit_callbacks):
    bilan = services.bilan_open(organisation=world.org_a, year=2025)
    with django_capture_on_commit_callbacks(execute=True):
        services.bilan_request(bilan=bilan, by=world.staff_a)
    partner_b = MembershipFactory(
        user=UserFactory(email="partenaire@b.test"), organisation=world.org_b, role=Membership.Role.PARTNER
    ).user
    for url in (f"/bilans/{bilan.pk}/", f"/bilans/{bilan.pk}/bilan.pdf", f"/bilans/{bilan.pk}/etat/"):
        for outsider in (world.staff_b, partner_b, world.relais_user_a):
            assert login(outsider).get(url).status_code == 404, (url, outsider)
    response = login(world.partner_a).get(f"/bilans/{bilan.pk}/bilan.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="bilan-habitat-a-2025.pdf"' in response["Content-Disposition"]
    assert login(world.partner_a).post(f"/bilans/{bilan.pk}/generer/").status_code == 403
    # Staff limited to one quartier: the bilan names every residence of the organisation.
    agency = login(world.agency_a)
    assert agency.get(f"/bilans/{bilan.pk}/").status_code == 404
    assert "votre accès est limité à certains quartiers" in page_text(agency.get("/bilans/"))
    assert agency.post("/bilans/ouvrir/", {"year": "2024"}).status_code == 403
    assert Bilan.objects.count() == 1


def test_opening_a_year_refuses_bad_input_in_french_and_writes_nothing(world, login):
    staff = login(world.staff_a)
    next_year = timezone.localdate().year + 1
    for value, message in [
        (str(next_year), "Le bilan d'une année à venir ne peut pas encore être fait."),
        ("1850", "Choisissez une année à partir de 2000."),
        ("deux mille", "Indiquez une année, par exemple"),
        ("", "Indiquez l'année du bilan."),
    ]:
        response = staff.post("/bilans/ouvrir/", {"year": value})
        assert response.status_code == 400 and message in page_text(response), value
    assert not Bilan.objects.exists()
    response = staff.post("/bilans/ouvrir/", {"year": "2025"})
    assert response.status_code == 302 and Bilan.objects.get().year == 2025


def test_the_texts_page_keeps_examples_and_puts_the_logo_on_the_cover(network, login):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    bilan = services.bilan_open(organisation=network.org, year=2025)
    chosen = Remontee.objects.get(organisation=network.org, created_at__date=on("2025-12-01"))
    png = io.BytesIO()
    Image.new("RGB", (300, 120), "navy").save(png, "PNG")
    response = login(network.staff).post(
        f"/bilans/{bilan.pk}/textes/",
        {
            "introduction": "Bonjour à toutes et à tous.",
            "perspectives": "",
            "examples": [chosen.pk],
            "logo": SimpleUploadedFile("logo.png", png.getvalue(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    bilan.refresh_from_db()
    assert list(bilan.examples.all()) == [chosen] and bilan.introduction == "Bonjour à toutes et à tous."
    network.org.refresh_from_db()
    reader = PdfReader(io.BytesIO(services.bilan_pdf(bilan)))
    assert len(reader.pages[0].images) == 1
    # A remontée of another organisation cannot be chosen.
    other = OrganisationFactory(slug="ailleurs")
    stranger = Remontee.objects.create(
        organisation=other,
        residence=ResidenceFactory(organisation=other),
        theme=Theme.objects.filter(organisation=other).first(),
        description="Ailleurs",
        status="resolue",
        source="visite",
    )
    response = login(network.staff).post(
        f"/bilans/{bilan.pk}/textes/", {"introduction": "x", "perspectives": "", "examples": [stranger.pk]}
    )
    assert response.status_code == 200, response
    assert "Sélectionnez un choix valide" in page_text(response), page_text(response)
    bilan.refresh_from_db()
    assert bilan.introduction == "Bonjour à toutes et à tous."


def _grow(org, first: int, last: int) -> None:
    """One residence more per number, each with its relais, a remontée, an
    initiative and a meeting attended."""
    b = Builder(org, rng=first)
    homes = b.residences(
        last - first,
        quartiers=b.quartiers([f"Quartier {first}"]),
        dwellings=range(10 + first, 10 + last),
        prefix=f"G{first}",
    )
    theme = Theme.objects.filter(organisation=org).first()
    kind = InitiativeKind.objects.filter(organisation=org).first()
    people = b.relais(
        [
            RelaisPlan("R", str(first + n), [Step("actif", on("2025-01-02"))], homes=[(home, "")])
            for n, home in enumerate(homes)
        ]
    )
    pairs = list(zip(people, homes, strict=True))
    b.remontees(
        [
            RemonteePlan(home, theme, "x", at("2025-05-01T10:00"), relais=person, source="visite")
            for person, home in pairs
        ]
    )
    b.initiatives(
        [
            InitiativePlan(kind, str(n), on("2025-06-01"), "realisee", residences=[home], report={"participants": n})
            for n, (_, home) in enumerate(pairs, start=first)
        ]
    )
    b.reunions(
        [
            ReunionPlan(
                "thematique",
                on("2025-03-01"),
                "tenue",
                title=person.last_name,
                address="Salle commune",
                invitees=[Invited(person, "present", True)],
            )
            for person, _ in pairs
        ]
    )


def test_the_figures_take_the_same_number_of_queries_for_5_and_50_residences(db, login):
    org = OrganisationFactory(slug="croissance")
    _grow(org, 0, 5)
    with CaptureQueriesContext(connection) as few:
        small = bilan_figures(org, 2025)
    _grow(org, 5, 50)
    with CaptureQueriesContext(connection) as many:
        large = bilan_figures(org, 2025)
    assert (small["relais"]["active"], large["relais"]["active"]) == (5, 50)
    assert len(large["annex"]) == 50 and large["remontees"]["total"] == 50
    assert len(many) == len(few), f"{len(few)} queries for 5 residences, {len(many)} for 50"
    assert len(few) <= 25
    staff = MembershipFactory(user=UserFactory(email="s@croissance.test"), organisation=org, role="staff").user
    bilan = services.bilan_open(organisation=org, year=2025)
    client = login(staff)
    client.get(f"/bilans/{bilan.pk}/")
    with CaptureQueriesContext(connection) as page:
        assert client.get(f"/bilans/{bilan.pk}/").status_code == 200
    _grow(org, 50, 60)
    with CaptureQueriesContext(connection) as bigger_page:
        assert client.get(f"/bilans/{bilan.pk}/").status_code == 200
    assert len(bigger_page) == len(page)


def test_a_request_overtaken_while_rendering_keeps_the_newer_one(network, monkeypatch):
    """The race the token exists for: a new request arrives while the old task renders."""
    bilan = services.bilan_open(organisation=network.org, year=2025)
    from django.db import transaction

    with transaction.atomic():
        services.bilan_request(bilan=bilan, by=network.staff)
    bilan.refresh_from_db()
    first_token = str(bilan.token)
    real_pdf = services.bilan_pdf

    def render_then_overtaken(b, user=None):
        pdf = real_pdf(b, user)
        services.bilan_request(bilan=b, by=network.staff)  # staff clicked again meanwhile
        return pdf

    monkeypatch.setattr(services, "bilan_pdf", render_then_overtaken)
    assert services.bilan_generate(bilan_id=bilan.pk, token=first_token) is None
    bilan.refresh_from_db()
    assert bilan.state == Bilan.State.EN_ATTENTE and not bilan.file and str(bilan.token) != first_token


def test_people_not_changes_and_attendance_only_where_ticked(network):
    person = relais_services.relais_create(
        organisation=network.org,
        by=None,
        first_name="Gaël",
        last_name="Val",
        status="actif",
        status_date=on("2025-02-01"),
        residences=[(network.r1, "")],
    )
    relais_services.relais_change_status(
        relais=person, to_status="sorti", date=on("2025-03-01"), by=None, exit_reason="manque_de_temps"
    )
    relais_services.relais_change_status(relais=person, to_status="actif", date=on("2025-06-01"), by=None)
    relais_services.relais_change_status(
        relais=person, to_status="sorti", date=on("2025-08-01"), by=None, exit_reason="demenagement"
    )
    untouched = Reunion.objects.create(
        organisation=network.org,
        kind="comite",
        title="Comité sans émargement",
        starts_at=at("2025-09-01T18:00"),
        ends_at=at("2025-09-01T20:00"),
        status="tenue",
    )
    Invitee.objects.create(reunion=untouched, relais=network.a, answer="present")
    figures = bilan_figures(network.org, 2025)
    # Gaël joined, left, came back and left: one new relais, one departure (the last reason).
    assert figures["relais"]["new"] == 3 and figures["relais"]["left"] == 2
    assert figures["relais"]["left_by_reason"] == [("Déménagement", 2)]
    # The meeting nobody ticked does not pull the attendance rate down.
    assert figures["reunions"]["attendance_rate"] == 60.0 and figures["reunions"]["invitations"] == 7


def test_the_year_in_progress_is_compared_with_the_same_months_of_the_year_before(network, monkeypatch):
    # « Today » is 15 June 2025: the 2025 bilan stops there, and 2024 is cut at 15 June too.
    fixed = timezone.make_aware(datetime.datetime(2025, 6, 15, 12, 0))
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    Remontee.objects.create(
        organisation=network.org,
        residence=network.r1,
        theme=Theme.objects.filter(organisation=network.org).first(),
        description="Avant l'été 2024",
        source="visite",
    )
    Remontee.objects.filter(description="Avant l'été 2024").update(created_at=at("2024-05-01T10:00"))
    context = bilan_context(services.bilan_open(organisation=network.org, year=2025))
    assert not context["figures"]["whole_year"] and context["figures"]["as_of"] == on("2025-06-15")
    assert context["previous_until"] == on("2024-06-15")
    # 2024 is cut at 15 June: the remontée of May 2024 counts, November's does not.
    assert context["previous"]["remontees"]["total"] == 1
    assert bilan_figures(network.org, 2024)["remontees"]["total"] == 2
    text = pdf_text(services.bilan_pdf(Bilan(organisation=network.org, year=2025)))
    assert "Année en cours : chiffres arrêtés au 15 juin 2025, comparés à la même période de 2024." in text
