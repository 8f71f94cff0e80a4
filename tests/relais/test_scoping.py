"""ScopedQuerySet.for_user / get_for_user, role by role, on the models views read."""

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.access import access_for
from core.models import Membership
from core.scoping import crosses_many
from relais.models import ContactLog, Quartier, Relais, RelaisStatusChange, Residence
from tests.factories import ContactLogFactory, RelaisResidenceFactory, ResidenceFactory, UserFactory

pytestmark = pytest.mark.django_db


def pks(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


# Staff of organisation A: everything of A, nothing of B.


def test_staff_sees_all_of_its_organisation_and_nothing_of_the_other(world):
    user = world.staff_a
    assert pks(Residence.objects.for_user(user)) == {world.residence_a1.pk, world.residence_a2.pk}
    assert pks(Relais.objects.for_user(user)) == {world.relais_a.pk, world.relais_a2.pk}
    assert pks(Quartier.objects.for_user(user)) == {world.q1.pk, world.q2.pk}
    assert pks(ContactLog.objects.for_user(user)) == pks(ContactLog.objects.filter(organisation=world.org_a))
    assert pks(Membership.objects.for_user(user)) == pks(Membership.objects.filter(organisation=world.org_a))
    assert len(pks(Membership.objects.for_user(user))) == 5  # admin, staff, agency, partner, relais


def test_staff_of_b_sees_only_b(world):
    user = world.staff_b
    assert pks(Residence.objects.for_user(user)) == {world.residence_b.pk}
    assert pks(Relais.objects.for_user(user)) == {world.relais_b.pk}
    assert pks(Quartier.objects.for_user(user)) == {world.qb.pk}
    assert pks(ContactLog.objects.for_user(user)) == set()
    assert {m.user for m in Membership.objects.for_user(user)} == {world.staff_b}


def test_admin_sees_like_staff(world):
    assert pks(Relais.objects.for_user(world.admin_a)) == {world.relais_a.pk, world.relais_a2.pk}
    assert pks(Residence.objects.for_user(world.admin_a, write=True)) == {
        world.residence_a1.pk,
        world.residence_a2.pk,
    }


# Agency staff: staff limited to quartier 1.


def test_agency_staff_sees_only_its_quartiers_rows(world):
    user = world.agency_a
    contact_a2 = ContactLogFactory(relais=world.relais_a2, note="hors agence")
    assert pks(Residence.objects.for_user(user)) == {world.residence_a1.pk}
    assert pks(Relais.objects.for_user(user)) == {world.relais_a.pk}
    assert pks(Quartier.objects.for_user(user)) == {world.q1.pk}
    contacts = pks(ContactLog.objects.for_user(user))
    assert contacts and contact_a2.pk not in contacts
    assert pks(RelaisStatusChange.objects.for_user(user)) == pks(
        RelaisStatusChange.objects.filter(relais=world.relais_a)
    )
    # The team is not split by quartier.
    assert pks(Membership.objects.for_user(user)) == pks(Membership.objects.filter(organisation=world.org_a))


def test_a_relais_in_both_quartiers_shows_once_to_the_agency(world):
    world.relais_a.residences.add(ResidenceFactory(organisation=world.org_a, quartier=world.q1))
    assert list(Relais.objects.for_user(world.agency_a)) == [world.relais_a]


# Partner: figures, not people.


def test_partner_reads_residences_and_quartiers_but_no_people(world):
    user = world.partner_a
    assert pks(Residence.objects.for_user(user)) == {world.residence_a1.pk, world.residence_a2.pk}
    assert pks(Quartier.objects.for_user(user)) == {world.q1.pk, world.q2.pk}
    assert pks(Relais.objects.for_user(user)) == set()
    assert pks(ContactLog.objects.for_user(user)) == set()
    assert pks(Membership.objects.for_user(user)) == set()


def test_partner_writes_nothing(world):
    assert pks(Residence.objects.for_user(world.partner_a, write=True)) == set()
    with pytest.raises(PermissionDenied):
        Residence.objects.get_for_user(world.partner_a, world.residence_a1.pk, write=True)
    # Reading the same row is fine.
    assert Residence.objects.get_for_user(world.partner_a, world.residence_a1.pk) == world.residence_a1


# Relais with a login: its own row and its own residences.


def test_relais_reads_only_its_own_row_and_residences(world):
    user = world.relais_user_a
    assert pks(Relais.objects.for_user(user)) == {world.relais_a.pk}
    assert pks(Residence.objects.for_user(user)) == {world.residence_a1.pk}
    assert pks(ContactLog.objects.for_user(user)) == set()  # staff notes stay with staff
    assert pks(Membership.objects.for_user(user)) == pks(Membership.objects.filter(user=user))
    assert pks(Relais.objects.for_user(user, write=True)) == set()


# get_for_user: one door per object.


@pytest.mark.parametrize(
    "model, attr",
    [(Residence, "residence_b"), (Relais, "relais_b"), (Quartier, "qb")],
)
def test_get_for_user_is_404_outside_the_organisation(world, model, attr):
    with pytest.raises(Http404):
        model.objects.get_for_user(world.staff_a, getattr(world, attr).pk)


def test_get_for_user_is_404_outside_the_agency_quartiers(world):
    with pytest.raises(Http404):
        Residence.objects.get_for_user(world.agency_a, world.residence_a2.pk)
    with pytest.raises(Http404):
        Relais.objects.get_for_user(world.agency_a, world.relais_a2.pk)
    assert Relais.objects.get_for_user(world.agency_a, world.relais_a.pk, write=True) == world.relais_a


@pytest.mark.parametrize("pk", ["abc", "", None, "1.5", 10**12])
def test_get_for_user_is_404_for_a_pk_that_is_not_one(world, pk):
    with pytest.raises(Http404):
        Residence.objects.get_for_user(world.staff_a, pk)


def test_get_for_user_is_404_for_a_partner_reading_a_relais(world):
    with pytest.raises(Http404):
        Relais.objects.get_for_user(world.partner_a, world.relais_a.pk)


def test_relais_cannot_open_another_relais(world):
    with pytest.raises(Http404):
        Relais.objects.get_for_user(world.relais_user_a, world.relais_a2.pk)
    with pytest.raises(PermissionDenied):
        Relais.objects.get_for_user(world.relais_user_a, world.relais_a.pk, write=True)


# Users outside every organisation.


def test_superuser_without_membership_administers_the_first_organisation(world):
    root = UserFactory(email="root@example.test", is_superuser=True, is_staff=True)
    access = access_for(root)
    assert access.organisation == world.org_a  # "Habitat A" comes first by name
    assert access.is_admin
    assert pks(Residence.objects.for_user(root)) == {world.residence_a1.pk, world.residence_a2.pk}
    assert Relais.objects.get_for_user(root, world.relais_a.pk, write=True) == world.relais_a
    with pytest.raises(Http404):
        Relais.objects.get_for_user(root, world.relais_b.pk)


def test_user_without_membership_sees_nothing(world):
    nobody = UserFactory(email="personne@example.test")
    assert pks(Residence.objects.for_user(nobody)) == set()
    assert pks(Quartier.objects.for_user(nobody)) == set()
    with pytest.raises(Http404):
        Residence.objects.get_for_user(nobody, world.residence_a1.pk)


def test_inactive_user_sees_nothing(world):
    world.staff_a.is_active = False
    world.staff_a.save()
    assert pks(Residence.objects.for_user(world.staff_a)) == set()


def test_figures_count_relais_for_a_partner_without_showing_them(world):
    """Partners see how many relais there are (the dashboard), never who they are."""
    assert Relais.objects.for_user(world.partner_a, figures=True).count() == 2
    assert pks(Relais.objects.for_user(world.partner_a)) == set()
    assert Relais.objects.for_user(world.agency_a, figures=True).count() == 1
    assert Relais.objects.for_user(world.staff_b, figures=True).count() == 1
    assert Relais.objects.for_user(world.relais_user_a, figures=True).count() == 1
    assert ContactLog.objects.for_user(world.partner_a, figures=True, write=True).count() == 0


@pytest.mark.parametrize(
    "model, path, many",
    [
        ("relais.Relais", "user", False),
        ("relais.Quartier", "pk", False),
        ("remontees.Remontee", "relais__user", False),
        ("remontees.Remontee", "residence__quartier", False),
        ("remontees.RemonteeEvent", "remontee__relais__user", False),
        ("reunions.Invitee", "relais__user", False),
        ("core.Message", "recipient_relais__user", False),
        ("relais.Residence", "relais_links__relais__user", True),
        ("relais.Relais", "relais_links__residence__quartier", True),
        ("reunions.Reunion", "invitees__relais__user", True),
        ("initiatives.Initiative", "organisers__user", True),
        ("remontees.Theme", "organisation__relais__user", True),
    ],
)
def test_a_path_through_many_rows_keeps_its_subquery(model, path, many):
    """Scoping joins directly only along single-valued paths: a join through a
    reverse foreign key or a many-to-many would repeat rows."""
    assert crosses_many(apps.get_model(model), path) is many


def test_a_relais_in_two_quartiers_is_listed_once_for_staff_of_both(world, login):
    RelaisResidenceFactory(relais=world.relais_a, residence=world.residence_a2)
    membership = Membership.objects.get(user=world.agency_a, organisation=world.org_a)
    membership.quartiers.add(world.q2)
    listed = list(Relais.objects.for_user(world.agency_a).filter(pk=world.relais_a.pk))
    assert listed == [world.relais_a]
