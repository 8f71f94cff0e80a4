"""factory_boy factories, one for every model the tests build.

A factory makes a valid row with the fewest questions asked: related rows of
the same organisation, dates that need no clock. Where a service does more
than insert a row (schedules reminders, records an event, checks a rule), the
factory's docstring says so, and a test about that uses the service.
"""

import datetime
from decimal import Decimal

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from factory.django import DjangoModelFactory

from bilans.models import Bilan
from core.models import AuditEvent, Consent, Membership, Message, Organisation, SensitiveFlag, User
from espace.models import Activity, Guide
from inbox.models import Assignment
from initiatives.models import (
    BudgetLine,
    Equipment,
    GrantRequest,
    Initiative,
    InitiativeKind,
    InitiativeStatusChange,
    LogisticsLine,
    LogisticsRequest,
    Partner,
    Room,
)
from privacy.models import RightsRequest
from relais.models import ContactLog, Quartier, Relais, RelaisResidence, RelaisStatusChange, Residence
from remontees.models import HandOff, Remontee, RemonteeEvent, Service, Theme
from reunions.models import ActionItem, AgendaItem, CalendarFeed, Decision, Invitee, Reunion


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


class RelaisResidenceFactory(DjangoModelFactory):
    class Meta:
        model = RelaisResidence

    relais = factory.SubFactory(RelaisFactory)
    residence = factory.SubFactory(ResidenceFactory, organisation=factory.SelfAttribute("..relais.organisation"))


class RelaisStatusChangeFactory(DjangoModelFactory):
    class Meta:
        model = RelaisStatusChange

    relais = factory.SubFactory(RelaisFactory)
    from_status = Relais.Status.ACTIF
    to_status = Relais.Status.PAUSE
    date = datetime.date(2026, 10, 1)


# core: the platform's own rows


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = Consent

    relais = factory.SubFactory(RelaisFactory, consents=[])
    organisation = factory.SelfAttribute("relais.organisation")
    scope = Consent.Scope.EMAIL
    given_on = datetime.date(2025, 1, 15)


class MessageFactory(DjangoModelFactory):
    """A message to a relais about their own record, due now (`recipient_user=`
    and `recipient_relais=None` for a message to a user)."""

    class Meta:
        model = Message

    recipient_relais = factory.SubFactory(RelaisFactory)
    organisation = factory.LazyAttribute(
        lambda o: o.recipient_relais.organisation if o.recipient_relais else OrganisationFactory()
    )
    subject_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(Relais))
    subject_id = factory.LazyAttribute(lambda o: o.recipient_relais.pk if o.recipient_relais else 1)
    kind = factory.Sequence(lambda n: f"message-{n}")
    address = factory.LazyAttribute(
        lambda o: o.recipient_relais.email if o.recipient_relais else o.recipient_user.email
    )
    scheduled_for = factory.LazyFunction(timezone.now)


class AuditEventFactory(DjangoModelFactory):
    """A consultation of a relais' record by a user of its organisation."""

    class Meta:
        model = AuditEvent

    relais = factory.SubFactory(RelaisFactory)
    organisation = factory.SelfAttribute("relais.organisation")
    user = factory.SubFactory(UserFactory)
    action = AuditEvent.Action.CONSULTATION
    model = "relais"
    object_id = factory.SelfAttribute("relais.pk")


class SensitiveFlagFactory(DjangoModelFactory):
    """A remontée's description saved with a word that suggests health data."""

    class Meta:
        model = SensitiveFlag

    class Params:
        target = factory.SubFactory("tests.factories.RemonteeFactory")

    organisation = factory.SelfAttribute("target.organisation")
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.target))
    object_id = factory.SelfAttribute("target.pk")
    field = "description"
    categories = "santé"


# reunions


class ReunionFactory(DjangoModelFactory):
    """A meeting row, without the invitations and reminders that
    reunions.services.reunion_plan schedules: use the service to test those."""

    class Meta:
        model = Reunion

    organisation = factory.SubFactory(OrganisationFactory)
    kind = Reunion.Kind.PLENIERE
    title = factory.Sequence(lambda n: f"Réunion {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    address = "Maison de quartier"


class InviteeFactory(DjangoModelFactory):
    class Meta:
        model = Invitee

    reunion = factory.SubFactory(ReunionFactory)
    relais = factory.SubFactory(RelaisFactory, organisation=factory.SelfAttribute("..reunion.organisation"))


class ActionItemFactory(DjangoModelFactory):
    class Meta:
        model = ActionItem

    reunion = factory.SubFactory(ReunionFactory)
    organisation = factory.SelfAttribute("reunion.organisation")
    title = factory.Sequence(lambda n: f"Action {n}")
    owner_relais = factory.SubFactory(RelaisFactory, organisation=factory.SelfAttribute("..reunion.organisation"))
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


class AgendaItemFactory(DjangoModelFactory):
    class Meta:
        model = AgendaItem

    reunion = factory.SubFactory(ReunionFactory)
    position = factory.Sequence(int)
    title = factory.Sequence(lambda n: f"Point {n}")


class DecisionFactory(DjangoModelFactory):
    class Meta:
        model = Decision

    reunion = factory.SubFactory(ReunionFactory)
    position = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"Décision {n}")


class CalendarFeedFactory(DjangoModelFactory):
    class Meta:
        model = CalendarFeed

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    token = factory.Sequence(lambda n: f"jeton-{n:08d}")


# remontees


class ThemeFactory(DjangoModelFactory):
    """A theme; an organisation already has the default ones, found by name."""

    class Meta:
        model = Theme
        django_get_or_create = ("organisation", "name")

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Thème {n}")


class RemonteeFactory(DjangoModelFactory):
    """A remontée row (remontees.services.remontee_create also records its
    first event and tells staff: use the service to test those)."""

    class Meta:
        model = Remontee

    residence = factory.SubFactory(ResidenceFactory)
    organisation = factory.SelfAttribute("residence.organisation")
    relais = factory.SubFactory(RelaisFactory, organisation=factory.SelfAttribute("..organisation"))
    theme = factory.SubFactory(ThemeFactory, organisation=factory.SelfAttribute("..organisation"))
    description = factory.Sequence(lambda n: f"L'éclairage du hall ne marche plus ({n})")
    source = Remontee.Source.VISITE


class RemonteeEventFactory(DjangoModelFactory):
    class Meta:
        model = RemonteeEvent

    remontee = factory.SubFactory(RemonteeFactory)
    kind = RemonteeEvent.Kind.STATUT
    status = Remontee.Status.PRISE_EN_COMPTE


class ServiceFactory(DjangoModelFactory):
    """A service of the directory (remontees.services.service_save also reuses
    an existing login of the same address)."""

    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Entreprise {n}")
    kind = Service.Kind.PRESTATAIRE
    email = factory.Sequence(lambda n: f"service{n}@prestataire.test")
    mailbox = factory.SubFactory(UserFactory, email=factory.SelfAttribute("..email"), is_active=False)


class HandOffFactory(DjangoModelFactory):
    """A hand-off row (remontees.services.handoff_create also moves the remontée
    and writes to the service: use the service to test those)."""

    class Meta:
        model = HandOff

    remontee = factory.SubFactory(RemonteeFactory)
    service = factory.SubFactory(ServiceFactory, organisation=factory.SelfAttribute("..remontee.organisation"))
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))


# initiatives


class InitiativeKindFactory(DjangoModelFactory):
    """A kind of initiative; an organisation already has the default ones, found by name."""

    class Meta:
        model = InitiativeKind
        django_get_or_create = ("organisation", "name")

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Type {n}")


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Association {n}")


class EquipmentFactory(DjangoModelFactory):
    class Meta:
        model = Equipment

    organisation = factory.SubFactory(OrganisationFactory)
    name = "Tables"
    quantity = 10


class RoomFactory(DjangoModelFactory):
    class Meta:
        model = Room

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Salle commune {n}")


class InitiativeFactory(DjangoModelFactory):
    """An initiative row (`organisers=[...]`, `residences=[...]`);
    initiatives.services.initiative_save checks and records what this skips."""

    class Meta:
        model = Initiative
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    kind = factory.SubFactory(InitiativeKindFactory, organisation=factory.SelfAttribute("..organisation"))
    title = factory.Sequence(lambda n: f"Fête des voisins {n}")
    starts_on = datetime.date(2027, 6, 12)
    status = Initiative.Status.PREVUE

    @factory.post_generation
    def organisers(self, create, extracted, **kwargs):
        if create and extracted:
            self.organisers.set(extracted)

    @factory.post_generation
    def residences(self, create, extracted, **kwargs):
        if create and extracted:
            self.residences.set(extracted)

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        """The first line of its status history, as the services write it (`history=False` for none)."""
        if create and extracted is not False:
            InitiativeStatusChange.objects.create(initiative=self, to_status=self.status, at=timezone.now())


class InitiativeStatusChangeFactory(DjangoModelFactory):
    class Meta:
        model = InitiativeStatusChange

    initiative = factory.SubFactory(InitiativeFactory, history=False)
    from_status = Initiative.Status.IDEE
    to_status = Initiative.Status.PREVUE
    at = factory.LazyFunction(timezone.now)


class LogisticsRequestFactory(DjangoModelFactory):
    class Meta:
        model = LogisticsRequest

    initiative = factory.SubFactory(InitiativeFactory)
    starts_on = factory.SelfAttribute("initiative.starts_on")
    ends_on = factory.SelfAttribute("initiative.starts_on")


class LogisticsLineFactory(DjangoModelFactory):
    class Meta:
        model = LogisticsLine

    request = factory.SubFactory(LogisticsRequestFactory)
    equipment = factory.SubFactory(
        EquipmentFactory, organisation=factory.SelfAttribute("..request.initiative.organisation")
    )
    quantity = 4


class GrantRequestFactory(DjangoModelFactory):
    class Meta:
        model = GrantRequest

    initiative = factory.SubFactory(InitiativeFactory)
    objectives = "Un repas partagé"
    expected_participants = 40
    amount_requested = Decimal("150.00")


class BudgetLineFactory(DjangoModelFactory):
    class Meta:
        model = BudgetLine

    grant = factory.SubFactory(GrantRequestFactory)
    label = "Courses"
    amount = Decimal("120.00")


# espace


class ActivityFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    relais = factory.SubFactory(RelaisFactory)
    organisation = factory.SelfAttribute("relais.organisation")
    kind = Activity.Kind.PORTE_A_PORTE
    date = datetime.date(2026, 10, 1)


class GuideFactory(DjangoModelFactory):
    class Meta:
        model = Guide
        django_get_or_create = ("organisation",)

    organisation = factory.SubFactory(OrganisationFactory)
    reception_phone = "04 72 00 00 00"
    emergency_phone = "0800 00 00 00"


# privacy


class RightsRequestFactory(DjangoModelFactory):
    class Meta:
        model = RightsRequest

    relais = factory.SubFactory(RelaisFactory)
    organisation = factory.SelfAttribute("relais.organisation")
    kind = RightsRequest.Kind.ACCES
    received_on = datetime.date(2026, 10, 1)


# bilans


class BilanFactory(DjangoModelFactory):
    """A bilan not yet generated (bilans.services.bilan_open, then the task, make the PDF)."""

    class Meta:
        model = Bilan
        django_get_or_create = ("organisation", "year")

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2025


# inbox


class AssignmentFactory(DjangoModelFactory):
    """An item of the inbox (here a meeting) given to a colleague."""

    class Meta:
        model = Assignment
        exclude = ("item",)

    item = factory.SubFactory(ReunionFactory)
    organisation = factory.SelfAttribute("item.organisation")
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.item))
    object_id = factory.SelfAttribute("item.pk")
    assignee = factory.SubFactory(UserFactory)
