"""The public page of an organisation: off by default, only what may be shown
to anyone, no cookie, cached and invalidated, framed only where its
organisation said."""

from __future__ import annotations

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.consents import consent_give, consent_withdraw
from core.models import Consent
from tests.factories import InitiativeFactory, RelaisFactory
from tests.helpers import same_queries_for_few_and_many
from vitrine import cache as page_cache
from vitrine.models import PublicPage, PublishedInitiative

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def published(world):
    return PublicPage.objects.create(
        organisation=world.org_a,
        published=True,
        show_names=True,
        contact="Accueil : 12 rue du Lac, 01 23 45 67 89",
        embed_origins="https://www.habitat-a.test",
    )


def _listed(world, first_name="Awa", last_name="Konaté"):
    relais = RelaisFactory(
        organisation=world.org_a, first_name=first_name, last_name=last_name, residences=[world.residence_a1]
    )
    consent_give(relais, [Consent.Scope.ANNUAIRE], on=datetime.date(2025, 1, 1), by=None)
    return relais


def test_an_unpublished_page_does_not_exist(world):
    PublicPage.objects.create(organisation=world.org_a, published=False)
    assert Client().get(reverse("public:page", args=["habitat-a"])).status_code == 404
    # No settings at all: the same 404, and so for an unknown organisation.
    assert Client().get(reverse("public:page", args=["habitat-b"])).status_code == 404
    assert Client().get(reverse("public:page", args=["nulle-part"])).status_code == 404
    assert Client().get(reverse("public:candidate", args=["habitat-a"])).status_code == 404


def test_the_page_names_only_relais_who_agreed_and_sets_no_cookie(world, published):
    _listed(world)
    RelaisFactory(
        organisation=world.org_a,
        first_name="Zoé",
        last_name="Discrète",
        phone="06 11 22 33 44",
        residences=[world.residence_a1],
        consents=["sms", "email", "photos"],
    )
    response = Client().get(reverse("public:page", args=["habitat-a"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Awa K." in body and "Konaté" not in body
    # Zoé is active without the « annuaire » consent: counted, never named.
    assert "Zoé" not in body and "Discrète" not in body and "06 11" not in body
    assert "PERSO-A" not in body and "Diallo" not in body and "@" not in body  # no surname, no e-mail
    assert "Set-Cookie" not in response.headers and not response.cookies
    assert response["Cache-Control"] == "public, max-age=60"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "Les Tilleuls" in body and "3 relais" in body  # Nadia D. (relais A), Awa K., Zoé


def test_a_logged_in_reader_gets_a_private_answer(world, published, login):
    response = login(world.staff_a).get(reverse("public:page", args=["habitat-a"]))
    assert response.status_code == 200 and response["Cache-Control"] == "private, max-age=60"


def test_names_are_shown_only_when_the_organisation_chose_to(world, published):
    _listed(world)
    published.show_names = False
    published.save()
    body = Client().get(reverse("public:page", args=["habitat-a"])).content.decode()
    assert "Awa" not in body and "Les Tilleuls" in body


def test_withdrawing_the_listing_consent_removes_the_name_from_page_and_sheet(world, published, login):
    relais = _listed(world)
    url = reverse("public:page", args=["habitat-a"])
    sheet = reverse("public:welcome_sheet", args=[world.residence_a1.pk])
    staff = login(world.staff_a)
    assert "Awa K." in Client().get(url).content.decode()  # now cached
    assert "Awa K." in pdf_text(staff.get(sheet).content)
    consent_withdraw(relais, [Consent.Scope.ANNUAIRE], on=timezone.localdate(), by=None)
    assert "Awa" not in Client().get(url).content.decode()
    text = pdf_text(staff.get(sheet).content)
    assert "Awa" not in text and "12 rue du Lac" in text


def test_the_page_is_cached_and_invalidated_by_its_settings(world, published, django_assert_max_num_queries):
    url = reverse("public:page", args=["habitat-a"])
    Client().get(url)
    assert page_cache.get(world.org_a.pk, "page") is not None
    with django_assert_max_num_queries(0):  # which page the address leads to, and its HTML: from the cache
        assert Client().get(url).status_code == 200
    published.contact = "Nouvelle adresse de l'accueil"
    published.save()
    assert "Nouvelle adresse" in Client().get(url).content.decode()
    world.org_a.name = "Habitat A renommé"
    world.org_a.save()
    assert "Habitat A renommé" in Client().get(url).content.decode()
    # Unpublished: gone at once, whatever the cache held.
    published.published = False
    published.save()
    assert Client().get(url).status_code == 404


def test_the_page_reads_a_fixed_number_of_queries(world, published, monkeypatch):
    monkeypatch.setattr(page_cache, "get", lambda *args: None)  # every answer read afresh
    today = timezone.localdate()

    def grow(start, end):
        for i in range(start, end):
            _listed(world, first_name=f"Prénom{i}")
            initiative = InitiativeFactory(organisation=world.org_a, starts_on=today + datetime.timedelta(days=i + 1))
            PublishedInitiative.objects.create(organisation=world.org_a, initiative=initiative)
            story = InitiativeFactory(
                organisation=world.org_a, status="realisee", starts_on=today - datetime.timedelta(days=i + 1)
            )
            PublishedInitiative.objects.create(organisation=world.org_a, initiative=story)

    same_queries_for_few_and_many(Client(), reverse("public:page", args=["habitat-a"]), grow, 1, 6)


def test_events_and_stories_show_what_was_chosen_with_consented_photos_only(world, published):
    today = timezone.localdate()
    chosen = InitiativeFactory(
        organisation=world.org_a, title="Fête des voisins du lac", starts_on=today + datetime.timedelta(days=5)
    )
    InitiativeFactory(organisation=world.org_a, title="Réunion interne", starts_on=today + datetime.timedelta(days=6))
    done = InitiativeFactory(
        organisation=world.org_a,
        title="Jardin partagé",
        status="realisee",
        starts_on=today - datetime.timedelta(days=30),
    )
    for initiative in (chosen, done):
        PublishedInitiative.objects.create(organisation=world.org_a, initiative=initiative)
    from initiatives.models import InitiativePhoto
    from tests.helpers import photo

    shown = InitiativePhoto.objects.create(initiative=done, image=photo(), consent=True, caption="Les semis")
    hidden = InitiativePhoto.objects.create(initiative=done, image=photo(), consent=False, caption="Sans accord")
    body = Client().get(reverse("public:page", args=["habitat-a"])).content.decode()
    assert "Fête des voisins du lac" in body and "Réunion interne" not in body
    assert "Jardin partagé" in body and "Les semis" in body and "Sans accord" not in body
    assert Client().get(reverse("public:photo", args=["habitat-a", shown.pk])).status_code == 200
    assert Client().get(reverse("public:photo", args=["habitat-a", hidden.pk])).status_code == 404
    assert Client().get(reverse("public:photo", args=["habitat-b", shown.pk])).status_code == 404


def test_only_the_embed_view_may_be_framed_and_only_by_the_listed_origins(world, published):
    embed = Client().get(reverse("public:embed", args=["habitat-a"]))
    assert embed.status_code == 200 and "Set-Cookie" not in embed.headers
    assert "frame-ancestors https://www.habitat-a.test;" in embed["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    assert 'target="_top"' in embed.content.decode()  # the form opens top-level
    form = Client().get(reverse("public:candidate", args=["habitat-a"]))
    assert "frame-ancestors 'none'" in form["Content-Security-Policy"] and form["X-Frame-Options"] == "DENY"
    published.embed_origins = ""
    published.save()
    again = Client().get(reverse("public:embed", args=["habitat-a"]))
    assert "frame-ancestors 'none'" in again["Content-Security-Policy"]


def test_staff_choose_what_to_publish(world, login):
    admin = login(world.admin_a)
    url = reverse("public:settings")
    assert admin.get(url).status_code == 200
    refused = admin.post(url, {"published": "on", "embed_origins": "https://*.evil.test"})
    assert "joker" in refused.content.decode()
    assert not PublicPage.objects.exists()
    done = admin.post(url, {"published": "on", "show_places": "on", "embed_origins": "https://WWW.Habitat-A.test/\n"})
    assert done.status_code == 302
    page = PublicPage.objects.get(organisation=world.org_a)
    assert page.published and page.embed_origins == "https://www.habitat-a.test"
    assert login(world.staff_a).get(url).status_code == 403


def test_poster_names_the_relais_who_agreed(world, published, login):
    _listed(world)
    response = login(world.staff_a).get(reverse("public:poster", args=[world.residence_a1.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Votre relais" in text and "Awa K." in text and "Diallo" not in text
