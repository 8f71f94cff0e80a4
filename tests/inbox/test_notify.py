"""Staff told of what waits as each chose: at once, a daily digest, or never;
through the outbox, once."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from core.models import Membership, Message, Notify
from core.outbox import dispatch
from engagement.models import LastSeen
from engagement.selectors import at_risk
from inbox import services as inbox
from initiatives import services as initiatives
from initiatives.models import Initiative, InitiativeKind
from remontees import services as remontees
from tests.factories import ActivityFactory, ContactLogFactory
from tests.helpers import raise_remontee, text

pytestmark = pytest.mark.django_db


def _choose(user, org, mode):
    Membership.objects.filter(user=user, organisation=org).update(notify=mode)


def test_a_remontee_from_a_phone_tells_at_once_who_asked_and_only_once(world):
    _choose(world.staff_a, world.org_a, Notify.AT_ONCE)
    raise_remontee(world)
    mail.outbox.clear()
    dispatch()
    dispatch()  # a second beat finds it sent
    assert [m.to for m in mail.outbox] == [[world.staff_a.email]]
    assert "nouvelle remontée" in mail.outbox[0].subject
    assert "L'ascenseur du bâtiment B est en panne" in mail.outbox[0].body and "/remontees/" in mail.outbox[0].body
    # The admin kept the daily digest, the agency and organisation B hear nothing at once.
    assert not Message.objects.filter(kind__startswith="a_traiter", recipient_user=world.admin_a).exists()


def test_agency_staff_are_told_of_their_quartiers_only(world):
    _choose(world.agency_a, world.org_a, Notify.AT_ONCE)
    raise_remontee(world, residence=world.residence_a2, description="Hors agence")
    assert not Message.objects.filter(recipient_user=world.agency_a).exists()
    raise_remontee(world, residence=world.residence_a1, description="Dans l'agence")
    assert Message.objects.filter(recipient_user=world.agency_a, kind="a_traiter-nouvelle").count() == 1


def test_a_remontee_answered_before_the_message_leaves_is_not_told(world):
    _choose(world.staff_a, world.org_a, Notify.AT_ONCE)
    remontee = raise_remontee(world)
    remontees.remontee_set_status(remontee=remontee, status="en_cours", by=world.admin_a, comment="On regarde")
    mail.outbox.clear()
    dispatch()
    assert not [m for m in mail.outbox if m.to == [world.staff_a.email]]


def test_a_reopening_nobody_follows_is_told_to_who_asked(world):
    _choose(world.staff_a, world.org_a, Notify.AT_ONCE)
    remontee = raise_remontee(world)
    remontees.remontee_set_status(remontee=remontee, status="resolue", by=world.admin_a, comment="Réparé")
    remontees.remontee_reopen(remontee=remontee, by=world.relais_user_a, comment="Encore en panne")
    mail.outbox.clear()
    dispatch()
    assert [m.subject for m in mail.outbox if m.to == [world.staff_a.email]] == [
        "À traiter : remontée rouverte par le relais"
    ]


def test_a_proposal_and_requests_from_relais_are_told(world):
    _choose(world.staff_a, world.org_a, Notify.AT_ONCE)
    initiative = initiatives.initiative_save(
        organisation=world.org_a,
        by=world.relais_user_a,
        kind=InitiativeKind.objects.filter(organisation=world.org_a).first(),
        title="Repas partagé",
        starts_on=datetime.date(2027, 5, 20),
        residences=[world.residence_a1],
        organisers=[world.relais_a],
        status=Initiative.Status.IDEE,
    )
    initiatives.grant_request(
        initiative=initiative,
        by=world.relais_user_a,
        objectives="Un repas",
        expected_participants=30,
        amount_requested=120,
    )
    mail.outbox.clear()
    dispatch()
    subjects = sorted(m.subject for m in mail.outbox if m.to == [world.staff_a.email])
    assert subjects == ["À traiter : demande de subvention", "À traiter : initiative proposée"]
    assert "120\u00a0€ pour" in " ".join(m.body for m in mail.outbox)


def test_the_daily_digest_goes_once_to_who_chose_it_and_only_with_something_waiting(world):
    raise_remontee(world)
    ContactLogFactory(relais=world.relais_b, organisation=world.org_b, date=timezone.localdate())
    # Relais B keeps going (engagement's « relais at risk »): nothing waits in organisation B.
    ActivityFactory(relais=world.relais_b, date=timezone.localdate())
    LastSeen.objects.create(relais=world.relais_b, seen_on=timezone.localdate())
    _choose(world.staff_a, world.org_a, Notify.NEVER)
    now = timezone.now()
    expected = Membership.objects.filter(role__in=("admin", "staff"), notify=Notify.DAILY).count()
    assert inbox.digest_schedule(now=now) == expected
    assert inbox.digest_schedule(now=now) == expected  # the same rows, not new ones
    mail.outbox.clear()
    dispatch(now=now)
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == sorted([world.admin_a.email, world.agency_a.email])
    body = next(m.body for m in mail.outbox if m.to == [world.admin_a.email])
    drifting = at_risk(world.admin_a).filter(status="actif").count()
    assert "Remontées nouvelles : 1" in body and f"Relais qui s'éloignent : {drifting}" in body
    # Organisation B has nothing waiting: its staff get no mail.
    assert Message.objects.get(recipient_user=world.staff_b).state == Message.State.CANCELLED
    assert not Message.objects.filter(recipient_user=world.staff_a, kind__startswith="resume").exists()


def test_a_staff_member_chooses_how_to_be_told(world, login):
    client = login(world.staff_a)
    page = client.get("/a-traiter/preferences/")
    assert "Un résumé par jour" in text(page)
    client.post("/a-traiter/preferences/", {"notify": "aussitot"})
    assert Membership.objects.get(user=world.staff_a).notify == Notify.AT_ONCE
    response = client.post("/a-traiter/preferences/", {"notify": "toutes-les-heures"})
    assert "Sélectionnez un choix valide" in text(response)
    assert Membership.objects.get(user=world.staff_a).notify == Notify.AT_ONCE
    assert login(world.partner_a).post("/a-traiter/preferences/", {"notify": "jamais"}).status_code == 403
