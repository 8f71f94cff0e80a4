"""Staff flows through the pages: what a mediator types, and what they then see."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from core.models import Membership
from engagement.selectors import at_risk
from relais import services
from relais.models import ContactLog, Relais, RelaisResidence, RelaisStatusChange, Residence
from tests.factories import (
    ContactLogFactory,
    MembershipFactory,
    OrganisationFactory,
    RelaisFactory,
    RemonteeFactory,
    ResidenceFactory,
    UserFactory,
)
from tests.helpers import text, visible

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def rows(response) -> str:
    """Only the tables' bodies, so that filter <select> options do not count as rows."""
    return " ".join(visible(body) for body in re.findall(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S))


# Résidences


def residence_data(**overrides):
    data = {
        "name": "Les Glycines",
        "reference": "GLY-01",
        "quartier": "",
        "address": "3 rue des Glycines",
        "postal_code": "69008",
        "city": "Lyon",
        "dwellings": "64",
        "latitude": "45.7352",
        "longitude": "4.8691",
    }
    data.update(overrides)
    return data


def test_staff_creates_a_residence(world, login):
    client = login(world.staff_a)
    response = client.post("/residences/nouvelle/", residence_data(quartier=world.q1.pk, has_common_room="on"))
    residence = Residence.objects.get(name="Les Glycines")
    assert response.status_code == 302
    assert response["Location"] == f"/residences/{residence.pk}/"
    assert residence.organisation == world.org_a
    assert residence.quartier == world.q1
    assert residence.dwellings == 64
    assert residence.has_common_room
    assert str(residence.latitude) == "45.735200"
    page = text(client.get(response["Location"]))
    assert "La résidence « Les Glycines » est enregistrée." in page
    assert "3 rue des Glycines 69008 Lyon" in page


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": ""}, "Ce champ est obligatoire."),
        ({"dwellings": "-3"}, "Assurez-vous que cette valeur est supérieure ou égale à 0."),
        ({"reference": "TAKEN"}, "Une autre résidence a déjà cette référence."),
        ({"reference": " TAKEN "}, "Une autre résidence a déjà cette référence."),
        ({"latitude": "200"}, "La latitude est comprise entre -90 et 90."),
        ({"longitude": "-181"}, "La longitude est comprise entre -180 et 180."),
        ({"dwellings": "beaucoup"}, "Saisissez un nombre entier."),
    ],
)
def test_an_invalid_residence_is_refused_in_french(world, login, overrides, message):
    world.residence_a1.reference = "TAKEN"
    world.residence_a1.save()
    before = Residence.objects.count()
    response = login(world.staff_a).post("/residences/nouvelle/", residence_data(**overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert Residence.objects.count() == before


def test_a_reference_used_by_another_organisation_is_allowed(world, login):
    world.residence_b.reference = "COMMUN-1"
    world.residence_b.save()
    response = login(world.staff_a).post("/residences/nouvelle/", residence_data(reference="COMMUN-1"))
    assert response.status_code == 302
    assert Residence.objects.filter(reference="COMMUN-1").count() == 2
    assert Residence.objects.get(organisation=world.org_a, reference="COMMUN-1").name == "Les Glycines"


def test_editing_a_residence_keeps_its_own_reference(world, login):
    residence = world.residence_a1
    response = login(world.staff_a).post(
        f"/residences/{residence.pk}/modifier/",
        residence_data(name="Les Tilleuls rénovés", reference=residence.reference, quartier=world.q1.pk),
    )
    assert response.status_code == 302
    residence.refresh_from_db()
    assert residence.name == "Les Tilleuls rénovés"
    assert residence.organisation == world.org_a


def test_staff_cannot_file_a_residence_under_a_quartier_of_another_organisation(world, login):
    response = login(world.staff_a).post("/residences/nouvelle/", residence_data(quartier=world.qb.pk))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide." in text(response)
    assert not Residence.objects.filter(name="Les Glycines").exists()


def test_agency_staff_must_file_a_residence_in_one_of_its_quartiers(world, login):
    """Otherwise the residence it just created would vanish from its own lists."""
    client = login(world.agency_a)
    response = client.post("/residences/nouvelle/", residence_data(quartier=""))
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in text(response)
    assert not Residence.objects.filter(name="Les Glycines").exists()

    response = client.post("/residences/nouvelle/", residence_data(quartier=world.q1.pk))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


# Relais: creation and edition


def relais_data(*links, initial=(), **overrides):
    """A relais form with its residences formset, as the browser posts it.

    `initial` are existing links (link, residence, building, delete), `links`
    new (residence, building) pairs.
    """
    data = {
        "first_name": "Awa",
        "last_name": "Koné",
        "phone": "06 12 34 56 78",
        "email": "awa.kone@example.test",
        "preferred_channel": "email",
        "consents": ["annuaire", "email"],
        "consent_date": days_ago(3).isoformat(),
        "status": "candidat",
        "status_date": days_ago(2).isoformat(),
    }
    # Like the browser: the existing links, the new ones, and one empty extra form.
    forms = list(initial) + [(None, residence, building, False) for residence, building in links]
    forms.append((None, "", "", False))
    data.update(
        {
            "residences-TOTAL_FORMS": str(len(forms)),
            "residences-INITIAL_FORMS": str(len(initial)),
            "residences-MIN_NUM_FORMS": "0",
            "residences-MAX_NUM_FORMS": "1000",
        }
    )
    for i, (link, residence, building, delete) in enumerate(forms):
        data[f"residences-{i}-id"] = link.pk if link else ""
        data[f"residences-{i}-residence"] = residence.pk if hasattr(residence, "pk") else residence
        data[f"residences-{i}-building"] = building
        if delete:
            data[f"residences-{i}-DELETE"] = "on"
    data.update(overrides)
    return data


def test_staff_creates_a_relais_with_a_residence_and_building(world, login):
    client = login(world.staff_a)
    response = client.post("/relais/nouveau/", relais_data((world.residence_a1, "Bât. B")))
    relais = Relais.objects.get(last_name="Koné")
    assert response.status_code == 302
    assert response["Location"] == f"/relais/{relais.pk}/"
    assert relais.organisation == world.org_a
    assert relais.status == Relais.Status.CANDIDAT
    assert relais.status_since == days_ago(2)
    assert relais.started_on is None
    assert sorted(relais.consents.values_list("scope", "given_on", "recorded_by")) == [
        ("annuaire", days_ago(3), world.staff_a.pk),
        ("email", days_ago(3), world.staff_a.pk),
    ]
    assert [(link.residence, link.building) for link in relais.relais_links.all()] == [(world.residence_a1, "Bât. B")]
    history = list(relais.status_changes.all())
    assert len(history) == 1
    assert (history[0].from_status, history[0].to_status, history[0].date) == ("", "candidat", days_ago(2))
    assert history[0].changed_by == world.staff_a
    page = text(client.get(response["Location"]))
    assert "Awa Koné est enregistré·e." in page
    assert "Inscrit·e comme candidat·e" in page
    assert "(Bât. B)" in page


def test_a_relais_created_active_starts_its_seniority(world, login):
    response = login(world.staff_a).post("/relais/nouveau/", relais_data((world.residence_a1, ""), status="actif"))
    assert response.status_code == 302
    relais = Relais.objects.get(last_name="Koné")
    assert relais.status == Relais.Status.ACTIF
    assert relais.started_on == days_ago(2)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"email": ""}, "Une adresse e-mail est nécessaire pour le canal « E-mail »."),
        (
            {"preferred_channel": "sms", "phone": ""},
            "Un numéro de téléphone est nécessaire pour le canal « SMS ».",
        ),
        ({"last_name": ""}, "Ce champ est obligatoire."),
        ({"email": "pas-une-adresse"}, "Saisissez une adresse de courriel valide."),
        (
            {"status_date": (TODAY + datetime.timedelta(days=1)).isoformat()},
            "La date ne peut pas être dans le futur.",
        ),
        (
            {"consent_date": (TODAY + datetime.timedelta(days=1)).isoformat()},
            "La date du consentement ne peut pas être dans le futur.",
        ),
        (
            {"preferred_channel": "sms"},
            "Le canal « SMS » demande l'accord de la personne pour être contactée ainsi ; "
            "sinon choisissez le canal « Papier ».",
        ),
        ({"consent_date": ""}, "Indiquez la date à laquelle la personne a donné son accord."),
        ({"status": "pause"}, "Sélectionnez un choix valide. pause n’en fait pas partie."),
    ],
)
def test_an_invalid_relais_is_refused_in_french(world, login, overrides, message):
    before = (Relais.objects.count(), RelaisResidence.objects.count(), RelaisStatusChange.objects.count())
    response = login(world.staff_a).post("/relais/nouveau/", relais_data((world.residence_a1, ""), **overrides))
    assert response.status_code == 200
    assert message in text(response)
    assert (
        Relais.objects.count(),
        RelaisResidence.objects.count(),
        RelaisStatusChange.objects.count(),
    ) == before


def test_a_residence_of_another_organisation_cannot_be_posted_in_the_formset(world, login):
    before = (Relais.objects.count(), RelaisResidence.objects.count())
    response = login(world.staff_a).post("/relais/nouveau/", relais_data((world.residence_b, "A")))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles." in text(response)
    assert (Relais.objects.count(), RelaisResidence.objects.count()) == before
    assert "Résidence B" not in text(response)


def test_the_same_residence_twice_is_refused(world, login):
    before = Relais.objects.count()
    response = login(world.staff_a).post(
        "/relais/nouveau/", relais_data((world.residence_a1, "A"), (world.residence_a1, "B"))
    )
    assert response.status_code == 200
    assert "Corrigez les données en double dans residence." in text(response)
    assert Relais.objects.count() == before


def test_agency_staff_must_link_a_new_relais_to_one_of_its_residences(world, login):
    """A relais without a residence in the agency's quartiers would vanish from its lists."""
    client = login(world.agency_a)
    response = client.post("/relais/nouveau/", relais_data())
    assert response.status_code == 200
    assert "Choisissez au moins une résidence de vos quartiers." in text(response)
    assert not Relais.objects.filter(last_name="Koné").exists()

    response = client.post("/relais/nouveau/", relais_data((world.residence_a1, "")))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


def test_agency_staff_cannot_remove_the_last_residence_of_a_relais(world, login):
    relais = world.relais_a
    link = relais.relais_links.get()
    data = relais_data(initial=[(link, world.residence_a1, "", True)], last_name=relais.last_name, email=relais.email)
    response = login(world.agency_a).post(f"/relais/{relais.pk}/modifier/", data)
    assert response.status_code == 200
    assert "Choisissez au moins une résidence de vos quartiers." in text(response)
    assert list(relais.relais_links.all()) == [link]


def test_staff_edits_a_relais_and_moves_it_to_another_residence(world, login):
    relais = world.relais_a2
    link = relais.relais_links.get()
    data = relais_data(
        (world.residence_a1, "Esc. 3"),
        initial=[(link, world.residence_a2, "", True)],
        first_name="Karim",
        last_name="Moreau",
        phone="07 00 00 00 01",
        email="karim@example.test",
        preferred_channel="sms",
        consents=["annuaire", "sms"],
    )
    response = login(world.staff_a).post(f"/relais/{relais.pk}/modifier/", data)
    assert response.status_code == 302
    # Unticked consents are withdrawn today, the others keep their date.
    withdrawn = relais.consents.exclude(withdrawn_on=None)
    assert sorted(withdrawn.values_list("scope", "withdrawn_on")) == [("email", TODAY), ("photos", TODAY)]
    assert set(relais.consents.filter(withdrawn_on=None).values_list("given_on", flat=True)) == {relais.status_since}
    relais.refresh_from_db()
    assert (relais.first_name, relais.phone, relais.preferred_channel) == ("Karim", "07 00 00 00 01", "sms")
    assert [(lk.residence, lk.building) for lk in relais.relais_links.all()] == [(world.residence_a1, "Esc. 3")]
    assert relais.status == Relais.Status.ACTIF  # the form does not touch the status


def test_editing_a_relais_can_change_a_building_only(world, login):
    relais = world.relais_a2
    link = relais.relais_links.get()
    data = relais_data(initial=[(link, world.residence_a2, "Bât. C", False)], last_name="Moreau")
    response = login(world.staff_a).post(f"/relais/{relais.pk}/modifier/", data)
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.building == "Bât. C"


# Relais: status


def status_post(client, relais, **data):
    payload = {"to_status": "", "date": TODAY.isoformat(), "exit_reason": "", "note": ""}
    payload.update(data)
    return client.post(f"/relais/{relais.pk}/statut/", payload)


def test_recruiting_a_candidate_sets_the_start_and_adds_a_history_row(world, login):
    candidate = RelaisFactory(
        organisation=world.org_a,
        status=Relais.Status.CANDIDAT,
        status_since=days_ago(30),
        residences=[world.residence_a1],
    )
    client = login(world.staff_a)
    response = status_post(client, candidate, to_status="actif", date=days_ago(2).isoformat(), note="Réunion d'accueil")
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == Relais.Status.ACTIF
    assert candidate.started_on == days_ago(2)
    assert candidate.status_since == days_ago(2)
    change = candidate.status_changes.get()
    assert (change.from_status, change.to_status, change.date) == ("candidat", "actif", days_ago(2))
    assert change.note == "Réunion d'accueil"
    assert change.changed_by == world.staff_a
    page = text(client.get(f"/relais/{candidate.pk}/"))
    assert "Le statut est mis à jour." in page
    assert "Candidat·e → Actif·ve" in page


def test_an_exit_needs_a_reason(world, login):
    relais = world.relais_a
    response = status_post(login(world.staff_a), relais, to_status="sorti")
    assert response.status_code == 200
    assert "Indiquez le motif de sortie." in text(response)
    relais.refresh_from_db()
    assert relais.status == Relais.Status.ACTIF
    assert relais.left_on is None
    assert not relais.status_changes.exists()


def test_an_exit_with_a_reason_records_the_date_and_reason(world, login):
    relais = world.relais_a
    client = login(world.staff_a)
    response = status_post(client, relais, to_status="sorti", exit_reason="demenagement", date=days_ago(1).isoformat())
    assert response.status_code == 302
    relais.refresh_from_db()
    assert relais.status == Relais.Status.SORTI
    assert relais.left_on == days_ago(1)
    assert relais.exit_reason == "demenagement"
    page = text(client.get(f"/relais/{relais.pk}/"))
    assert "Actif·ve → Sorti·e (Déménagement)" in page
    assert "Déménagement" in page


def test_a_status_date_in_the_future_is_refused(world, login):
    relais = world.relais_a
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = status_post(login(world.staff_a), relais, to_status="pause", date=tomorrow)
    assert response.status_code == 200
    assert "La date ne peut pas être dans le futur." in text(response)
    relais.refresh_from_db()
    assert relais.status == Relais.Status.ACTIF
    assert relais.status_since == datetime.date(2025, 1, 15)


def test_a_status_date_before_the_last_change_is_refused(world, login):
    response = status_post(login(world.staff_a), world.relais_a, to_status="pause", date="2024-12-31")
    assert response.status_code == 200
    assert "La date ne peut pas précéder le dernier changement de statut (15/01/2025)." in text(response)
    world.relais_a.refresh_from_db()
    assert world.relais_a.status == Relais.Status.ACTIF


@pytest.mark.parametrize("to_status", ["pause", "candidat", "zzz", ""])
def test_an_impossible_transition_posted_by_hand_is_refused(world, login, to_status):
    candidate = RelaisFactory(organisation=world.org_a, status=Relais.Status.CANDIDAT, residences=[world.residence_a1])
    response = status_post(login(world.staff_a), candidate, to_status=to_status)
    assert response.status_code == 200
    page = text(response)
    assert "Sélectionnez un choix valide." in page or "Ce champ est obligatoire." in page
    candidate.refresh_from_db()
    assert candidate.status == Relais.Status.CANDIDAT
    assert not candidate.status_changes.exists()


def test_the_service_refuses_an_impossible_transition_in_french(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.relais_change_status(relais=world.relais_a, to_status="candidat", date=TODAY, by=None)
    assert error.value.messages == ["Un relais « Actif·ve » ne peut pas passer à « Candidat·e »."]


def test_pause_then_back_keeps_the_original_start(world, login):
    relais = world.relais_a
    client = login(world.staff_a)
    assert status_post(client, relais, to_status="pause", date=days_ago(10).isoformat()).status_code == 302
    assert status_post(client, relais, to_status="actif", date=days_ago(5).isoformat()).status_code == 302
    relais.refresh_from_db()
    assert relais.status == Relais.Status.ACTIF
    assert relais.started_on == datetime.date(2025, 1, 15)
    assert relais.status_changes.count() == 2


# Contacts


def test_staff_notes_an_exchange(world, login):
    relais = world.relais_a2
    client = login(world.staff_a)
    response = client.post(
        f"/relais/{relais.pk}/echanges/nouveau/",
        {"kind": "visite", "date": days_ago(1).isoformat(), "note": "Porte-à-porte bâtiment C"},
    )
    assert response.status_code == 302
    contact = ContactLog.objects.get(relais=relais)
    assert (contact.kind, contact.date, contact.note) == ("visite", days_ago(1), "Porte-à-porte bâtiment C")
    assert contact.organisation == world.org_a
    assert contact.author == world.staff_a
    page = text(client.get(f"/relais/{relais.pk}/"))
    assert "L'échange est noté." in page
    assert "Visite — Porte-à-porte bâtiment C" in page


def test_an_exchange_in_the_future_is_refused(world, login):
    relais = world.relais_a2
    response = login(world.staff_a).post(
        f"/relais/{relais.pk}/echanges/nouveau/",
        {"kind": "appel", "date": (TODAY + datetime.timedelta(days=1)).isoformat(), "note": ""},
    )
    assert response.status_code == 200
    assert "Un échange ne peut pas être daté dans le futur." in text(response)
    assert not ContactLog.objects.filter(relais=relais).exists()


# Filters


@pytest.fixture
def filtered(world):
    """Beyond the world: an uncovered residence, a candidate, a stale and a never-contacted relais."""
    ContactLog.objects.filter(relais=world.relais_a).update(date=days_ago(10))
    uncovered = ResidenceFactory(organisation=world.org_a, quartier=world.q1, name="Les Érables", dwellings=200)
    candidate = RelaisFactory(
        organisation=world.org_a, last_name="Candidate", status=Relais.Status.CANDIDAT, residences=[uncovered]
    )
    stale = RelaisFactory(organisation=world.org_a, last_name="Ancien", residences=[world.residence_a1])
    ContactLogFactory(relais=stale, date=days_ago(91))
    recent_enough = RelaisFactory(organisation=world.org_a, last_name="Limite", residences=[world.residence_a2])
    ContactLogFactory(relais=recent_enough, date=days_ago(90))
    return {"uncovered": uncovered, "candidate": candidate, "stale": stale, "recent_enough": recent_enough}


def residence_names(response) -> set[str]:
    body = rows(response)
    names = {"Les Tilleuls", "Le Belvédère", "Les Érables", "Résidence B"}
    return {name for name in names if name in body}


def test_residence_filters(world, login, filtered):
    client = login(world.staff_a)
    assert residence_names(client.get("/residences/")) == {"Les Tilleuls", "Le Belvédère", "Les Érables"}
    assert residence_names(client.get("/residences/?qpv=true")) == {"Les Tilleuls", "Les Érables"}
    assert residence_names(client.get("/residences/?qpv=false")) == {"Le Belvédère"}
    assert residence_names(client.get("/residences/?covered=false")) == {"Les Érables"}
    assert residence_names(client.get("/residences/?covered=true")) == {"Les Tilleuls", "Le Belvédère"}
    assert residence_names(client.get(f"/residences/?quartier={world.q2.pk}")) == {"Le Belvédère"}
    assert residence_names(client.get("/residences/?q=rables")) == {"Les Érables"}
    assert residence_names(client.get(f"/residences/?q={world.residence_a2.reference}")) == {"Le Belvédère"}
    # The count of active relais per residence.
    markup = client.get("/residences/?qpv=true").content.decode()
    tilleuls = visible(re.search(r"Les Tilleuls.*?</tr>", markup, re.S).group(0))
    assert tilleuls.endswith("Lyon 120 2")  # dwellings, then active relais: Diallo and Ancien
    assert "aucun" in rows(client.get("/residences/?covered=false"))


def relais_names(response) -> set[str]:
    body = rows(response)
    names = {"Diallo", "Moreau", "Candidate", "Ancien", "Limite", "Relais B"}
    return {name for name in names if name in body}


def test_relais_filters(world, login, filtered):
    client = login(world.staff_a)
    everyone = {"Diallo", "Moreau", "Candidate", "Ancien", "Limite"}
    assert relais_names(client.get("/relais/")) == everyone
    assert relais_names(client.get("/relais/?status=actif")) == everyone - {"Candidate"}
    assert relais_names(client.get("/relais/?status=candidat")) == {"Candidate"}
    # No exchange for more than 90 days, or never: the same rule as the dashboard.
    assert relais_names(client.get("/relais/?last_contact=plus90")) == {"Ancien", "Moreau", "Candidate"}
    assert relais_names(client.get("/relais/?last_contact=jamais")) == {"Moreau", "Candidate"}
    assert relais_names(client.get("/relais/?last_contact=30")) == {"Diallo"}
    assert relais_names(client.get("/relais/?last_contact=90")) == {"Diallo", "Limite"}
    assert relais_names(client.get("/relais/?status=actif&last_contact=plus90")) == {"Ancien", "Moreau"}
    assert relais_names(client.get(f"/relais/?residence={world.residence_a1.pk}")) == {"Diallo", "Ancien"}
    assert relais_names(client.get(f"/relais/?quartier={world.q1.pk}")) == {"Diallo", "Ancien", "Candidate"}
    assert relais_names(client.get(f"/relais/?quartier={world.q2.pk}")) == {"Moreau", "Limite"}
    assert relais_names(client.get("/relais/?q=anc")) == {"Ancien"}
    # The last exchange shows in French, "jamais" when there was none.
    page = rows(client.get("/relais/?last_contact=jamais"))
    assert "jamais" in page


def test_a_relais_linked_to_two_residences_of_a_quartier_shows_once(world, login, filtered):
    world.relais_a.residences.add(filtered["uncovered"])
    response = login(world.staff_a).get(f"/relais/?quartier={world.q1.pk}")
    assert rows(response).count("Diallo") == 1
    assert response.context["page"].paginator.count == 3


@pytest.mark.parametrize(
    "url",
    [
        "/relais/?status=zzz",
        "/relais/?quartier=abc",
        "/relais/?residence=abc",
        "/relais/?last_contact=zzz",
        "/relais/?page=999",
        "/relais/?page=abc",
        "/relais/?page=-1",
        "/residences/?quartier=abc",
        "/residences/?qpv=peut-etre",
        "/residences/?covered=zzz",
        "/residences/?page=999",
        "/residences/?page=abc",
        "/quartiers/?page=abc",
        "/residences/?quartier=999999",
    ],
)
def test_garbage_filter_values_do_not_break_the_page(world, login, url):
    response = login(world.admin_a).get(url)
    assert response.status_code == 200


def test_an_invalid_filter_is_explained_in_french(world, login):
    response = login(world.staff_a).get("/relais/?status=zzz")
    assert "Un filtre n'est pas valide" in text(response)
    assert "Sélectionnez un choix valide." in text(response)


def test_a_filter_on_another_organisations_quartier_shows_nothing_of_it(world, login):
    response = login(world.staff_a).get(f"/relais/?quartier={world.qb.pk}")
    assert response.status_code == 200
    assert "Relais B" not in rows(response)


# Relais detail: the timeline in French


def test_the_timeline_is_in_french_and_newest_first(world, login):
    relais = services.relais_create(
        organisation=world.org_a,
        by=world.staff_a,
        first_name="Inès",
        last_name="Garcia",
        email="ines@example.test",
        status="actif",
        status_date=datetime.date(2025, 1, 15),
        residences=[(world.residence_a1, "Bât. A")],
    )
    services.contact_log_add(
        relais=relais, kind="appel", date=datetime.date(2025, 3, 3), note="Point mensuel", by=world.staff_a
    )
    services.relais_change_status(
        relais=relais, to_status="pause", date=datetime.date(2025, 8, 1), by=world.staff_a, note="Congé"
    )
    page = text(login(world.staff_a).get(f"/relais/{relais.pk}/"))
    assert "Relais depuis 15 janvier 2025" in page
    first = page.index("1 août 2025 Actif·ve → En pause — Congé")
    second = page.index("3 mars 2025 Appel — Point mensuel")
    third = page.index("15 janvier 2025 Inscrit·e comme actif·ve")
    assert first < second < third
    assert "Camille" in page  # the author of the changes


# Dashboard


@pytest.fixture
def dashboard_data(world):
    """A known dataset in organisation A.

    Residences: Les Tilleuls (q1, 120, covered by Diallo), Le Belvédère (q2, 80,
    covered by Moreau), Les Érables (q1, 200, no relais), Le Clos (q2, 30, only a
    candidate). Relais: 3 active (Diallo contacted 10 days ago, Moreau never,
    Ancien 91 days ago), 1 candidate, 1 on pause, 1 gone.
    """
    ContactLog.objects.filter(relais=world.relais_a).update(date=days_ago(10))
    erables = ResidenceFactory(organisation=world.org_a, quartier=world.q1, name="Les Érables", dwellings=200)
    clos = ResidenceFactory(organisation=world.org_a, quartier=world.q2, name="Le Clos", dwellings=30)
    ancien = RelaisFactory(organisation=world.org_a, last_name="Ancien", residences=[world.residence_a1])
    ContactLogFactory(relais=ancien, date=days_ago(91))
    ContactLogFactory(relais=ancien, date=days_ago(200))
    RelaisFactory(organisation=world.org_a, last_name="Candidate", status=Relais.Status.CANDIDAT, residences=[clos])
    RelaisFactory(organisation=world.org_a, last_name="Pause", status=Relais.Status.PAUSE, residences=[erables])
    RelaisFactory(
        organisation=world.org_a,
        last_name="Partie",
        status=Relais.Status.SORTI,
        left_on=days_ago(5),
        exit_reason="autre",
        residences=[clos],
    )
    # Organisation B's figures never mix in.
    RelaisFactory(organisation=world.org_b, last_name="Autre B", residences=[world.residence_b])
    return {"erables": erables, "clos": clos}


def test_dashboard_figures_are_exact(world, login, dashboard_data):
    response = login(world.staff_a).get("/tableau-de-bord/")
    d = response.context["d"]
    assert d.by_status == {"candidat": 1, "actif": 3, "pause": 1, "sorti": 1}
    assert (d.covered_residences, d.residences) == (2, 4)
    assert (d.covered_dwellings, d.dwellings) == (200, 430)
    assert (d.residences_share, d.dwellings_share) == (50, 47)
    assert [r.name for r in d.uncovered] == ["Les Érables", "Le Clos"]
    # The relais drifting away are engagement's (its own tests try each rule).
    board = response.context["board"]
    assert board.at_risk_count == at_risk(world.staff_a).count() >= 2
    assert {"Ancien", world.relais_a2.last_name} <= {r.relais.last_name for r in board.at_risk}

    page = text(response)
    assert "Tableau de bord — Habitat A" in page
    assert "3 relais actifs" in page
    assert "1 candidat·es" in page
    assert "2 / 4 résidences avec un relais actif (50 %)" in page
    assert "200 / 430 logements couverts (47 %)" in page
    assert page.index("Les Érables") < page.index("Le Clos")
    assert f"Relais qui s'éloignent ({board.at_risk_count})" in page
    section = page[page.index("Relais qui s'éloignent") :]
    assert "Nadia Ancien" in section and "aucune activité notée depuis 60 jours" in section


def test_dashboard_lists_ten_stale_relais_and_counts_them_all(world, login, dashboard_data):
    for n in range(11):
        RelaisFactory(organisation=world.org_a, last_name=f"Silencieux {n:02d}", residences=[world.residence_a1])
    response = login(world.staff_a).get("/tableau-de-bord/")
    board = response.context["board"]
    total = at_risk(world.staff_a).count()
    assert total >= 13 and (board.at_risk_count, len(board.at_risk)) == (total, 10)
    page = text(response)
    assert f"Relais qui s'éloignent ({total})" in page
    assert "Voir la liste, les prochaines étapes et prévoir un appel" in page


def test_agency_dashboard_counts_only_its_quartier(world, login, dashboard_data):
    response = login(world.agency_a).get("/tableau-de-bord/")
    d = response.context["d"]
    # Quartier 1: Les Tilleuls (covered, 120) and Les Érables (200, only a relais on pause).
    assert (d.covered_residences, d.residences) == (1, 2)
    assert (d.covered_dwellings, d.dwellings) == (120, 320)
    assert d.by_status == {"candidat": 0, "actif": 2, "pause": 1, "sorti": 0}
    assert [r.name for r in d.uncovered] == ["Les Érables"]
    board = response.context["board"]
    assert "Ancien" in [r.relais.last_name for r in board.at_risk]
    assert board.at_risk_count == at_risk(world.agency_a).count()
    page = text(response)
    assert "HORS-AGENCE" not in page
    assert "Le Clos" not in page


def test_agency_lists_show_only_its_quartier(world, login):
    client = login(world.agency_a)
    residences = rows(client.get("/residences/"))
    assert "Les Tilleuls" in residences
    assert "Le Belvédère" not in residences
    relais = client.get("/relais/")
    assert "Diallo" in rows(relais)
    assert "Moreau" not in rows(relais)
    assert "HORS-AGENCE" not in text(relais)  # nor in the filter's options
    quartiers = text(client.get("/quartiers/"))
    assert "Quartier 1" in quartiers and "Quartier 2" not in quartiers


def test_partner_dashboard_shows_figures_but_no_names(world, login, dashboard_data):
    page = text(login(world.partner_a).get("/tableau-de-bord/"))
    assert "3 relais actifs" in page
    assert "Relais sans contact" not in page
    assert "Ancien" not in page


# Organisation switching


def test_a_user_of_two_organisations_switches_between_them(world, login):
    user = UserFactory(email="deux@example.test")
    MembershipFactory(user=user, organisation=world.org_a, role=Membership.Role.STAFF)
    MembershipFactory(user=user, organisation=world.org_b, role=Membership.Role.STAFF)
    client = login(user)

    page = text(client.get("/residences/"))
    assert "Les Tilleuls" in page and "Résidence B" not in page
    assert f'<option value="{world.org_a.pk}" selected>Habitat A' in client.get("/residences/").content.decode()

    response = client.post("/organisation/", {"organisation": world.org_b.pk})
    assert response.status_code == 302
    page = text(client.get("/residences/"))
    assert "Résidence B" in page and "Les Tilleuls" not in page
    assert "Tableau de bord — Habitat B" in text(client.get("/tableau-de-bord/"))
    assert client.get(f"/residences/{world.residence_a1.pk}/").status_code == 404

    # An organisation without a membership, or garbage, changes nothing.
    org_c = OrganisationFactory(name="Habitat C", slug="habitat-c")
    ResidenceFactory(organisation=org_c, name="Résidence C")
    for wanted in (org_c.pk, "abc", ""):
        assert client.post("/organisation/", {"organisation": wanted}).status_code == 302
        page = text(client.get("/residences/"))
        assert "Résidence B" in page and "Résidence C" not in page and "Les Tilleuls" not in page


def test_a_single_organisation_user_cannot_switch_to_another(world, login):
    client = login(world.staff_a)
    client.post("/organisation/", {"organisation": world.org_b.pk})
    page = text(client.get("/residences/"))
    assert "Les Tilleuls" in page and "Résidence B" not in page


def test_home_sends_each_role_to_its_page(world, login):
    assert login(world.staff_a).get("/")["Location"] == "/a-traiter/"
    assert login(world.partner_a).get("/")["Location"] == "/tableau-de-bord/"
    assert login(world.relais_user_a).get("/")["Location"] == "/espace/"
    nobody = UserFactory(email="personne@example.test")
    response = login(nobody).get("/")
    assert response.status_code == 403
    assert "Votre compte n'est rattaché à aucune organisation" in text(response)


# Quartiers


def test_staff_creates_and_renames_a_quartier(world, login):
    client = login(world.staff_a)
    response = client.post("/quartiers/nouveau/", {"name": " Les Minguettes ", "is_qpv": "on"})
    assert response.status_code == 302
    quartier = world.org_a.quartiers.get(name="Les Minguettes")
    assert quartier.is_qpv
    assert "Le quartier « Les Minguettes » est enregistré." in text(client.get(response["Location"]))

    response = client.post(f"/quartiers/{quartier.pk}/modifier/", {"name": "Minguettes"})
    assert response.status_code == 302
    quartier.refresh_from_db()
    assert (quartier.name, quartier.is_qpv) == ("Minguettes", False)


def test_a_quartier_name_is_unique_in_the_organisation_only(world, login):
    client = login(world.staff_a)
    before = world.org_a.quartiers.count()
    response = client.post("/quartiers/nouveau/", {"name": world.q1.name.upper()})
    assert response.status_code == 200
    assert "Un quartier porte déjà ce nom." in text(response)
    assert world.org_a.quartiers.count() == before
    assert client.post("/quartiers/nouveau/", {"name": "Quartier B"}).status_code == 302


# Pagination keeps the filters


def test_the_next_page_keeps_the_filters(world, login):
    for i in range(30):
        RelaisFactory(organisation=world.org_a, last_name=f"Actif{i:02d}", residences=[world.residence_a1])
    RelaisFactory(organisation=world.org_a, last_name="Candidat", status=Relais.Status.CANDIDAT)
    client = login(world.staff_a)
    response = client.get("/relais/?status=actif")
    page = text(response)
    assert "Page 1 sur 2 (32 éléments)" in page  # 30 + Diallo + Moreau
    assert "status=actif&page=2" in html.unescape(response.content.decode())
    second = client.get("/relais/?status=actif&page=2")
    assert "Page 2 sur 2" in text(second)
    assert "Candidat" not in rows(second)


def test_links_carry_ids_unformatted_beyond_a_thousand(world, login):
    """The French locale groups thousands (« 12 345 »); an id in a link must not
    be, or « Recruter un relais ici » opens an empty form past 999 residences."""
    residence = ResidenceFactory(pk=12345, organisation=world.org_a, quartier=world.q1, name="Les Lilas")
    RemonteeFactory.create_batch(11, residence=residence)
    page = login(world.staff_a).get(f"/residences/{residence.pk}/").content.decode()
    assert page.count("/relais/nouveau/?residence=12345") == 2
    assert "/remontees/?residence=12345" in page
    form = login(world.staff_a).get("/relais/nouveau/?residence=12345").content.decode()
    assert re.search(r'<option value="12345" selected>Les Lilas</option>', form)
