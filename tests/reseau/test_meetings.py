"""Cross-organisation meetings: a meeting of the network organisation whose
guests come from its members, through the meetings' own machinery."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.models import Message
from reseau import services
from reunions import services as reunions_services
from reunions.models import ActionItem, Invitee, Reunion
from tests.factories import RelaisFactory
from tests.helpers import plan_reunion, text

pytestmark = pytest.mark.django_db


def _comite(world, net, days=10, title="Comité du réseau"):
    start = timezone.now() + datetime.timedelta(days=days)
    return plan_reunion(
        world, start, organisation=net.network, by=net.coordinator, kind="comite", title=title, address="Lyon"
    )


def test_the_coordinator_invites_consenting_relais_and_staff_of_members(world, net, login):
    comite = _comite(world, net)
    quiet = RelaisFactory(organisation=net.org_c, last_name="Discret", consents=[])
    listed = RelaisFactory(organisation=net.org_c, last_name="Volontaire")
    client = login(net.coordinator)
    page = text(client.get(f"/reseau/reunions/{comite.pk}/invites/"))
    assert "Volontaire" in page and "Discret" not in page
    assert "Relais B" not in page  # B is not in the network
    guest_staff = world.staff_a.memberships.get().pk
    response = client.post(
        f"/reseau/reunions/{comite.pk}/invites/", {"relais": [listed.pk, world.relais_a.pk], "staff": [guest_staff]}
    )
    assert response.status_code == 302, text(response)
    assert set(Invitee.objects.filter(reunion=comite).values_list("relais_id", "user_id")) == {
        (listed.pk, None),
        (world.relais_a.pk, None),
        (None, world.staff_a.pk),
    }
    # The meetings' machinery: a convocation each, and their reminders.
    sent = Message.objects.filter(subject_type=ContentType.objects.get_for_model(Reunion), subject_id=comite.pk)
    assert sent.filter(kind="convocation").count() == 3
    assert sent.filter(kind__startswith="rappel-").exists()
    # Those invited leave the list, counted.
    page = text(client.get(f"/reseau/reunions/{comite.pk}/invites/"))
    assert "3 personnes déjà invitées" in page and "Volontaire" not in page
    # A relais who did not agree to be presented cannot be slipped in.
    response = client.post(f"/reseau/reunions/{comite.pk}/invites/", {"relais": [quiet.pk]})
    assert response.status_code == 400
    assert not Invitee.objects.filter(reunion=comite, relais=quiet).exists()


def test_only_the_networks_coordination_invites_its_guests(world, net, login):
    comite = _comite(world, net)
    assert login(world.staff_a).get(f"/reseau/reunions/{comite.pk}/invites/").status_code == 404
    assert login(world.staff_b).post(f"/reseau/reunions/{comite.pk}/invites/", {}).status_code == 404
    assert login(world.relais_user_a).get(f"/reseau/reunions/{comite.pk}/invites/").status_code == 403


def test_an_invited_relais_sees_that_meeting_and_nothing_else_of_the_network(world, net, login):
    comite = _comite(world, net)
    other = _comite(world, net, days=20, title="Réunion entre coordinations")
    relais_c = RelaisFactory(organisation=net.org_c, last_name="Relais de C")
    services.guests_invite(reunion=comite, by=net.coordinator, relais=[world.relais_a, relais_c])
    services.guests_invite(reunion=other, by=net.coordinator, relais=[relais_c])
    client = login(world.relais_user_a)
    mine = text(client.get("/reunions/mes-reunions/"))
    assert "Comité du réseau" in mine and "Réunion entre coordinations" not in mine
    assert client.get(f"/reunions/mes-reunions/{comite.pk}/").status_code == 200
    # They answer it there with one tap, as any invitation.
    invitation = Invitee.objects.get(reunion=comite, relais=world.relais_a)
    client.post("/reunions/mes-reunions/", {"invitee": invitation.pk, "answer": "present"})
    invitation.refresh_from_db()
    assert invitation.answer == "present"
    assert "Invité·e par Réseau régional" in text(client.get("/reunions/mes-reunions/"))
    assert client.get(f"/reunions/mes-reunions/{other.pk}/").status_code == 404
    # Their own invitation only: not C's relais', not the network's other rows.
    assert list(Invitee.objects.for_user(world.relais_user_a).filter(reunion=comite)) == [
        Invitee.objects.get(reunion=comite, relais=world.relais_a)
    ]
    assert not Reunion.objects.for_user(world.relais_user_a).filter(organisation=net.network).exclude(pk=comite.pk)
    # The staff pages of the meeting stay shut to them and to A's staff.
    assert client.get(f"/reunions/{comite.pk}/").status_code == 403
    assert login(world.staff_a).get(f"/reunions/{comite.pk}/").status_code == 404
    # An action given to them at the committee is theirs to read; C's relais' is not.
    mine_action = reunions_services.action_add(
        reunion=comite, by=net.coordinator, title="Diffuser le kit", owner=world.relais_a,
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )  # fmt: skip
    reunions_services.action_add(
        reunion=comite, by=net.coordinator, title="Tenir un stand", owner=relais_c,
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )  # fmt: skip
    assert list(ActionItem.objects.for_user(world.relais_user_a)) == [mine_action]


def test_the_minutes_reach_the_invited_relais_in_their_space(world, net, login):
    start = timezone.now() - datetime.timedelta(days=2)
    comite = plan_reunion(
        world, start, organisation=net.network, by=net.coordinator, kind="comite", title="Comité", address="Lyon"
    )
    Invitee.objects.create(reunion=comite, relais=world.relais_a)
    reunions_services.minutes_save(
        reunion=comite, agenda="Point des accompagnateurs", minutes="Douze actions de sensibilisation.", decisions=""
    )
    reunions_services.minutes_publish(reunion=comite, by=net.coordinator)
    page = text(login(world.relais_user_a).get(f"/reunions/mes-reunions/{comite.pk}/"))
    assert "Douze actions de sensibilisation." in page


def test_a_relais_of_a_network_outsider_cannot_be_invited(world, net):
    comite = _comite(world, net)
    with pytest.raises(Exception, match="n'appartient pas"):
        services.guests_invite(reunion=comite, by=net.coordinator, relais=[world.relais_b])
    assert not Invitee.objects.filter(reunion=comite).exists()
    # A member's own meeting invites no one of another member.
    own = plan_reunion(world, timezone.now() + datetime.timedelta(days=3), title="Réunion de A", address="Mairie")
    relais_c = RelaisFactory(organisation=net.org_c)
    with pytest.raises(Exception, match="réseau"):
        services.guests_invite(reunion=own, by=world.staff_a, relais=[relais_c])
