"""The relais' space: the home page and what changed since the last visit, the
quick actions (activity, initiatives, remontées sent twice), the guide, the
installable app's files, and the session length by role."""

import datetime
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from espace.models import Activity, Guide
from initiatives import services as initiatives_services
from initiatives.models import Initiative, InitiativeKind, LogisticsRequest
from relais.models import Relais
from remontees import services as remontees_services
from remontees.models import Remontee, Theme
from reunions import services as reunions_services
from reunions.models import Invitee
from tests.factories import EquipmentFactory, GuideFactory, MembershipFactory, RelaisFactory, UserFactory
from tests.helpers import plan_reunion, text

pytestmark = pytest.mark.django_db


def meeting(world, days=10, title="Réunion thématique : propreté"):
    start = timezone.now() + datetime.timedelta(days=days)
    reunion = plan_reunion(world, start, title=title, residence=world.residence_a1)
    reunions_services.invitations_send(reunion=reunion, by=world.staff_a, relais=[world.relais_a])
    return reunion


def raise_remontee(world, description="Ascenseur en panne depuis lundi"):
    return remontees_services.remontee_create(
        organisation=world.org_a,
        by=world.relais_user_a,
        residence=world.residence_a1,
        relais=world.relais_a,
        theme=Theme.objects.filter(organisation=world.org_a).first(),
        description=description,
        source="espace",
    )


def test_the_home_shows_meetings_remontees_initiatives_and_contacts(world, login):
    reunion = meeting(world)
    raise_remontee(world)
    GuideFactory(organisation=world.org_a)
    initiatives_services.initiative_save(
        organisation=world.org_a,
        by=None,
        kind=InitiativeKind.objects.filter(organisation=world.org_a).first(),
        title="Repas partagé du bâtiment B",
        starts_on=timezone.localdate() + datetime.timedelta(days=20),
        residences=[world.residence_a1],
        organisers=[world.relais_a],
        status="prevue",
    )
    relais = login(world.relais_user_a)
    page = text(relais.get("/espace/"))
    assert reunion.title in page and "Serez-vous là ?" in page
    assert "Ascenseur en panne" not in page  # the theme and residence are listed, not the text
    assert "Nouvelle" in page and "Repas partagé du bâtiment B" in page
    assert "Accueil — Habitat A : 04 72 00 00 00" in page
    assert 'href="tel:0800000000"' in relais.get("/espace/").content.decode()
    # One tap answers, and the relais comes back to the home page.
    invitee = Invitee.objects.get(reunion=reunion, relais=world.relais_a)
    response = relais.post("/reunions/mes-reunions/", {"invitee": invitee.pk, "answer": "present", "next": "espace"})
    assert response["Location"] == "/espace/"
    invitee.refresh_from_db()
    assert invitee.answer == "present"
    assert "Votre réponse : présent·e" in text(relais.get("/espace/"))


def test_the_home_says_what_changed_since_the_last_visit(world, login):
    remontee = raise_remontee(world)
    relais = login(world.relais_user_a)

    def later_visit():
        # Two hours later: a new browsing session on the phone.
        session = relais.session
        session.pop("espace_news", None)
        session.save()
        return relais.get("/espace/")

    first = text(relais.get("/espace/"))
    assert "Depuis votre dernière visite" not in first
    assert "Rien de nouveau depuis votre dernière visite" in text(later_visit())
    remontees_services.remontee_set_status(
        remontee=remontee, status="prise_en_compte", by=world.staff_a, comment="Le technicien passe jeudi."
    )
    meeting(world, title="Plénière d'automne")
    page = later_visit()
    assert "Depuis votre dernière visite" in text(page)
    assert "L'équipe a répondu sur une de vos remontées" in text(page)
    assert f'href="/remontees/{remontee.pk}/"' in page.content.decode()
    assert "Vous êtes invité·e à une réunion" in text(page)
    # A reload, or coming back after answering, keeps them and writes nothing;
    # a later visit starts afresh.
    with CaptureQueriesContext(connection) as reload:
        assert "L'équipe a répondu sur une de vos remontées" in text(relais.get("/espace/"))
    assert not [q for q in reload.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    assert "Depuis votre dernière visite" not in text(later_visit())
    # Something new seen on a reload is not news again in the next session.
    relais.get("/espace/")
    meeting(world, title="Fête des voisins")
    assert "Vous êtes invité·e à une réunion" in text(relais.get("/espace/"))
    assert "Depuis votre dernière visite" not in text(later_visit())


def test_an_answer_given_during_the_first_visit_is_news_on_the_next_reload(world, login):
    """The demo's relais had never opened their home: the session's window kept
    « no visit before » and hid every answer until they logged in again."""
    Relais.objects.filter(pk=world.relais_a.pk).update(home_seen_at=None)
    remontee = raise_remontee(world)
    relais = login(world.relais_user_a)
    first = text(relais.get("/espace/"))
    assert "Depuis votre dernière visite" not in first and "Rien de nouveau" not in first
    remontees_services.remontee_set_status(
        remontee=remontee, status="prise_en_compte", by=world.staff_a, comment="Le technicien passe jeudi."
    )
    page = text(relais.get("/espace/"))  # 15 s later, the same browsing session
    assert "Depuis votre dernière visite" in page and "L'équipe a répondu sur une de vos remontées" in page


def test_the_home_takes_at_most_11_queries_whatever_the_rows(world, login):
    relais = login(world.relais_user_a)
    relais.get("/espace/")
    # Each measured visit has news since the one before (and marks them seen).
    for n in range(3):
        meeting(world, days=5 + n, title=f"Réunion {n}")
        raise_remontee(world, description=f"Problème {n}")
    with CaptureQueriesContext(connection) as few:
        assert relais.get("/espace/").status_code == 200
    for n in range(3, 30):
        meeting(world, days=5 + n, title=f"Réunion {n}")
        raise_remontee(world, description=f"Problème {n}")
    with CaptureQueriesContext(connection) as many:
        assert relais.get("/espace/").status_code == 200
    # Ten reads (session, user, membership, relais, residences, meetings,
    # remontées, initiatives, announcements, news) and the « seen » mark.
    assert len(many) == len(few) <= 11, "\n".join(q["sql"][:150] for q in many.captured_queries)


def test_a_relais_logs_activity_in_a_few_taps_and_bad_input_writes_nothing(world, login):
    relais = login(world.relais_user_a)
    key = uuid.uuid4()
    form = {"kind": "porte_a_porte", "date": timezone.localdate().isoformat(), "households": "14", "theme": "accueil"}
    response = relais.post("/espace/activite/", {**form, "client_key": key})
    assert response["Location"] == "/espace/activite/"
    relais.post("/espace/activite/", {**form, "client_key": key})  # the phone sent it twice
    (activity,) = Activity.objects.all()
    assert (activity.relais, activity.households, activity.kind) == (world.relais_a, 14, "porte_a_porte")
    page = text(relais.get("/espace/activite/"))
    assert "14 foyers rencontrés" in page and "---------" not in page
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    for bad, message in [
        ({"date": tomorrow}, "la date ne peut pas être dans le futur"),
        ({"households": "600"}, "Au plus 500 foyers pour une même activité."),
        ({"households": "-3"}, "Le nombre de foyers ne peut pas être négatif."),
        ({"kind": "espionnage"}, "Sélectionnez un choix valide"),
    ]:
        response = relais.post("/espace/activite/", {**form, **bad, "client_key": uuid.uuid4()})
        assert response.status_code == 200 and message in text(response), bad
    assert Activity.objects.count() == 1
    # Staff see the figures; the activity of organisation A stays in A.
    staff_page = text(login(world.staff_a).get("/espace/activite/equipe/"))
    assert "Porte-à-porte 1 14" in staff_page
    assert "Porte-à-porte" not in text(login(world.staff_b).get("/espace/activite/equipe/"))


def test_a_remontee_sent_twice_from_the_phone_is_recorded_once(world, login):
    relais = login(world.relais_user_a)
    key = str(uuid.uuid4())
    form = {
        "residence": world.residence_a1.pk,
        "theme": Theme.objects.filter(organisation=world.org_a).first().pk,
        "description": "Porte du hall bloquée",
        "client_key": key,
    }
    first = relais.post("/remontees/signaler/", form)
    second = relais.post("/remontees/signaler/", form)
    (remontee,) = Remontee.objects.all()
    assert first["Location"] == second["Location"] == f"/remontees/{remontee.pk}/"
    assert str(remontee.client_key) == key and remontee.events.count() == 1
    # Another relais sending the same key (a copied page) makes their own remontée, and sees nothing of the first.
    other_user = UserFactory(email="autre@a.test")
    MembershipFactory(user=other_user, organisation=world.org_a, role="relais")
    RelaisFactory(organisation=world.org_a, user=other_user, residences=[world.residence_a1])
    response = login(other_user).post("/remontees/signaler/", {**form, "description": "Autre chose"})
    assert Remontee.objects.count() == 2 and response["Location"] != first["Location"]
    assert Remontee.objects.get(description="Autre chose").created_by == other_user


def test_a_relais_proposes_reports_and_asks_for_logistics_for_their_own_initiative(world, login):
    relais = login(world.relais_user_a)
    kind = InitiativeKind.objects.get(organisation=world.org_a, name="Repas partagé")
    day = timezone.localdate() + datetime.timedelta(days=15)
    response = relais.post(
        "/initiatives/proposer/",
        {
            "kind": kind.pk,
            "title": "Repas du bâtiment B",
            "starts_on": day.isoformat(),
            "residence": world.residence_a1.pk,
        },
    )
    initiative = Initiative.objects.get()
    assert response["Location"] == f"/initiatives/{initiative.pk}/"
    assert initiative.status == "idee" and list(initiative.organisers.all()) == [world.relais_a]
    tables = EquipmentFactory(organisation=world.org_a, name="Tables", quantity=10)
    response = relais.post(
        f"/initiatives/{initiative.pk}/logistique/",
        {"starts_on": day.isoformat(), "ends_on": day.isoformat(), f"qty_{tables.pk}": "4"},
    )
    assert response.status_code == 302 and LogisticsRequest.objects.get().status == "demandee"
    report = {"participants": "32", "children": "10", "adults": "18", "seniors": "4", "went_well": "Beaucoup de monde"}
    # An idea not yet confirmed, or a day still to come, cannot be reported « réalisée ».
    response = relais.post(f"/initiatives/{initiative.pk}/apres/", report)
    assert "L'équipe de médiation doit d'abord confirmer" in text(relais.get(response["Location"]))
    Initiative.objects.filter(pk=initiative.pk).update(status="prevue")
    response = relais.post(f"/initiatives/{initiative.pk}/apres/", report)
    assert "Vous pourrez raconter l'initiative une fois qu'elle aura eu lieu" in text(relais.get(response["Location"]))
    initiative.refresh_from_db()
    assert initiative.participants is None
    Initiative.objects.filter(pk=initiative.pk).update(starts_on=timezone.localdate())
    response = relais.post(f"/initiatives/{initiative.pk}/apres/", report)
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.status, initiative.participants) == ("realisee", 32)
    # Once reported, the figures are corrected by staff only.
    relais.post(f"/initiatives/{initiative.pk}/apres/", {**report, "participants": "3200"})
    initiative.refresh_from_db()
    assert initiative.participants == 32
    # A grant request, for their own initiative only.
    grant = {"objectives": "Un repas", "expected_participants": "40", "amount_requested": "150"}
    assert login(world.partner_a).post(f"/initiatives/{initiative.pk}/apres/", report).status_code == 403
    # Not theirs: an initiative of another relais is not found, and nothing changes.
    other = initiatives_services.initiative_save(
        organisation=world.org_a,
        by=None,
        kind=kind,
        title="Fête d'un autre relais",
        starts_on=day,
        residences=[world.residence_a2],
        organisers=[world.relais_a2],
    )
    assert relais.post(f"/initiatives/{other.pk}/apres/", {"participants": "5"}).status_code == 404
    assert relais.post(f"/initiatives/{other.pk}/logistique/", {"starts_on": day.isoformat()}).status_code == 404
    assert relais.post(f"/initiatives/{other.pk}/subvention/", grant).status_code == 404
    assert not other.grants.exists() and not other.logistics.exists()
    other.refresh_from_db()
    assert other.participants is None
    # A relais cannot change what only staff decide.
    assert relais.get(f"/initiatives/{initiative.pk}/modifier/").status_code == 403
    # A past date is for the report, not for an idea.
    response = relais.post(
        "/initiatives/proposer/",
        {"kind": kind.pk, "title": "Hier", "starts_on": "2020-01-01", "residence": world.residence_a1.pk},
    )
    assert "Choisissez une date à venir" in text(response) and Initiative.objects.count() == 2


def test_staff_write_the_guide_relais_read_and_print_it(world, login):
    relais = login(world.relais_user_a)
    assert "Le guide n'est pas encore rédigé. L'équipe de médiation le prépare." in text(relais.get("/espace/guide/"))
    response = login(world.staff_a).post(
        "/espace/guide/modifier/",
        {
            "missions": "Faire le lien entre les voisins et le bailleur.",
            "charter": "Discrétion sur ce que disent les voisins.",
            "contacts": "Ascenseur en panne : 04 00 00 00 00 (24 h/24)",
            "reception_phone": "04 72 00 00 00",
            "emergency_phone": "",
        },
    )
    assert response["Location"] == "/espace/guide/"
    page = text(relais.get("/espace/guide/"))
    assert "Vos missions Faire le lien entre les voisins et le bailleur." in page
    assert "Ascenseur en panne : 04 00 00 00 00 (24 h/24)" in page and "Imprimer" in page
    assert "Faire le lien" in text(login(world.partner_a).get("/espace/guide/"))
    assert "Faire le lien" not in text(login(world.staff_b).get("/espace/guide/"))
    assert relais.post("/espace/guide/modifier/", {"missions": "Rien"}).status_code == 403
    assert Guide.objects.get().updated_by == world.staff_a


def test_the_installable_app_files(client):
    sw = client.get("/sw.js")
    assert sw["Content-Type"].startswith("application/javascript") and sw["Service-Worker-Allowed"] == "/"
    body = sw.content.decode()
    assert "/static/css/app.css" in body and '"/espace/"' in body and "caches.open" in body
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["lang"] == "fr" and manifest["start_url"] == "/espace/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_a_relais_stays_logged_in_for_months_and_staff_for_a_working_day(world, client, settings):
    world.relais_user_a.set_password("demo1234")
    world.relais_user_a.save()
    client.post("/comptes/login/", {"login": "relais@a.test", "password": "demo1234"})
    assert 179 * 86400 < client.session.get_expiry_age() <= 180 * 86400
    client.logout()
    world.staff_a.set_password("demo1234")
    world.staff_a.save()
    client.post("/comptes/login/", {"login": "staff@a.test", "password": "demo1234"})
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_HOURS * 3600
    client.logout()
    # A relais who is also staff elsewhere gets the short session (the session may switch organisation).
    MembershipFactory(user=world.relais_user_a, organisation=world.org_b, role="staff")
    client.post("/comptes/login/", {"login": "relais@a.test", "password": "demo1234"})
    assert client.session.get_expiry_age() == settings.STAFF_SESSION_HOURS * 3600


def test_relais_without_a_residence_get_a_clear_home(world, login):
    Relais.objects.filter(pk=world.relais_a.pk).update(home_seen_at=None)
    world.relais_a.relais_links.all().delete()
    page = text(login(world.relais_user_a).get("/espace/"))
    assert "Aucune résidence ne vous est encore rattachée" in page


def test_the_phone_outbox_tells_saved_refused_and_logged_out_apart(world, login, client):
    form = {
        "residence": world.residence_a1.pk,
        "theme": Theme.objects.filter(organisation=world.org_a).first().pk,
        "description": "Tags dans l'escalier",
        "client_key": str(uuid.uuid4()),
    }
    relais = login(world.relais_user_a)
    saved = relais.post("/remontees/signaler/", form, HTTP_X_OUTBOX="1")
    remontee = Remontee.objects.get()
    assert saved.status_code == 204 and saved["X-Outbox-Saved"] == "1"
    assert saved["X-Outbox-Location"] == f"/remontees/{remontee.pk}/"
    refused = relais.post(
        "/remontees/signaler/", {**form, "description": "", "client_key": str(uuid.uuid4())}, HTTP_X_OUTBOX="1"
    )
    assert refused.status_code == 200 and "X-Outbox-Saved" not in refused
    # The session ended on the phone: not « sent », but waiting for the next login.
    assert client.post("/remontees/signaler/", form, HTTP_X_OUTBOX="1").status_code == 401
    assert Remontee.objects.count() == 1
    # Leaving a shared phone clears its caches and the forms kept on it.
    assert relais.post("/comptes/logout/")["Clear-Site-Data"] == '"cache", "storage"'


def test_ids_above_a_thousand_are_not_written_with_a_thousands_separator(world, login):
    """French number formatting must never reach a form's hidden id (« 1 234 » is no id)."""
    reunion = meeting(world)
    Invitee.objects.filter(reunion=reunion, relais=world.relais_a).update(id=12345)
    relais = login(world.relais_user_a)
    assert 'name="invitee" value="12345"' in relais.get("/espace/").content.decode()
    assert 'name="invitee" value="12345"' in relais.get("/reunions/mes-reunions/").content.decode()
    relais.post("/reunions/mes-reunions/", {"invitee": "12345", "answer": "absent"})
    assert Invitee.objects.get(pk=12345).answer == "absent"
