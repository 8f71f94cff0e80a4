"""« Devenir relais »: honeypot, too fast, too old, replayed and over-limit
submissions refused with nothing written; a real one makes exactly one
candidate, one confirmation, and shows in the staff's « À traiter »."""

from __future__ import annotations

import time

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from core import outbox
from core.models import Consent, Message
from relais.models import Relais
from tests.db_writes import DataWrites
from vitrine import antispam
from vitrine.models import PublicPage

pytestmark = pytest.mark.django_db

URL = reverse("public:candidate", args=["habitat-a"])


@pytest.fixture
def page(world):
    return PublicPage.objects.create(organisation=world.org_a, published=True)


def token(org, age: float = 10.0) -> str:
    """A form's signed token as if shown `age` seconds ago."""
    return signing.dumps({"o": org.pk, "t": time.time() - age, "n": f"n{time.time_ns()}"}, salt=antispam.SALT)


def data(world, **extra):
    return {
        "first_name": "Inès",
        "last_name": "Garnier",
        "residence": world.residence_a1.pk,
        "email": "ines.garnier@example.test",
        "phone": "",
        "consent": "on",
        "website": "",
        "token": token(world.org_a),
        **extra,
    }


def post(payload, ip="203.0.113.7"):
    with DataWrites() as writes:
        response = Client(REMOTE_ADDR=ip).post(URL, payload)
    return response, writes


def test_the_form_shows_a_token_and_the_residences(world, page):
    response = Client().get(URL)
    body = response.content.decode()
    assert response.status_code == 200 and 'name="token"' in body and 'name="website"' in body
    assert "Les Tilleuls" in body and "Résidence B" not in body


def test_a_real_candidate_makes_one_relais_and_one_message(world, page, django_capture_on_commit_callbacks, login):
    with django_capture_on_commit_callbacks(execute=True):
        response, _ = post(data(world))
    assert response.status_code == 302 and response["Location"].endswith("/merci/")
    candidate = Relais.objects.get(last_name="Garnier")
    assert candidate.status == Relais.Status.CANDIDAT and candidate.organisation == world.org_a
    assert list(candidate.residences.all()) == [world.residence_a1]
    assert set(Consent.objects.filter(relais=candidate, withdrawn_on=None).values_list("scope", flat=True)) == {"email"}
    messages = Message.objects.filter(recipient_relais=candidate)
    assert messages.count() == 1 and messages.get().kind == "candidature"
    outbox.message_send(messages.get().pk)
    assert len(mail.outbox) == 1 and "candidature" in mail.outbox[0].subject
    assert mail.outbox[0].to == ["ines.garnier@example.test"]
    # Staff see them in « À traiter ».
    inbox = login(world.staff_a).get(reverse("inbox:inbox")).content.decode()
    assert "Candidat·es en attente" in inbox and "Inès Garnier" in inbox


def _refused(response, writes, words):
    assert response.status_code in (200, 429)
    assert words in response.content.decode().replace("&#x27;", "'")
    assert not writes, writes.summary()
    assert not Relais.objects.filter(last_name="Garnier").exists()


def test_the_honeypot_is_refused(world, page):
    _refused(*post(data(world, website="http://spam.test")), "n'a pas pu être enregistré")


def test_too_fast_is_refused(world, page):
    _refused(*post(data(world, token=token(world.org_a, age=0.5))), "trop vite")


def test_too_old_is_refused(world, page):
    _refused(*post(data(world, token=token(world.org_a, age=2 * 86400))), "expiré")


def test_a_forged_or_foreign_token_is_refused(world, page):
    _refused(*post(data(world, token="abc:def")), "n'est pas valable")
    _refused(*post(data(world, token=token(world.org_b))), "n'est pas valable")


def test_the_same_token_twice_is_refused(world, page):
    first = data(world)
    assert post(first)[0].status_code == 302
    response, writes = post({**first, "first_name": "Autre"})
    assert "déjà été envoyé" in response.content.decode().replace("&#x27;", "'")
    assert not writes and Relais.objects.filter(last_name="Garnier").count() == 1


def test_over_the_limit_per_address_is_refused(world, page):
    for i in range(antispam.PER_EMAIL[0]):
        assert post(data(world, last_name=f"Garnier{i}"), ip=f"198.51.100.{i}")[0].status_code == 302
    response, writes = post(data(world, last_name="Garnier"), ip="198.51.100.99")
    _refused(response, writes, "Trop de candidatures")
    assert response.status_code == 429


def test_over_the_limit_per_ip_is_refused(world, page):
    for i in range(antispam.PER_IP[0]):
        post(data(world, email=f"voisin{i}@example.test", last_name=f"Voisin{i}"))
    response, writes = post(data(world))
    _refused(response, writes, "Trop de candidatures")


def test_a_closed_form_and_an_unpublished_page_write_nothing(world, page):
    page.accept_candidates = False
    page.save()
    response, writes = post(data(world))
    assert response.status_code == 404 and not writes
    page.published = False
    page.save()
    response, writes = post(data(world))
    assert response.status_code == 404 and not writes


def test_no_contact_means_no_candidate(world, page):
    _refused(*post(data(world, email="")), "adresse e-mail ou un téléphone")
