"""Remontées handed to the services who act, and what the relais hear back."""

import datetime
import io
import re
import time

import pytest
from django.core import mail, signing
from django.utils import timezone

from core.models import Membership, Message, Notify
from core.outbox import dispatch
from remontees import services
from remontees.models import HandOff, Remontee, Service, Theme
from tests.conftest import MARKER
from tests.factories import ServiceFactory
from tests.helpers import photo, raise_remontee, text

pytestmark = pytest.mark.django_db


def _hand(world, remontee, login, service=None, note="Code du local : 1234", days=7):
    service = service or ServiceFactory(organisation=world.org_a, name="Ascenseurs Dupont", email="sav@dupont.test")
    client = login(world.staff_a)
    due = timezone.localdate() + datetime.timedelta(days=days)
    client.post(
        f"/remontees/{remontee.pk}/transmettre/", {"service": service.pk, "due_on": due.isoformat(), "note": note}
    )
    return HandOff.objects.get(remontee=remontee, service=service)


def _link(message) -> str:
    return re.search(r"http://[^\s]+/remontees/service/[^\s]+/", message.body).group(0).split("8000", 1)[1]


def test_a_service_gets_a_link_without_the_relais_name_and_says_it_is_done(world, login, client):
    remontee = raise_remontee(world)
    handoff = _hand(world, remontee, login)
    remontee.refresh_from_db()
    assert remontee.status == Remontee.Status.EN_COURS
    mail.outbox.clear()
    dispatch()
    to_service = [m for m in mail.outbox if m.to == ["sav@dupont.test"]]
    assert len(to_service) == 1
    body = to_service[0].body
    assert "L'ascenseur du bâtiment B est en panne" in body and "Code du local : 1234" in body
    assert "Diallo" not in body and world.relais_a.email not in body
    url = _link(to_service[0])
    page = client.get(url)
    assert page.status_code == 200
    shown = text(page)
    assert "L'ascenseur du bâtiment B" in shown and "Les Tilleuls" in shown
    assert "Diallo" not in shown and world.relais_a.email not in shown and "PERSO-A" not in shown

    mail.outbox.clear()
    response = client.post(url, {"outcome": "fait", "answer": "Carte électronique changée", "photo": photo()})
    assert response.status_code == 302
    assert "Merci" in text(client.get(response["Location"]))
    handoff.refresh_from_db()
    remontee.refresh_from_db()
    assert handoff.outcome == HandOff.Outcome.FAIT and handoff.photo
    assert remontee.status == Remontee.Status.A_CONFIRMER and remontee.closed_at is not None
    assert remontee.status_reason == "Carte électronique changée"
    dispatch()
    to_relais = [m for m in mail.outbox if m.to == [world.relais_a.email]]
    assert len(to_relais) == 1 and "résolue — à confirmer" in to_relais[0].subject
    # The internal note never reaches the relais.
    assert "1234" not in to_relais[0].body
    relais = login(world.relais_user_a)
    assert "1234" not in text(relais.get(f"/remontees/{remontee.pk}/"))
    home = text(relais.get("/espace/"))
    assert "Résolue — à confirmer" in home and "Carte électronique changée" in home

    # The link has served: used again, it changes nothing and says so.
    again = client.post(url, {"outcome": "hors_ressort", "answer": "Non"})
    assert "Ce lien a déjà servi" in text(again)
    handoff.refresh_from_db()
    assert handoff.outcome == HandOff.Outcome.FAIT and handoff.answer == "Carte électronique changée"

    # The relais confirms from the home page.
    relais.post(f"/remontees/{remontee.pk}/confirmer/", {"next": "espace"})
    remontee.refresh_from_db()
    assert remontee.status == Remontee.Status.RESOLUE
    assert remontee.events.filter(kind="confirmee").count() == 1


def test_the_relais_may_reopen_instead_of_confirming(world, login):
    remontee = raise_remontee(world)
    handoff = _hand(world, remontee, login)
    services.handoff_answer(handoff=handoff, outcome="fait", answer="Réparé")
    _choose = Membership.objects.filter(user=world.staff_a)
    _choose.update(notify=Notify.AT_ONCE)
    login(world.relais_user_a).post(f"/remontees/{remontee.pk}/rouvrir/", {"comment": "Toujours en panne"})
    remontee.refresh_from_db()
    assert remontee.status == Remontee.Status.EN_COURS and remontee.closed_at is None
    assert Message.objects.filter(recipient_user=world.staff_a, kind__startswith="a_traiter-rouverte").count() == 1
    assert "Remontées rouvertes par le relais (1)" in text(login(world.staff_a).get("/a-traiter/"))


def test_not_our_job_goes_back_to_the_team_and_the_inbox(world, login, client):
    remontee = raise_remontee(world)
    handoff = _hand(world, remontee, login)
    url = f"/remontees/service/{services.handoff_token(handoff)}/"
    # « Pas de notre ressort » needs a word of why.
    assert "pourquoi ce n'est pas de votre ressort" in text(client.post(url, {"outcome": "hors_ressort"}))
    handoff.refresh_from_db()
    assert handoff.outcome == HandOff.Outcome.EN_ATTENTE
    client.post(url, {"outcome": "hors_ressort", "answer": "C'est la copropriété voisine"})
    handoff.refresh_from_db()
    remontee.refresh_from_db()
    assert handoff.outcome == HandOff.Outcome.HORS_RESSORT and remontee.status == Remontee.Status.EN_COURS
    inbox = text(login(world.staff_a).get("/a-traiter/"))
    assert "Remontées renvoyées par un service (1)" in inbox and "copropriété voisine" in inbox
    # Handed on to another service, it leaves that list.
    _hand(world, remontee, login, service=ServiceFactory(organisation=world.org_a, name="Syndic"))
    assert "Remontées renvoyées par un service" not in text(login(world.staff_a).get("/a-traiter/"))


@pytest.mark.parametrize("how", ["forged", "altered", "expired", "unknown"])
def test_a_bad_link_changes_nothing_and_says_why_in_french(world, login, client, how, monkeypatch):
    remontee = raise_remontee(world)
    handoff = _hand(world, remontee, login)
    token = services.handoff_token(handoff)
    if how == "forged":
        token = signing.dumps(handoff.pk, salt="autre chose", compress=True)
    elif how == "altered":
        token = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    elif how == "unknown":
        token = services.handoff_token(HandOff(pk=999_999))
    elif how == "expired":  # a link made LINK_DAYS + 1 days ago
        past = time.time() - (services.LINK_DAYS + 1) * 86400
        monkeypatch.setattr(signing.time, "time", lambda: past)
        token = services.handoff_token(handoff)
        monkeypatch.undo()
    url = f"/remontees/service/{token}/"
    assert client.get(url).status_code == 400
    response = client.post(url, {"outcome": "fait", "answer": "ok"})
    assert response.status_code == 400
    body = text(response)
    assert any(w in body for w in ("a expiré", "n'est pas valide", "n'existe plus")) and "Rien n'a été modifié" in body
    assert MARKER not in body
    handoff.refresh_from_db()
    assert handoff.outcome == HandOff.Outcome.EN_ATTENTE


def test_overdue_hand_offs_are_reminded_once_a_day_and_listed_in_the_inbox(world, login):
    remontee = raise_remontee(world)
    handoff = _hand(world, remontee, login)
    HandOff.objects.filter(pk=handoff.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=2))
    now = timezone.now()
    assert services.handoffs_daily(now=now)["reminded"] == 1
    assert services.handoffs_daily(now=now)["reminded"] == 1  # the same row, not another
    mail.outbox.clear()
    dispatch(now=now)
    reminders = [m for m in mail.outbox if m.subject.startswith("Rappel")]
    assert len(reminders) == 1 and reminders[0].to == ["sav@dupont.test"]
    assert Message.objects.filter(kind__startswith="relance").count() == 1
    assert "Remontées en retard chez un service (1)" in text(login(world.staff_a).get("/a-traiter/"))


def test_unconfirmed_after_14_days_closes_as_resolved(world, login):
    remontee = raise_remontee(world)
    handoff = _hand(world, remontee, login)
    services.handoff_answer(handoff=handoff, outcome="fait")
    remontee.refresh_from_db()
    said_done = remontee.closed_at
    assert services.handoffs_daily(now=said_done + datetime.timedelta(days=13))["closed"] == 0
    assert services.handoffs_daily(now=said_done + datetime.timedelta(days=14, minutes=1))["closed"] == 1
    remontee.refresh_from_db()
    assert remontee.status == Remontee.Status.RESOLUE and remontee.closed_at == said_done


def test_the_board_shows_delays_per_service(world, login):
    remontee = raise_remontee(world)
    handoff = _hand(world, remontee, login)
    services.handoff_answer(handoff=handoff, outcome="fait", answer="Fait")
    board = text(login(world.staff_a).get("/remontees/"))
    assert "Délais par service" in board and "Ascenseurs Dupont" in board


def test_staff_keep_a_directory_of_services(world, login):
    client = login(world.staff_a)
    client.post("/remontees/services/", {"name": "Propreté", "kind": "interne", "email": "proprete@a.test"})
    service = Service.objects.get(name="Propreté")
    assert service.mailbox.email == "proprete@a.test" and not service.mailbox.is_active
    response = client.post("/remontees/services/", {"name": "propreté", "kind": "interne", "email": "x@a.test"})
    assert "Un service porte déjà ce nom." in text(response)
    assert Service.objects.count() == 1
    client.post("/remontees/services/", {"toggle": service.pk})
    service.refresh_from_db()
    assert not service.is_active


def test_a_hand_off_refuses_a_past_date_or_another_organisations_service(world, login):
    remontee = raise_remontee(world)
    client = login(world.staff_a)
    mine = ServiceFactory(organisation=world.org_a)
    theirs = ServiceFactory(organisation=world.org_b)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        f"/remontees/{remontee.pk}/transmettre/", {"service": mine.pk, "due_on": yesterday}, follow=True
    )
    assert "La date souhaitée ne peut pas être passée." in text(response)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        f"/remontees/{remontee.pk}/transmettre/", {"service": theirs.pk, "due_on": tomorrow}, follow=True
    )
    assert "Choisissez un service et une date à venir." in text(response)
    assert not HandOff.objects.exists()


def _pdf_text(response) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_residence_page_and_its_hall_poster_show_each_current_answer(world, login):
    remontee = raise_remontee(world)
    handoff = _hand(world, remontee, login)
    services.handoff_answer(handoff=handoff, outcome="fait", answer="Carte électronique changée")
    other = raise_remontee(world, description="Les poubelles débordent")
    services.remontee_set_status(remontee=other, status="en_cours", by=world.staff_a, comment="Passage demandé")
    # Another relais' remontée of the same residence shows too, without their name.
    services.remontee_create(
        organisation=world.org_a,
        by=world.staff_a,
        residence=world.residence_a1,
        relais=world.relais_a2,
        theme=Theme.objects.filter(organisation=world.org_a).first(),
        description="Éclairage du parking",
        source="visite",
    )
    relais = login(world.relais_user_a)
    page = text(relais.get(f"/remontees/residence/{world.residence_a1.pk}/"))
    assert "Carte électronique changée" in page and "Passage demandé" in page and "Éclairage du parking" in page
    assert "PERSO-A2" not in page and "Diallo" not in page
    poster = relais.get(f"/remontees/residence/{world.residence_a1.pk}/affiche.pdf")
    assert poster["Content-Type"] == "application/pdf"
    read = _pdf_text(poster)
    assert "Vous avez dit, nous avons fait" in read and "Carte électronique changée" in read
    assert "Passage demandé" in read
    # Reopened: the answer that closed it is no longer shown as current.
    services.remontee_reopen(remontee=remontee, by=world.relais_user_a, comment="Toujours en panne")
    read = _pdf_text(relais.get(f"/remontees/residence/{world.residence_a1.pk}/affiche.pdf"))
    assert "Carte électronique changée" not in read
    # Another residence's page is not theirs.
    assert relais.get(f"/remontees/residence/{world.residence_a2.pk}/").status_code == 404
    assert relais.get(f"/remontees/residence/{world.residence_a2.pk}/affiche.pdf").status_code == 404
