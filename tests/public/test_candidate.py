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


def post(payload, ip="203.0.113.7", **headers):
    with DataWrites() as writes:
        response = Client(REMOTE_ADDR=ip, **headers).post(URL, payload)
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


def _fill_quota(world, **headers):
    for i in range(antispam.PER_IP[0]):
        assert (
            post(data(world, email=f"voisin{i}@example.test", last_name=f"Voisin{i}"), **headers)[0].status_code == 302
        )


def test_a_forged_forwarded_address_is_ignored_without_a_trusted_proxy(world, page, settings):
    """With no proxy declared, X-Forwarded-For is whatever the client wrote: a
    robot changing it at each post is still one address."""
    settings.TRUSTED_PROXY_COUNT = 0
    for i in range(antispam.PER_IP[0]):
        post(data(world, email=f"voisin{i}@example.test", last_name=f"Voisin{i}"), HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    response, writes = post(data(world), HTTP_X_FORWARDED_FOR="10.0.0.99")
    _refused(response, writes, "Trop de candidatures")


def test_behind_the_proxy_neighbours_are_told_apart_by_their_own_address(world, page, settings):
    """Behind one proxy every request comes from the proxy's address: the limit
    counts the client's address the proxy appended, never what the client wrote
    further left."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "172.18.0.5"
    _fill_quota(world, ip=proxy, HTTP_X_FORWARDED_FOR="192.0.2.1")
    # The same neighbour again, even claiming another address in front: refused.
    response, writes = post(data(world), ip=proxy, HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.1")
    _refused(response, writes, "Trop de candidatures")
    # Another neighbour through the same proxy: welcome.
    assert post(data(world), ip=proxy, HTTP_X_FORWARDED_FOR="192.0.2.2")[0].status_code == 302


def test_the_client_address_is_read_as_many_places_from_the_right_as_there_are_proxies(settings, rf):
    from core.security import client_ip

    def ip(header, remote="172.18.0.5"):
        meta = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": header} if header is not None else {})
        return client_ip(rf.get("/", **meta))

    settings.TRUSTED_PROXY_COUNT = 0
    assert ip("10.0.0.1") == "172.18.0.5"
    settings.TRUSTED_PROXY_COUNT = 1
    assert ip("10.0.0.1, 192.0.2.1") == "192.0.2.1"
    assert ip(None) == "172.18.0.5"  # straight to gunicorn (the container's health check)
    assert ip("pas une adresse") == "172.18.0.5"
    assert ip(" 2001:db8::1 ") == "2001:db8::1"
    settings.TRUSTED_PROXY_COUNT = 2
    assert ip("10.0.0.1, 192.0.2.1, 172.18.0.9") == "192.0.2.1"
    assert ip("192.0.2.1") == "192.0.2.1"  # fewer entries than proxies: the left-most


def test_an_ipv6_client_counts_as_its_64(world, page):
    for i in range(antispam.PER_IP[0]):
        post(data(world, email=f"voisin{i}@example.test", last_name=f"Voisin{i}"), ip=f"2001:db8:1:2::{i + 1}")
    response, writes = post(data(world), ip="2001:db8:1:2:ffff::1")
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
