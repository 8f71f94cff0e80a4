"""The initiatives catalogue read by relais: others' events done, their report,
photos only with consent, « refaire cette initiative chez moi »; and a relais
telling about an event that already took place."""

import datetime

import pytest
from django.utils import timezone

from core.uploads import clean_photo
from initiatives import services
from initiatives.models import Initiative, InitiativeKind
from tests.factories import RelaisFactory
from tests.helpers import photo, same_queries_for_few_and_many, text

pytestmark = pytest.mark.django_db


def done(world, title="Repas partagé de la rentrée", organiser=None, with_photos=True, status_done=True):
    kind = InitiativeKind.objects.filter(organisation=world.org_a, name="Repas partagé").first()
    initiative = services.initiative_save(
        organisation=world.org_a,
        by=world.staff_a,
        kind=kind,
        title=title,
        description="Chacun apporte un plat.",
        starts_on=datetime.date(2026, 9, 12),
        residences=[world.residence_a2],
        organisers=[organiser or world.relais_a2],
    )
    if status_done:
        services.initiative_report(
            initiative=initiative,
            participants=42,
            went_well="Les enfants ont adoré le jeu de piste.",
            went_badly="Pas assez de chaises.",
        )
    if with_photos:
        for caption, consent in (("Avec accord", True), ("Sans accord", False)):
            services.photo_add(
                initiative=initiative, image=clean_photo(photo()), by=None, caption=caption, consent=consent
            )
    return initiative


def test_a_relais_reads_what_other_relais_did_and_only_photos_with_consent(world, login):
    initiative = done(world)
    client = login(world.relais_user_a)
    page = text(client.get("/initiatives/entre-relais/"))
    assert "Repas partagé de la rentrée" in page and "42 participants" in page
    assert "Les enfants ont adoré le jeu de piste." in page and "Pas assez de chaises." in page
    detail = client.get(f"/initiatives/entre-relais/{initiative.pk}/")
    body = text(detail)
    assert "Avec accord" in body and "Sans accord" not in body
    # Moreau (relais_a2) organised it; named only while they agree to be presented.
    assert "Moreau" in body
    world.relais_a2.consents.filter(scope="annuaire").update(withdrawn_on=timezone.localdate())
    assert "Moreau" not in text(client.get(f"/initiatives/entre-relais/{initiative.pk}/"))
    with_consent, without = initiative.photos.order_by("pk")
    assert client.get(f"/initiatives/entre-relais/photos/{with_consent.pk}.jpg").status_code == 200
    assert client.get(f"/initiatives/entre-relais/photos/{without.pk}.jpg").status_code == 404
    # Reading is not organising: the initiative's own pages stay its organisers'.
    assert client.get(f"/initiatives/{initiative.pk}/").status_code == 404
    assert client.post(f"/initiatives/{initiative.pk}/apres/", {"participants": 1}).status_code == 404


def test_only_initiatives_done_and_of_the_organisation_are_shared(world, login):
    done(world, title="Idée pas encore faite", status_done=False, with_photos=False)
    kind_b = InitiativeKind.objects.filter(organisation=world.org_b).first()
    services.initiative_save(
        organisation=world.org_b,
        by=None,
        kind=kind_b,
        title="Fête de B",
        starts_on=datetime.date(2026, 6, 1),
        residences=[world.residence_b],
        status=Initiative.Status.REALISEE,
    )
    page = text(login(world.relais_user_a).get("/initiatives/entre-relais/"))
    assert "Idée pas encore faite" not in page and "Fête de B" not in page
    assert "Pas encore d'initiative racontée" in page


def test_do_it_again_at_home_prefills_a_proposal(world, login):
    initiative = done(world, with_photos=False)
    client = login(world.relais_user_a)
    page = client.get(f"/initiatives/proposer/?depuis={initiative.pk}").content.decode()
    assert 'value="Repas partagé de la rentrée"' in page and "Chacun apporte un plat." in page
    # Anything else than an initiative done the relais may read prefills nothing.
    for other in ("999999", "abc", "²"):
        page = client.get(f"/initiatives/proposer/?depuis={other}").content.decode()
        assert "Repas partagé de la rentrée" not in page


def test_a_relais_tells_about_a_past_event_and_staff_see_it(world, login):
    client = login(world.relais_user_a)
    kind = InitiativeKind.objects.get(organisation=world.org_a, name="Atelier cuisine")
    response = client.post(
        "/initiatives/raconter/",
        {
            "kind": kind.pk,
            "title": "Atelier crêpes",
            "starts_on": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
            "residence": world.residence_a1.pk,
            "participants": 15,
            "went_well": "Tout le monde a mis la main à la pâte.",
            "photo": photo(),
            "consent": "on",
        },
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get(title="Atelier crêpes")
    assert initiative.status == Initiative.Status.REALISEE and initiative.created_by == world.relais_user_a
    assert list(initiative.organisers.all()) == [world.relais_a] and initiative.photos.get().consent
    assert "Atelier crêpes" in text(login(world.staff_a).get("/initiatives/"))
    assert "Atelier crêpes" in text(client.get("/initiatives/mes-initiatives/"))


def test_telling_a_future_event_is_refused_and_writes_nothing(world, login):
    kind = InitiativeKind.objects.get(organisation=world.org_a, name="Atelier cuisine")
    response = login(world.relais_user_a).post(
        "/initiatives/raconter/",
        {
            "kind": kind.pk,
            "title": "Plus tard",
            "starts_on": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            "residence": world.residence_a1.pk,
            "participants": 15,
        },
    )
    assert response.status_code == 200 and "Cette date est à venir" in text(response)
    assert not Initiative.objects.filter(title="Plus tard").exists()


def test_the_shared_catalogue_runs_a_constant_number_of_queries(world, login):
    def grow(first, last):
        for i in range(first, last):
            organiser = RelaisFactory(organisation=world.org_a, residences=[world.residence_a1])
            done(world, title=f"Initiative {i}", organiser=organiser)

    response = same_queries_for_few_and_many(login(world.relais_user_a), "/initiatives/entre-relais/", grow, 5, 20)
    assert "Initiative 19" in text(response)
