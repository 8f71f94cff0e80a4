"""Names in the minutes follow the consents: an action's owner is named to
partners and to other relais only if that relais consented to be presented
(« annuaire »); otherwise « un·e relais de <résidence> ». The next meeting's
agenda points at the action and copies no name."""

import datetime
import io

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from core.consents import consent_give, consent_withdraw
from core.models import Consent, Membership
from core.outbox import dispatch
from reunions import services
from reunions.models import AgendaItem
from tests.factories import InviteeFactory, MembershipFactory, RelaisFactory, UserFactory
from tests.helpers import plan_reunion, text

pytestmark = pytest.mark.django_db

ANNUAIRE = Consent.Scope.ANNUAIRE


def publish(reunion, capture):
    services.minutes_save(reunion=reunion, agenda="Accueil", minutes="Nous avons parlé de l'ascenseur.", decisions="")
    mail.outbox.clear()
    with capture(execute=True):
        services.minutes_publish(reunion=reunion, by=None)
    dispatch(now=timezone.now())
    return {letter.to[0]: letter for letter in mail.outbox}


def page_from(letter) -> str:
    link = next(word for word in letter.body.split() if "/reunions/compte-rendu/" in word)
    return text(Client().get(link.split("testserver", 1)[-1]))


def test_an_owner_who_withdrew_the_consent_is_not_named_to_partners_nor_other_relais(
    world, django_capture_on_commit_callbacks
):
    owner = world.relais_a  # « Diallo », of Les Tilleuls
    neighbour = RelaisFactory(organisation=world.org_a, residences=[world.residence_a1])
    today = timezone.localdate()
    consent_withdraw(owner, [ANNUAIRE], on=today, by=None)
    now = timezone.now()

    def meeting(start, **fields):
        reunion = plan_reunion(world, start, by=None, address="Mairie", **fields)
        for relais in (owner, neighbour):
            InviteeFactory(reunion=reunion, relais=relais)
        for user in (world.partner_a, world.staff_a):
            InviteeFactory(reunion=reunion, relais=None, user=user)
        return reunion

    first = meeting(now - datetime.timedelta(days=10), title="Thématique : ascenseurs")
    services.action_add(
        reunion=first, by=None, title="Afficher le numéro", owner=owner, due_on=today + datetime.timedelta(days=30)
    )
    letters = publish(first, django_capture_on_commit_callbacks)
    assert set(letters) == {owner.email, neighbour.email, world.partner_a.email, world.staff_a.email}
    for reader in (world.partner_a.email, neighbour.email):
        assert "Diallo" not in letters[reader].body
        page = page_from(letters[reader])
        assert "Afficher le numéro — un·e relais de Les Tilleuls" in page and "Diallo" not in page, reader
    # The relais themselves and staff see the name.
    for reader in (owner.email, world.staff_a.email):
        assert f"Afficher le numéro — {owner}" in page_from(letters[reader])

    # The next meeting's agenda stores the action, not the name.
    second = meeting(now - datetime.timedelta(days=1), title="Thématique : suite", previous=first)
    (carried,) = AgendaItem.objects.filter(reunion=second)
    assert carried.title == "Suivi : Afficher le numéro" and carried.action.owner_relais == owner
    letters = publish(second, django_capture_on_commit_callbacks)
    for reader in (world.partner_a.email, neighbour.email):
        page = page_from(letters[reader])
        assert "Suivi : Afficher le numéro (un·e relais de Les Tilleuls" in page and "Diallo" not in page, reader
    assert f"Suivi : Afficher le numéro ({owner}" in page_from(letters[world.staff_a.email])

    # Consent given again: named to everyone, on the pages already sent.
    consent_give(owner, [ANNUAIRE], on=today, by=None)
    assert f"Suivi : Afficher le numéro ({owner}" in page_from(letters[world.partner_a.email])


def test_another_relais_reading_past_minutes_in_mes_reunions_and_the_pdf_sees_no_withheld_name(world, login):
    """« Mes réunions » and the PDF read the minutes as the relais' own
    invitation does: a relais who withdrew the consent is not named there."""
    owner = world.relais_a
    neighbour_user = UserFactory(email="voisine@a.test")
    MembershipFactory(user=neighbour_user, organisation=world.org_a, role=Membership.Role.RELAIS)
    neighbour = RelaisFactory(organisation=world.org_a, user=neighbour_user, residences=[world.residence_a1])
    today = timezone.localdate()
    consent_withdraw(owner, [ANNUAIRE], on=today, by=None)
    reunion = plan_reunion(world, timezone.now() - datetime.timedelta(days=5), by=None, address="Mairie")
    for relais in (owner, neighbour):
        InviteeFactory(reunion=reunion, relais=relais)
    services.minutes_save(reunion=reunion, agenda="Accueil", minutes="Le hall.", decisions="")
    services.action_add(
        reunion=reunion, by=None, title="Afficher le numéro", owner=owner, due_on=today + datetime.timedelta(days=9)
    )
    services.minutes_publish(reunion=reunion, by=None)

    client = login(neighbour_user)
    page = text(client.get(f"/reunions/mes-reunions/{reunion.pk}/"))
    assert "Afficher le numéro — un·e relais de Les Tilleuls" in page and "Diallo" not in page
    pdf = client.get(f"/reunions/{reunion.pk}/compte-rendu.pdf")
    content = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "un·e relais de Les Tilleuls" in content and "Diallo" not in content
    # The owner reads their own name.
    assert "Diallo" in text(login(world.relais_user_a).get(f"/reunions/mes-reunions/{reunion.pk}/"))
