import datetime
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from bilans.selectors import bilan_figures
from core.models import Organisation, User
from engagement.models import Attestation
from engagement.selectors import at_risk, reasons_of
from relais import selectors
from relais.models import Relais

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo") / "media"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, demo_media):
    # The demo's files (its bilan's PDF, photos) stay where the module's demo put them.
    settings.MEDIA_ROOT = demo_media


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker, demo_media):
    """The demo, built once for this module in a transaction rolled back at its end.

    Each test runs in its own savepoint inside it (pytest-django's django_db), so what a
    test changes is undone before the next one, as if each had seeded its own demo.
    """
    with override_settings(MEDIA_ROOT=demo_media), django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in apps.get_app_config("relais").get_models()}


def test_seed_demo_builds_the_demo_network_once():
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())  # a second run adds nothing
    assert counts() == first

    lac = Organisation.objects.get(slug="habitat-du-lac")
    assert 35 <= lac.residences.count() <= 45
    assert 2700 <= sum(lac.residences.values_list("dwellings", flat=True)) <= 3300
    assert lac.quartiers.count() == 3 and lac.quartiers.filter(is_qpv=True).count() == 2
    assert 55 <= lac.relais.count() <= 65
    assert set(lac.relais.values_list("status", flat=True)) == set(Relais.Status.values)
    assert (
        lac.relais.filter(status=Relais.Status.SORTI).exclude(exit_reason="").count()
        == lac.relais.filter(status=Relais.Status.SORTI).count()
    )
    tilleuls = Organisation.objects.get(slug="centre-social-tilleuls")
    assert tilleuls.kind == Organisation.Kind.CENTRE_SOCIAL
    assert 10 <= tilleuls.relais.count() <= 14

    staff = User.objects.get(email="mediation@habitat-du-lac.test")
    board = selectors.dashboard(staff)
    assert board.uncovered, "some residences have no relais"
    # Relais drifting away, each rule shown (engagement's definitions).
    reasons = {r.code for row in at_risk(staff) for r in reasons_of(row)}
    assert reasons == {"inactif", "absences", "sans-visite", "candidat"}, reasons
    # Last year's attestations issued, the hours valued.
    assert Attestation.objects.filter(organisation=lac, year=timezone.localdate().year - 1).count() >= 20
    assert bilan_figures(lac, timezone.localdate().year - 1)["engagement"]["value"] > 0
    assert board.covered_residences < board.residences

    # The demo's histories are possible, and the bilan of today says what the dashboard says.
    out = io.StringIO()
    call_command("check_data", stdout=out)
    assert "Aucun historique impossible." in out.getvalue()
    for org, email in ((lac, "mediation@habitat-du-lac.test"), (tilleuls, "mediation@tilleuls.test")):
        board = selectors.dashboard(User.objects.get(email=email))
        today = bilan_figures(org, timezone.localdate().year)
        assert (
            board.by_status["actif"],
            board.by_status["pause"],
            board.by_status["candidat"],
            board.residences,
            board.covered_residences,
            board.covered_dwellings,
        ) == (
            today["relais"]["active"],
            today["relais"]["paused"],
            today["relais"]["candidates"],
            today["coverage"]["residences"],
            today["coverage"]["covered"],
            today["coverage"]["covered_dwellings"],
        )
        # A residence « sans relais » on the dashboard has no relais in the annex.
        assert {r.name for r in board.uncovered} <= {row["name"] for row in today["annex"] if row["relais"] == 0}

    # Two full years of activity before this one: the bilan's comparison means something.
    year = timezone.localdate().year
    for past in (year - 2, year - 1):
        figures = bilan_figures(lac, past)
        assert figures["relais"]["active"] >= 20, past
        assert figures["reunions"]["held"] >= 4 and figures["remontees"]["total"] >= 20, past
        assert figures["initiatives"]["done"] >= 4 and figures["activity"]["total"] >= 10, past


@pytest.mark.parametrize(
    "email, landing, text",
    [
        ("mediation@habitat-du-lac.test", "/a-traiter/", "Habitat du Lac"),
        ("mediation@tilleuls.test", "/a-traiter/", "Centre social des Tilleuls"),
        ("partenaire@habitat-du-lac.test", "/tableau-de-bord/", "Habitat du Lac"),
        ("relais@habitat-du-lac.test", "/espace/", "Fatou"),
        ("admin@demo.test", "/a-traiter/", "À traiter"),
    ],
)
def test_demo_accounts_log_in_with_the_demo_password(client, email, landing, text):
    assert client.login(email=email, password="demo1234")
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == landing
    assert text in response.content.decode()


def test_the_demo_relais_sees_its_residence(client):
    relais = Relais.objects.get(user__email="relais@habitat-du-lac.test")
    assert relais.status == Relais.Status.ACTIF
    client.login(email="relais@habitat-du-lac.test", password="demo1234")
    page = client.get("/espace/").content.decode()
    assert relais.residences.first().name in page


def test_the_demo_has_meetings_held_cancelled_and_to_come(client):
    from reunions.models import Invitee, Reunion

    lac = Reunion.objects.filter(organisation__slug="habitat-du-lac")
    assert {"tenue", "annulee", "prevue"} == set(lac.values_list("status", flat=True))
    assert Invitee.objects.filter(reunion__status="tenue", attended=True).exists()
    assert Invitee.objects.filter(reunion__status="prevue").exclude(answer="").exists()
    client.login(email="mediation@habitat-du-lac.test", password="demo1234")
    page = client.get("/reunions/").content.decode()
    assert "Thématique : chauffage et eau chaude" in page


def test_the_demo_shows_meetings_from_invitation_to_followed_actions():
    from remontees.models import Remontee
    from reunions.models import ActionItem, AgendaItem, Reunion

    lac = Organisation.objects.get(slug="habitat-du-lac")
    meetings = Reunion.objects.filter(organisation=lac)
    assert set(meetings.values_list("status", flat=True)) == {"prevue", "tenue", "annulee"}
    held = meetings.filter(status="tenue")
    assert held.exclude(minutes_published_at=None).count() == held.count()
    assert held.filter(decisions__isnull=False).distinct().count() == held.count()
    actions = ActionItem.objects.filter(reunion__organisation=lac)
    # Done, open, and in the years before a few abandoned.
    assert set(actions.values_list("status", flat=True)) == {"faite", "ouverte", "abandonnee"}
    # The next thematic meeting follows up the open action of the last one.
    (carried,) = AgendaItem.objects.filter(reunion__status="prevue", action__isnull=False)
    assert carried.action.status == "ouverte" and carried.reunion.previous == carried.action.reunion
    raised = Remontee.objects.filter(organisation=lac, source="reunion")
    # Every status staff answer with (« à confirmer » is a service's, below).
    assert set(raised.values_list("status", flat=True)) >= set(Remontee.Status.values) - {"a_confirmer"}


def test_the_demo_shows_initiatives_logistics_and_grants_at_every_stage():
    from core.models import Message
    from initiatives.models import GrantRequest, Initiative, LogisticsRequest

    lac = Organisation.objects.get(slug="habitat-du-lac")
    initiatives = Initiative.objects.filter(organisation=lac)
    assert set(initiatives.values_list("status", flat=True)) == set(Initiative.Status.values)
    done = initiatives.filter(status="realisee")
    assert done.count() >= 5 and not done.filter(participants__isnull=True).exists()
    assert set(LogisticsRequest.objects.filter(initiative__organisation=lac).values_list("status", flat=True)) == {
        "approuvee",
        "demandee",
    }
    assert set(GrantRequest.objects.filter(initiative__organisation=lac).values_list("status", flat=True)) == set(
        GrantRequest.Status.values
    )
    # The demo records what was told; nothing is due when `make run` starts. What
    # waits is a neighbour's reminder, for 10:00 the day before the next public event.
    waiting = Message.objects.filter(state="en_attente")
    assert not waiting.filter(scheduled_for__lte=timezone.now()).exists()
    assert set(waiting.values_list("kind", flat=True)) == {"rappel_voisin"}


def test_the_demo_has_a_bilan_ready_to_download(client):
    import io

    from pypdf import PdfReader

    from bilans.models import Bilan

    bilan = Bilan.objects.get(organisation__slug="habitat-du-lac")
    assert bilan.state == "pret" and bilan.introduction and bilan.perspectives and bilan.examples.exists()
    client.login(email="mediation@habitat-du-lac.test", password="demo1234")
    response = client.get(f"/bilans/{bilan.pk}/bilan.pdf")
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert f"Bilan {bilan.year}" in text and "Habitat du Lac" in text


def test_the_demo_network_has_its_bilan_of_last_year_ready(client):
    from bilans.models import Bilan
    from tests.bilans.test_bilans import pdf_text

    bilan = Bilan.objects.get(organisation__slug="reseau-regional")
    assert bilan.state == "pret" and bilan.year == timezone.localdate().year - 1
    client.login(email="coordination@reseau-regional.test", password="demo1234")
    assert "Prêt — généré le" in client.get(f"/bilans/{bilan.pk}/").content.decode()
    text = pdf_text(b"".join(client.get(f"/bilans/{bilan.pk}/bilan.pdf").streaming_content))
    assert f"Bilan {bilan.year} du réseau" in text and "Habitat du Lac" in text and "Rhône Habitat" in text


def test_the_demo_relais_space_has_a_guide_activity_and_initiatives_to_report(client):
    from espace.models import Activity, Guide

    lac = Organisation.objects.get(slug="habitat-du-lac")
    assert Guide.objects.get(organisation=lac).missions
    assert Activity.objects.filter(organisation=lac).count() >= 30
    client.login(email="relais@habitat-du-lac.test", password="demo1234")
    page = client.get("/espace/").content.decode()
    assert "Cuisine du monde" in page and "Mes prochaines réunions" in page
    assert "Porte-à-porte" in client.get("/espace/activite/").content.decode()


def test_the_demo_is_a_history_the_product_could_have_recorded():
    from tests.devtools.coherence import problems

    for organisation in Organisation.objects.all():
        assert problems(organisation) == [], organisation.slug


def test_the_demo_shows_relais_what_the_network_did(client):
    from espace.models import Announcement, AnnouncementRecipient
    from tests.helpers import text
    from tests.helpers import visible as text_of

    client.login(email="relais@habitat-du-lac.test", password="demo1234")
    meetings = text(client.get("/reunions/mes-reunions/"))
    assert "Réunions passées" in meetings and "Lire le compte-rendu, les décisions et les actions" in meetings
    catalogue = client.get("/initiatives/entre-relais/").content.decode()
    shared = text_of(catalogue)
    assert "Goûter de la rentrée" in shared and "Galette des rois du Parc Fleuri" in shared
    assert "Refaire cette initiative chez moi" in shared and "/initiatives/entre-relais/photos/" in catalogue
    directory = text(client.get("/espace/annuaire/"))
    assert "Aime :" in directory and "Fatou D." in directory
    home = text(client.get("/espace/"))
    assert "Annonces de l'équipe" in home and "Plénière annuelle : réservez la date" in home
    lac = Announcement.objects.filter(organisation__slug="habitat-du-lac")
    assert lac.count() >= 3 and not lac.filter(sent_at=None).exists()
    rows = AnnouncementRecipient.objects.filter(announcement__in=lac)
    assert rows.filter(read_at__isnull=False).exists() and rows.filter(read_at=None).exists()
    assert {"email", "papier"} <= set(rows.values_list("channel", flat=True))


def test_the_demo_has_work_waiting_services_late_and_a_residence_poster_to_print(client):
    from remontees.models import HandOff, Remontee

    client.login(email="mediation@habitat-du-lac.test", password="demo1234")
    inbox = client.get("/a-traiter/").content.decode()
    for waiting in ("Remontées nouvelles", "Remontées en retard chez un service", "Remontées renvoyées par un service"):
        assert waiting in inbox, waiting
    outcomes = set(HandOff.objects.values_list("outcome", flat=True))
    assert outcomes >= {"en_attente", "fait", "hors_ressort"}
    assert Remontee.objects.filter(status="a_confirmer").exists()
    # The demo relais' residence has answers worth printing.
    client.logout()
    client.login(email="relais@habitat-du-lac.test", password="demo1234")
    relais_home = client.get("/espace/").content.decode()
    assert "Oui, c'est réglé" in relais_home
    residence = Relais.objects.get(user__email="relais@habitat-du-lac.test").residences.first()
    poster = client.get(f"/remontees/residence/{residence.pk}/affiche.pdf")
    assert poster.status_code == 200 and poster["Content-Type"] == "application/pdf"


def test_the_demo_publishes_habitat_du_lac_with_a_candidate_from_the_form(client):
    from core.models import Message
    from initiatives.models import Initiative
    from tests.helpers import text

    page = client.get("/p/habitat-du-lac/")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    shown = text(page)
    assert (
        "Où sont les relais ?" in shown and "Prochains rendez-vous" in shown and "Ce que les relais ont fait" in shown
    )
    assert "4 quai des Pêcheurs" in shown
    candidate = Relais.objects.get(last_name="Garnier", status=Relais.Status.CANDIDAT)
    assert Message.objects.filter(recipient_relais=candidate, kind="candidature", state="envoye").count() == 1
    client.login(email="mediation@habitat-du-lac.test", password="demo1234")
    assert "Inès Garnier" in text(client.get("/a-traiter/"))
    assert "5 personnes annoncées" in text(client.get("/page-publique/"))
    assert client.get("/p/centre-social-tilleuls/").status_code == 404  # not published
    # Jo asked to be reminded of the next event: pending until 10:00 (Paris) the day before.
    reminder = Message.objects.get(kind="rappel_voisin")
    event = Initiative.objects.get(neighbour_attendances__remind_to=reminder.address)
    assert reminder.state == "en_attente" and reminder.address == "jo.du.3e@example.test"
    eve = timezone.localtime(reminder.scheduled_for)
    assert (eve.date(), eve.hour, eve.minute) == (event.starts_on - datetime.timedelta(days=1), 10, 0)


def test_the_demo_network_publishes_its_page_with_its_published_members_only(client):
    from tests.helpers import text

    page = client.get("/p/reseau-regional/")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    shown = text(page)
    assert "Les membres du réseau" in shown and "Habitat du Lac" in shown and "relais sont actifs" in shown
    assert "Rhône Habitat" not in shown and "Centre social des Tilleuls" not in shown  # their pages are not published
    assert "Prochains rendez-vous" in shown
    lac_names = Relais.objects.filter(organisation__slug="habitat-du-lac").values_list("last_name", flat=True)
    assert not [name for name in lac_names if name in shown]


def test_the_demo_has_last_year_and_this_year_barometers_one_open_now(client):
    from enquetes.models import Questionnaire, Response

    today = timezone.localdate()
    barometers = Questionnaire.objects.filter(organisation__slug="habitat-du-lac", template="barometre")
    last, this = barometers.get(year=today.year - 1), barometers.get(closes_on__gte=today)
    assert this.is_open() and not last.is_open()
    for questionnaire in (last, this):
        responses = Response.objects.filter(questionnaire=questionnaire)
        assert responses.values("residence").distinct().count() >= 5
        assert not responses.filter(submitted_on__lt=questionnaire.opens_on).exists()
        assert not responses.filter(submitted_on__gt=min(questionnaire.closes_on, today)).exists()
    client.login(email="mediation@habitat-du-lac.test", password="demo1234")
    page = client.get(f"/enquetes/{this.pk}/resultats/").content.decode()
    assert "Moyenne" in page and "an dernier" in page


def test_the_demo_shows_relais_at_every_stage_of_their_way_in(client):
    from core import integrity
    from parcours.models import CharterSignature, CharterVersion, Milestone
    from parcours.selectors import path_done_on

    lac = Organisation.objects.get(slug="habitat-du-lac")
    # A charter in two versions; some relais signed the first only.
    assert list(CharterVersion.objects.filter(organisation=lac).values_list("number", flat=True)) == [2, 1]
    old_only = Relais.objects.filter(organisation=lac, charter_signatures__version__number=1).exclude(
        charter_signatures__version__number=2
    )
    assert old_only.exists() and CharterSignature.objects.filter(version__number=2, version__organisation=lac)
    # Trained (the path completed), thanked, and a thank-you waiting for the team.
    assert path_done_on(lac.pk)
    assert Milestone.objects.filter(organisation=lac, state="envoye", message__isnull=False).exists()
    assert Milestone.objects.filter(organisation=lac, state="prepare").exists()
    assert integrity.run(lac) == []
    # The relais who logs in is asked to sign the new version on her home.
    client.login(email="relais@habitat-du-lac.test", password="demo1234")
    page = client.get("/espace/").content.decode()
    assert "Pour bien démarrer" in page and "Signer la charte du relais" in page
    # A new relais with half the checklist done, on staff's board.
    client.login(email="mediation@habitat-du-lac.test", password="demo1234")
    board = client.get("/parcours/").content.decode()
    assert "Ferreira" in board and "3 sur 5" in board
    assert "Remerciements" in client.get("/parcours/remerciements/").content.decode()


def test_the_demo_network_follows_projects_and_a_call_for_projects(client):
    from reseau.models import Application, Project, Score
    from reunions.models import Reunion

    network = Organisation.objects.get(slug="reseau-regional")
    projects = Project.objects.filter(organisation=network)
    assert projects.count() == 5
    assert len(set(projects.values_list("stage", flat=True))) >= 4
    assert projects.filter(funds__isnull=False).distinct().count() >= 3
    assert not projects.filter(accompagnateur__isnull=True).exists()
    assert len(set(projects.values_list("member", flat=True))) == 3
    # The next committee's agenda: the projects moved since last month's, by accompagnateur.
    comite = Reunion.objects.filter(organisation=network, kind="comite", status="prevue").get()
    points = [t for t in comite.agenda_items.values_list("title", flat=True) if t.startswith("Point des")]
    assert len(points) == 3, points

    applications = Application.objects.filter(call__title="Coups de pouce 2027")
    assert applications.count() == 3
    scored = [a for a in applications if Score.objects.filter(application=a).values("scorer").distinct().count() == 3]
    assert len(scored) == 2
    assert list(applications.filter(status="accordee").values_list("granted_amount", flat=True)) == [1500]

    client.force_login(User.objects.get(email="coordination@reseau-regional.test"))
    call = applications.first().call
    page = client.get(f"/reseau/appels/{call.pk}/").content.decode()
    assert "1\xa0500\xa0€</strong> accordés sur 6\xa0000\xa0€" in page
    assert client.get("/reseau/projets/").status_code == 200
