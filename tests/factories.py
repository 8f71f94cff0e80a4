import datetime

import factory
from factory.django import DjangoModelFactory

from core.models import Consent, Membership, Organisation, User
from relais.models import ContactLog, Quartier, Relais, RelaisResidence, Residence


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.django.Password("demo1234")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = Organisation.Kind.BAILLEUR


class QuartierFactory(DjangoModelFactory):
    class Meta:
        model = Quartier

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Quartier {n}")


class ResidenceFactory(DjangoModelFactory):
    class Meta:
        model = Residence

    organisation = factory.SubFactory(OrganisationFactory)
    quartier = factory.SubFactory(QuartierFactory, organisation=factory.SelfAttribute("..organisation"))
    name = factory.Sequence(lambda n: f"Résidence {n}")
    address = factory.Sequence(lambda n: f"{n} rue des Lilas")
    postal_code = "69000"
    city = "Lyon"
    dwellings = 50
    reference = factory.Sequence(lambda n: f"R{n:04d}")


class RelaisFactory(DjangoModelFactory):
    class Meta:
        model = Relais
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    first_name = "Nadia"
    last_name = factory.Sequence(lambda n: f"Benali{n}")
    email = factory.Sequence(lambda n: f"relais{n}@example.test")
    status = Relais.Status.ACTIF
    status_since = datetime.date(2025, 1, 15)
    started_on = factory.LazyAttribute(lambda o: o.status_since if o.status == Relais.Status.ACTIF else None)

    @factory.post_generation
    def residences(self, create, extracted, **kwargs):
        for residence in extracted or ():
            RelaisResidence.objects.create(relais=self, residence=residence)

    @factory.post_generation
    def consents(self, create, extracted, **kwargs):
        """Every consent by default (`consents=[]` for none, or a list of scopes)."""
        scopes = Consent.Scope.values if extracted is None else extracted
        if create:
            Consent.objects.bulk_create(
                Consent(organisation_id=self.organisation_id, relais=self, scope=s, given_on=self.status_since)
                for s in scopes
            )


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.STAFF


class ContactLogFactory(DjangoModelFactory):
    class Meta:
        model = ContactLog

    relais = factory.SubFactory(RelaisFactory)
    organisation = factory.SelfAttribute("relais.organisation")
    kind = ContactLog.Kind.APPEL
    date = datetime.date(2026, 10, 1)
    note = "Point sur la résidence"
