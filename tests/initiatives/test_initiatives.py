"""The life of an initiative through the pages: an idea, logistics approved,
a grant decided, done with its report; the organisers told once per decision;
the catalogue and the map's markers."""

import datetime
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.models import Message
from core.outbox import dispatch
from initiatives import services
from initiatives.models import GrantRequest, Initiative, InitiativeKind, InitiativePhoto, LogisticsRequest
from relais.models import Residence
from tests.factories import EquipmentFactory, PartnerFactory
from tests.helpers import photo, same_queries_for_few_and_many, text

pytestmark = pytest.mark.django_db


def kind(world, name="Fête des voisins"):
    return InitiativeKind.objects.get(organisation=world.org_a, name=name)


def gps_photo() -> SimpleUploadedFile:
    return photo("fete.jpg", (800, 600), "orange", gps=True)


def test_an_initiative_from_idea_to_report(world, login):
    staff = login(world.staff_a)
    voisins = PartnerFactory(organisation=world.org_a, name="Voisins solidaires")
    day = timezone.localdate() + datetime.timedelta(days=30)
    response = staff.post(
        "/initiatives/nouvelle/",
        {
            "kind": kind(world).pk,
            "title": "Fête des voisins des Tilleuls",
            "starts_on": day.isoformat(),
            "residences": [world.residence_a1.pk],
            "organisers": [world.relais_a.pk],
            "partners": [voisins.pk],
            "status": "idee",
        },
    )
    initiative = Initiative.objects.get()
    assert response["Location"] == f"/initiatives/{initiative.pk}/" and initiative.status == "idee"
    staff.post(f"/initiatives/{initiative.pk}/statut/", {"status": "prevue"})

    # Logistics: asked, adjusted to the stock, approved; the organiser is told once.
    tables = EquipmentFactory(organisation=world.org_a, name="Tables", quantity=8)
    barnum = EquipmentFactory(organisation=world.org_a, name="Barnum", quantity=1)
    staff.post(
        f"/initiatives/{initiative.pk}/logistique/",
        {"starts_on": day.isoformat(), "ends_on": day.isoformat(), f"qty_{tables.pk}": 8, f"qty_{barnum.pk}": 1},
    )
    request = LogisticsRequest.objects.get()
    assert "Tables × 8" in text(staff.get("/initiatives/logistique/"))
    response = staff.post(
        f"/initiatives/logistique/{request.pk}/decision/",
        {
            "decision": "approve",
            f"granted_{tables.pk}": 6,
            f"granted_{barnum.pk}": 1,
            "reason": "Deux tables en réparation.",
        },
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approuvee" and {line.equipment.name: line.granted for line in request.lines.all()} == {
        "Tables": 6,
        "Barnum": 1,
    }

    # A small grant, asked with its budget and decided by the committee.
    staff.post(
        f"/initiatives/{initiative.pk}/subvention/",
        {
            "objectives": "Un repas partagé pour accueillir les nouveaux locataires.",
            "expected_participants": 60,
            "budget": "Courses : 180\nLocation de vaisselle ; 70,50",
            "amount_requested": "200",
        },
    )
    grant = GrantRequest.objects.get()
    assert [(b.label, str(b.amount)) for b in grant.budget_lines.all()] == [
        ("Courses", "180.00"),
        ("Location de vaisselle", "70.50"),
    ]
    staff.post(
        f"/initiatives/subventions/{grant.pk}/decision/",
        {
            "decision": "grant",
            "decided_on": timezone.localdate().isoformat(),
            "amount_granted": "150",
            "conditions": "Tickets de caisse",
        },
    )
    grant.refresh_from_db()
    assert grant.status == "accordee" and grant.amount_granted == 150

    dispatch(now=timezone.now())
    dispatch(now=timezone.now())
    told = sorted(m.subject for m in mail.outbox if m.to == [world.relais_a.email])
    assert told == [
        "Fonds de participation : demande accordée (Fête des voisins des Tilleuls)",
        "Logistique accordée : Fête des voisins des Tilleuls",
    ]
    logistics_mail = next(m for m in mail.outbox if m.subject.startswith("Logistique"))
    assert "Tables : 6 (sur 8 demandés)" in logistics_mail.body and "Deux tables en réparation." in logistics_mail.body
    assert Message.objects.filter(recipient_relais=world.relais_a).count() == 2

    # Done: the report, with a photo whose GPS position is dropped.
    response = staff.post(
        f"/initiatives/{initiative.pk}/apres/",
        {
            "participants": 72,
            "children": 20,
            "adults": 40,
            "seniors": 12,
            "newcomers": 15,
            "went_well": "Beaucoup de nouveaux locataires.",
            "went_badly": "Trop peu de chaises.",
            "photo": gps_photo(),
            "caption": "Le buffet",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == "realisee" and initiative.participants == 72 and initiative.newcomers == 15
    photo = initiative.photos.get()
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        assert not image.getexif()
    page = text(staff.get(f"/initiatives/{initiative.pk}/"))
    assert "72 participants : 20 enfants, 40 adultes, 12 seniors ; 15 nouvelles têtes" in page
    assert "Voisins solidaires" in page and "150 € accordés" in page
    # A partner reads it, without the organisers' names.
    partner_page = text(login(world.partner_a).get(f"/initiatives/{initiative.pk}/"))
    assert "Fête des voisins des Tilleuls" in partner_page and str(world.relais_a) not in partner_page
    totals = text(staff.get(f"/initiatives/subventions/?annee={timezone.localdate().year}"))
    assert "Demandé 200 €" in totals and "Accordé 150 €" in totals


def atelier(world) -> Initiative:
    return services.initiative_save(
        organisation=world.org_a,
        by=None,
        kind=kind(world),
        title="Atelier",
        starts_on=timezone.localdate(),
        place="Square",
    )


def test_a_report_that_does_not_add_up_is_refused(world, login):
    initiative = atelier(world)
    response = login(world.staff_a).post(
        f"/initiatives/{initiative.pk}/apres/", {"participants": 10, "children": 8, "adults": 8, "newcomers": 11}
    )
    page = text(response)
    assert "font 16 personnes : plus que les 10 participants" in page or "plus de nouvelles têtes" in page
    initiative.refresh_from_db()
    assert initiative.status == "idee" and initiative.participants is None


def test_bad_grant_budget_and_refusal_without_reason(world, login):
    initiative = services.initiative_save(
        organisation=world.org_a,
        by=None,
        kind=kind(world),
        title="Sortie",
        starts_on=timezone.localdate(),
        place="Gare",
    )
    staff = login(world.staff_a)
    response = staff.post(
        f"/initiatives/{initiative.pk}/subvention/",
        {"objectives": "x", "expected_participants": 10, "budget": "Car 300", "amount_requested": "300"},
    )
    assert "Ligne 1 : écrivez « poste : montant »" in text(response)
    assert not GrantRequest.objects.exists()
    grant = services.grant_request(
        initiative=initiative, by=None, objectives="Une sortie", expected_participants=30, amount_requested=300
    )
    response = staff.post(
        f"/initiatives/subventions/{grant.pk}/decision/", {"decision": "refuse", "decided_on": "2026-11-20"}
    )
    assert "Dites pourquoi le comité refuse" in text(response)
    grant.refresh_from_db()
    assert grant.status == "demandee"


def test_the_catalogue_filters_by_kind_quartier_and_period(world, login):
    make = services.initiative_save
    make(
        organisation=world.org_a,
        by=None,
        kind=kind(world),
        title="Fête A1",
        starts_on=datetime.date(2026, 6, 5),
        residences=[world.residence_a1],
    )
    make(
        organisation=world.org_a,
        by=None,
        kind=kind(world, "Atelier cuisine"),
        title="Cuisine A2",
        starts_on=datetime.date(2026, 3, 1),
        residences=[world.residence_a2],
    )
    staff = login(world.staff_a)
    assert "Cuisine A2" not in text(staff.get(f"/initiatives/?kind={kind(world).pk}"))
    page = text(staff.get(f"/initiatives/?quartier={world.q2.pk}"))
    assert "Cuisine A2" in page and "Fête A1" not in page
    page = text(staff.get("/initiatives/?after=2026-05-01&before=2026-12-31"))
    assert "Fête A1" in page and "Cuisine A2" not in page


def test_an_admin_edits_the_kinds_offered_and_a_withdrawn_kind_stays_on_its_initiatives(world, login):
    fete = services.initiative_save(
        organisation=world.org_a,
        by=None,
        kind=kind(world),
        title="Fête A1",
        starts_on=datetime.date(2026, 6, 5),
        residences=[world.residence_a1],
    )
    admin = login(world.admin_a)
    admin.post("/initiatives/types/", {"name": "Troc de plantes"})
    assert InitiativeKind.objects.filter(organisation=world.org_a, name="Troc de plantes").exists()
    assert not InitiativeKind.objects.filter(organisation=world.org_b, name="Troc de plantes").exists()
    assert "Cet intitulé existe déjà" in text(admin.post("/initiatives/types/", {"name": "troc de plantes"}))
    admin.post("/initiatives/types/", {"toggle": kind(world).pk})
    page = text(admin.get("/initiatives/types/"))
    assert "« Fête des voisins » est retiré de la liste" in page and "Non — proposer" in page
    new_form = admin.get("/initiatives/nouvelle/").content.decode()
    assert "Troc de plantes" in new_form and ">Fête des voisins<" not in new_form
    edit_form = admin.get(f"/initiatives/{fete.pk}/modifier/").content.decode()
    assert ">Fête des voisins<" in edit_form
    assert login(world.staff_a).get("/initiatives/types/").status_code == 403


def test_the_map_markers_come_from_a_json_endpoint(world, login):
    Residence.objects.filter(pk=world.residence_a1.pk).update(latitude=45.75, longitude=4.85)
    services.initiative_save(
        organisation=world.org_a,
        by=None,
        kind=kind(world),
        title="Fête A1",
        starts_on=timezone.localdate(),
        residences=[world.residence_a1],
    )
    data = login(world.partner_a).get("/initiatives/carte.json").json()
    (marker,) = data["residences"]
    assert (marker["name"], marker["lat"], marker["lng"]) == (world.residence_a1.name, 45.75, 4.85)
    assert marker["active_relais"] == 1 and [i["title"] for i in marker["initiatives"]] == ["Fête A1"]
    assert "Diallo" not in str(data)  # figures, never people
    assert login(world.staff_b).get("/initiatives/carte.json").json() == {"residences": []}
    page = login(world.staff_a).get("/initiatives/carte/").content.decode()
    assert 'data-markers="/initiatives/carte.json"' in page and "leaflet.js" in page


@pytest.mark.parametrize("url", ["/initiatives/", "/initiatives/carte.json", "/initiatives/logistique/"])
def test_catalogue_map_and_stock_run_a_constant_number_of_queries(world, login, url):

    from tests.factories import ResidenceFactory

    tables = EquipmentFactory(organisation=world.org_a, name="Tables", quantity=1000)

    def grow(first, last):
        for i in range(first, last):
            residence = ResidenceFactory(organisation=world.org_a, quartier=world.q1, latitude=45, longitude=4)
            initiative = services.initiative_save(
                organisation=world.org_a,
                by=None,
                kind=kind(world),
                title=f"Initiative {i}",
                starts_on=timezone.localdate() - datetime.timedelta(days=i),
                residences=[residence, world.residence_a1],
                organisers=[world.relais_a],
            )
            services.logistics_request(
                initiative=initiative,
                by=None,
                starts_on=initiative.starts_on,
                ends_on=initiative.starts_on,
                lines=[(tables, 1)],
            )

    client = login(world.staff_a)
    response = same_queries_for_few_and_many(client, url, grow, 5, 50)
    assert response.status_code == 200
    if url == "/initiatives/carte.json":
        assert len(response.json()["residences"]) == 50


def test_a_photo_chosen_before_a_validation_error_is_kept(world, login):
    initiative = atelier(world)
    staff = login(world.staff_a)
    url = f"/initiatives/{initiative.pk}/apres/"
    response = staff.post(url, {"participants": 10, "children": 8, "adults": 8, "photo": photo(), "consent": "on"})
    page = response.content.decode()
    token = re.search(r'name="photo_kept" value="([^"]+)"', page).group(1)
    assert "Votre photo est gardée" in page and not InitiativePhoto.objects.exists()
    # A forged token keeps nothing, and is no error.
    staff.post(url, {"participants": 10, "photo_kept": token[:-2] + "xx", "consent": "on"})
    assert not InitiativePhoto.objects.exists()
    response = staff.post(url, {"participants": 10, "children": 4, "photo_kept": token, "consent": "on"})
    assert response.status_code == 302
    assert InitiativePhoto.objects.get(initiative=initiative).image.read()[:2] == b"\xff\xd8"
