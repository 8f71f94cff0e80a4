"""Meetings as staff use them at 1366×900: a date in the past must be said to
be one, a meeting to come offers no attendance and no publication, and the
invitation says what goes out by which channel, with paper letters to print."""

import datetime

import pytest
from django.utils import timezone

from relais.models import Relais
from tests.browser.conftest import log_in, screenshot
from tests.factories import RelaisFactory
from tests.helpers import plan_reunion

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_each_meeting_action_only_when_it_makes_sense(world, live_server, desktop):
    log_in(desktop, live_server, world.staff_a)
    desktop.goto(live_server.url + "/reunions/nouvelle/")
    desktop.get_by_label("Titre").fill("Plénière de printemps")
    desktop.get_by_label("Date").fill((timezone.localdate() - datetime.timedelta(days=7)).isoformat())
    desktop.get_by_label("Début").fill("18:00")
    desktop.get_by_label("Fin").fill("20:00")
    desktop.get_by_label("ou une adresse").fill("Mairie annexe")
    desktop.get_by_role("button", name="Enregistrer").click()
    assert desktop.locator(".has-error").filter(has_text="Cette date est passée").is_visible()
    desktop.get_by_label("Elle a déjà eu lieu").check()
    desktop.get_by_role("button", name="Enregistrer").click()
    assert "La réunion passée est enregistrée : notez qui est venu." in desktop.inner_text(".messages")
    assert desktop.get_by_role("link", name="Inviter", exact=True).count() == 0
    assert desktop.get_by_role("button", name="Ajouter aux présents").is_visible()
    screenshot(desktop, "staff-reunion-passee")

    Relais.objects.filter(organisation=world.org_a).update(status="actif")
    RelaisFactory(organisation=world.org_a, status="actif", preferred_channel="papier", last_name="Papier")
    coming = plan_reunion(world, timezone.now() + datetime.timedelta(weeks=6), address="Mairie", title="Thématique")
    desktop.goto(live_server.url + f"/reunions/{coming.pk}/inviter/")
    # The relais to pick from: a list that a few letters (without accents) narrow down.
    relais_box = desktop.locator("#id_relais-box")
    search = desktop.locator("input[data-filter=id_relais]")
    search.fill("papier")
    visible = [t.strip() for t in relais_box.locator("label:visible").all_inner_texts()]
    assert visible == ["Nadia Papier"] or (len(visible) == 1 and "Papier" in visible[0]), visible
    search.fill("")
    desktop.get_by_label("Tous les relais actifs").check()
    desktop.get_by_role("button", name="Voir la liste avant l'envoi").click()
    assert "sur papier" in desktop.locator("h2").filter(has_text="à inviter").inner_text()
    desktop.get_by_role("button", name="Envoyer les invitations").click()
    message = desktop.inner_text(".messages")
    assert "personnes invitées" in message and "par e-mail" in message and "1 sur papier" in message
    assert desktop.get_by_role("button", name="Marquer présent·e").count() == 0
    assert "Les présences se notent à partir du jour de la réunion" in desktop.inner_text("#presences")
    screenshot(desktop, "staff-reunion-a-venir")
    desktop.get_by_role("link", name="invitations papier à imprimer").click()
    assert "Papier" in desktop.inner_text("main")
    desktop.goto(live_server.url + f"/reunions/{coming.pk}/compte-rendu/")
    assert desktop.get_by_role("link", name="Publier le compte-rendu").count() == 0
