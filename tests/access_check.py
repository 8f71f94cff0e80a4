"""Walk every URL pattern of a URLconf and try it as each member of the cast.

`check_access(world, urlconf)` returns the problems (none when nothing leaks)
and how many URL × role × method requests it made. It is a function, not a
test, so that a test can also run it against a URLconf with a deliberately
unscoped view and see it fail.

Writes are read from the SQL each POST sends (tests/db_writes.py), in every
table, rather than by hashing five apps' tables around it.
"""

from __future__ import annotations

import copy
import datetime
import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import MARKER
from tests.db_writes import DataWrites
from tests.factories import (
    EquipmentFactory,
    GuideFactory,
    InviteeFactory,
    MembershipFactory,
    RelaisFactory,
    SensitiveFlagFactory,
    UserFactory,
)
from tests.helpers import plan_reunion

# Views open to anyone by design (the door is inside them).
PUBLIC_VIEWS = {
    "home",
    "core:switch_organisation",
    "reunions:rsvp",
    "rsvp_short",
    "reunions:minutes_public",
    "reunions:calendar_feed",
    "remontees:service_answer",
    "remontees:service_photo",
    "service_worker",
    "manifest",
    "health",
    "favicon",
    "public:page",
    "public:embed",
    "public:photo",
    "public:candidate",
    "public:thanks",
    "public:event",
    # The surveys' respondent pages: the door is the questionnaire's key or the link's signature.
    "enquetes:answer_open",
    "enquetes:thanks",
    "enquetes:answer_link",
    "floor_anonymous",  # devtools (make test, make bench): the public page's benchmark floor
}
# Third-party URLs: checked for leaks and 500s, not for roles.
THIRD_PARTY_NAMESPACES = ("admin",)
THIRD_PARTY_PREFIXES = ("comptes/",)


# The kwargs our URLs take, filled with objects of organisation A.
# A new view taking a new kwarg fails the test until its object is named here.
def _rsvp_token(world) -> str:
    """A signed answer link of organisation A: a bearer link, so its page must
    show the meeting and nothing else of the organisation."""
    if not hasattr(world, "_rsvp_token"):
        import datetime

        from django.utils import timezone

        from reunions import services

        start = timezone.now() + datetime.timedelta(days=10)
        reunion = plan_reunion(world, start, by=None, kind="pleniere", title="Réunion plénière", address="Mairie")
        world._rsvp_token = services.rsvp_token(InviteeFactory(reunion=reunion, relais=world.relais_a))
    return world._rsvp_token


def _reunion(world) -> int:
    if not hasattr(world, "_reunion"):
        import datetime

        from django.utils import timezone

        from reunions import services

        # Under way (begun an hour ago, two hours long): every action on it is
        # offered at once, inviting as well as attendance and the minutes.
        start = timezone.now() - datetime.timedelta(hours=1)
        reunion = plan_reunion(world, start, by=None, title=f"Thématique {MARKER}", residence=world.residence_a1)
        InviteeFactory(reunion=reunion, relais=world.relais_a)
        world._reunion = reunion.pk
        # Its action, made with it (the walk meets both as they are here).
        world._action = services.action_add(
            reunion=reunion,
            by=None,
            title=f"Action {MARKER}",
            owner=world.relais_a,
            due_on=start.date() + datetime.timedelta(days=30),
        ).pk
    return world._reunion


def _message(world) -> int:
    """A message about the meeting whose hand-off was interrupted: the meeting
    page offers to send it again."""
    if not hasattr(world, "_message"):
        from django.contrib.contenttypes.models import ContentType
        from django.utils import timezone

        from core.models import Message
        from reunions.models import Reunion

        world._message = Message.objects.create(
            organisation=world.org_a,
            recipient_relais=world.relais_a,
            subject_type=ContentType.objects.get_for_model(Reunion),
            subject_id=_reunion(world),
            kind="invitation",
            address=world.relais_a.email,
            scheduled_for=timezone.now(),
            state=Message.State.UNCERTAIN,
            attempts=1,
            sending_until=timezone.now(),
        ).pk
    return world._message


def _action(world) -> int:
    _reunion(world)
    return world._action


def _minutes_token(world) -> str:
    """A published compte-rendu's link: a bearer link, like the answer link."""
    if not hasattr(world, "_minutes_token"):
        import datetime

        from django.utils import timezone

        from reunions import services

        start = timezone.now() - datetime.timedelta(days=3)
        reunion = plan_reunion(world, start, by=None, kind="comite", title="Comité du réseau", address="Mairie")
        invitee = InviteeFactory(reunion=reunion, relais=world.relais_a)
        services.minutes_save(reunion=reunion, agenda="Accueil", minutes="Nous avons parlé du local.", decisions="")
        services.minutes_publish(reunion=reunion, by=None)
        world._minutes_token = services.minutes_token(invitee)
    return world._minutes_token


def _feed_token(world) -> str:
    """The relais' own calendar address: it lists their meetings only."""
    if not hasattr(world, "_feed_token"):
        from reunions import services

        # A relais of its own, invited to the answer link's meeting only: the
        # feed is a bearer link, so it must list that meeting and nothing else.
        user = UserFactory(email="abonne@a.test")
        MembershipFactory(user=user, organisation=world.org_a, role="relais")
        relais = RelaisFactory(organisation=world.org_a, user=user, status="actif")
        reunion = services.invitee_from_token(_rsvp_token(world)).reunion
        InviteeFactory(reunion=reunion, relais=relais)
        world._feed_token = services.calendar_feed_renew(user=user, organisation=world.org_a).token
    return world._feed_token


def _remontee(world, outside=False) -> int:
    """A remontée raised by relais A (quartier 1), or on a residence of quartier 2."""
    key = "_remontee_outside" if outside else "_remontee"
    if not hasattr(world, key):
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        from core.uploads import clean_photo
        from remontees import services
        from remontees.models import Theme

        theme = Theme.objects.filter(organisation=world.org_a).first()
        jpeg = io.BytesIO()
        Image.new("RGB", (40, 30), "grey").save(jpeg, "JPEG")
        residence = world.residence_a2 if outside else world.residence_a1
        remontee = services.remontee_create(
            organisation=world.org_a,
            by=None,
            residence=residence,
            relais=None if outside else world.relais_a,
            theme=theme,
            description=f"Fuite {MARKER}",
            source="visite",
            photo=clean_photo(SimpleUploadedFile("fuite.jpg", jpeg.getvalue())),
        )
        setattr(world, key, remontee.pk)
    return getattr(world, key)


def _handoff(world, outside=False) -> int:
    """A hand-off of relais A's remontée to a contractor (or of the remontée of quartier 2)."""
    key = "_handoff_outside" if outside else "_handoff"
    if not hasattr(world, key):
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        from core.uploads import clean_photo
        from remontees.models import HandOff
        from tests.factories import ServiceFactory

        service = ServiceFactory(organisation=world.org_a, name=f"Ascenseurs {MARKER}{' 2' if outside else ''}")
        remontee = _remontee(world, outside=outside)
        handoff = HandOff(remontee_id=remontee, service=service, due_on="2030-01-01", outcome="fait", answer="Réparé")
        jpeg = io.BytesIO()
        Image.new("RGB", (40, 30), "blue").save(jpeg, "JPEG")
        handoff.photo.save("repare.jpg", clean_photo(SimpleUploadedFile("repare.jpg", jpeg.getvalue())))
        setattr(world, key, handoff.pk)
    return getattr(world, key)


def _service_token(world) -> str:
    """A service's signed link: a bearer link, so its page shows the remontée's
    text, residence and photo, and nothing else of the organisation."""
    if not hasattr(world, "_service_token"):
        from remontees import services
        from remontees.models import Remontee, Theme
        from tests.factories import ResidenceFactory, ServiceFactory

        residence = ResidenceFactory(organisation=world.org_a, quartier=world.q1, name="Résidence du lien")
        remontee = Remontee.objects.create(
            organisation=world.org_a,
            residence=residence,
            relais=world.relais_a,
            theme=Theme.objects.filter(organisation=world.org_a).first(),
            description="Porte du hall bloquée",
            source="espace",
        )
        service = ServiceFactory(organisation=world.org_a, name="Serrurerie")
        handoff = services.handoff_create(remontee=remontee, service=service, due_on=datetime.date(2030, 1, 1), by=None)
        world._service_token = services.handoff_token(handoff)
    return world._service_token


def _initiative_world(world) -> dict:
    """An initiative of organisation A with a photo, a logistics request and a
    grant request; and another on quartier 2 (initiatives are the network's)."""
    if not hasattr(world, "_initiative_world"):
        import datetime
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        from core.uploads import clean_photo
        from initiatives import services
        from initiatives.models import InitiativeKind

        initiative = services.initiative_save(
            organisation=world.org_a,
            by=None,
            kind=InitiativeKind.objects.filter(organisation=world.org_a).first(),
            title=f"Fête {MARKER}",
            starts_on=datetime.date(2027, 6, 12),
            residences=[world.residence_a1],
            organisers=[world.relais_a],
        )
        jpeg = io.BytesIO()
        Image.new("RGB", (40, 30), "green").save(jpeg, "JPEG")
        photo = services.photo_add(
            initiative=initiative, image=clean_photo(SimpleUploadedFile("fete.jpg", jpeg.getvalue())), by=None
        )
        tables = EquipmentFactory(organisation=world.org_a, name="Tables", quantity=10)
        logistics = services.logistics_request(
            initiative=initiative,
            by=None,
            starts_on=initiative.starts_on,
            ends_on=initiative.starts_on,
            lines=[(tables, 4)],
        )
        grant = services.grant_request(
            initiative=initiative, by=None, objectives="Un repas", expected_participants=40, amount_requested=150
        )
        world._initiative_world = {
            "initiative": initiative.pk,
            "photo": photo.pk,
            "logistics": logistics.pk,
            "grant": grant.pk,
        }
    return world._initiative_world


def _attendance(world) -> int:
    """A neighbour's « Je viendrai » to organisation A's initiative, with a reminder."""
    from initiatives import services
    from initiatives.models import Initiative

    if not hasattr(world, "_attendance"):
        initiative = Initiative.objects.get(pk=_initiative_world(world)["initiative"])
        world._attendance = services.neighbour_attendance_add(
            initiative=initiative, name="Mamie Jo", household=2, remind_to="mamie.jo@example.test"
        ).pk
    return world._attendance


def _bilan(world) -> int:
    if not hasattr(world, "_bilan"):
        from django.core.files.base import ContentFile

        from bilans.services import bilan_open, bilan_pdf

        bilan = bilan_open(organisation=world.org_a, year=2025)
        bilan.file.save(bilan.filename, ContentFile(bilan_pdf(bilan)))
        world._bilan = bilan.pk
    return world._bilan


def _import_job(world) -> int:
    """A large import of organisation A, checked and waiting for confirmation."""
    if not hasattr(world, "_import_job"):
        from relais.models import ImportJob

        world._import_job = ImportJob.objects.create(
            organisation=world.org_a,
            kind="residences",
            name=f"residences {MARKER}.csv",
            state="a_confirmer",
            rows=1,
            report={"to_create": 1, "to_update": 0, "preview": [[2, False, [f"Résidence {MARKER}"]]]},
        ).pk
    return world._import_job


def _flag(world) -> int:
    """A remontée of organisation A saved with a word that suggests health data."""
    if not hasattr(world, "_flag"):
        from remontees.models import Remontee

        world._flag = SensitiveFlagFactory(target=Remontee.objects.get(pk=_remontee(world))).pk
    return world._flag


def _announcements(world) -> dict:
    """A draft announcement to all relais, with a PDF attached (its page shows
    staff the confirmation), and one sent to relais A, unread (their home shows
    « J'ai lu »)."""
    if not hasattr(world, "_announcements"):
        from django.core.files.base import ContentFile

        from core.uploads import Attachment
        from espace import services

        pdf = Attachment(ContentFile(b"%PDF-1.4\n%%EOF\n", name="x.pdf"), "application/pdf", "programme.pdf")
        draft = services.announcement_draft(
            organisation=world.org_a,
            by=world.staff_a,
            title=f"Annonce {MARKER}",
            body="Fête des voisins",
            audience="tous",
            attachments=[pdf],
        )
        sent = services.announcement_draft(
            organisation=world.org_a,
            by=world.staff_a,
            title=f"Envoyée {MARKER}",
            body="Coupure d'eau",
            audience="residence",
            residence=world.residence_a1,
        )
        services.announcement_send(announcement=sent, by=world.staff_a)
        world._announcements = {"annonce": draft.pk, "piece": draft.attachments.get().pk, "short": draft.token}
    return world._announcements


def _attestation(world, outside=False) -> int:
    """An attestation d'engagement issued to relais A (or to relais A2, outside agency_a's quartier)."""
    key = "_attestation_outside" if outside else "_attestation"
    if not hasattr(world, key):
        from engagement.services import attestation_issue

        attestation = attestation_issue(
            relais=world.relais_a2 if outside else world.relais_a,
            year=2025,
            by=world.staff_a,
            signatory_name=f"Claire {MARKER}",
            signatory_role="Responsable de la médiation",
        )
        setattr(world, key, attestation.pk)
    return getattr(world, key)


def _public_slug(world) -> str:
    """A published public page: organisation B's (its page is read by anyone, so
    the walk checks that it shows nothing of organisation A); A's stays unpublished."""
    if not hasattr(world, "_public_slug"):
        from vitrine.models import PublicPage

        PublicPage.objects.create(
            organisation=world.org_b, published=True, show_names=True, embed_origins="https://www.habitat-b.test"
        )
        world._public_slug = world.org_b.slug
    return world._public_slug


def _enquetes(world) -> dict:
    """A questionnaire of organisation A (its title marked: staff of B must not
    see it), one of its questions; and, for the respondent's pages (read by
    anyone), an open tenants' questionnaire and a relais' personal link whose
    pages show nothing else of the organisation."""
    if not hasattr(world, "_enquetes"):
        import datetime

        from django.utils import timezone

        from enquetes import links, services
        from enquetes.models import Invitation
        from tests.factories import ResidenceFactory

        today = timezone.localdate()
        span = {"opens_on": today - datetime.timedelta(days=1), "closes_on": today + datetime.timedelta(days=20)}
        marked = services.questionnaire_create(
            organisation=world.org_a, by=None, title=f"Baromètre {MARKER}", template="barometre", **span
        )
        residence = ResidenceFactory(organisation=world.org_a, quartier=world.q1, name="Résidence du questionnaire")
        tenants = services.questionnaire_create(
            organisation=world.org_a,
            by=None,
            title="Votre avis",
            template="initiative",
            audience="locataires",
            residences=[residence],
            **span,
        )
        personal = services.questionnaire_create(
            organisation=world.org_a, by=None, title="Votre avis de relais", template="reunion", **span
        )
        invitation = Invitation.objects.create(questionnaire=personal, relais=world.relais_a)
        world._enquetes = {
            "questionnaire": marked.pk,
            "question": marked.questions.first().pk,
            "key": tenants.key,
            "code": links.code(invitation.pk),
        }
    return world._enquetes


def _parcours(world) -> dict:
    """A training module of organisation A with a PDF support, a past session
    (a meeting of kind « formation ») relais A attended, a charter, a custom
    onboarding step, the guide, and a thank-you prepared for relais A (staff only)."""
    if not hasattr(world, "_parcours"):
        from django.core.files.base import ContentFile
        from django.utils import timezone

        from core.uploads import Attachment
        from parcours import services
        from parcours.models import Milestone, TrainingModule
        from reunions.models import Invitee

        module = TrainingModule.objects.create(
            organisation=world.org_a, title=f"Le rôle du relais {MARKER}", duration_minutes=120, path_position=1
        )
        pdf = Attachment(ContentFile(b"%PDF-1.4\n%%EOF\n", name="x.pdf"), "application/pdf", "livret.pdf")
        material = services.material_add(module=module, title="Livret", attachment=pdf)
        start = timezone.now() - datetime.timedelta(days=3)
        reunion = plan_reunion(world, start, kind="formation", title=f"Formation {MARKER}", address="Salle")
        session = services.session_link(module=module, reunion=reunion)
        Invitee.objects.create(reunion=reunion, relais=world.relais_a, attended=True)
        services.charter_publish(organisation=world.org_a, text=f"Charte {MARKER}", by=world.staff_a)
        services.step_add(organisation=world.org_a, label="Visite de la résidence avec le gardien")
        # The guide relais A has not read yet: its page shows them « J'ai lu le guide ».
        GuideFactory(organisation=world.org_a, missions=f"Faire le lien {MARKER}")
        milestone = Milestone.objects.create(
            organisation=world.org_a,
            relais=world.relais_a,
            kind=Milestone.Kind.UN_AN,
            reached_on=timezone.localdate(),
            body=f"Merci {MARKER} PERSO-A",
        )
        world._parcours = {
            "module": module.pk,
            "material": material.pk,
            "session": session.pk,
            "milestone": milestone.pk,
        }
    return world._parcours


def _milestone_outside(world) -> int:
    """A thank-you prepared for relais A2, outside agency A's quartier."""
    from django.utils import timezone

    from parcours.models import Milestone

    return Milestone.objects.create(
        organisation=world.org_a,
        relais=world.relais_a2,
        kind=Milestone.Kind.UN_AN,
        reached_on=timezone.localdate(),
        body="Merci",
    ).pk


def _rsvp_short(world) -> str:
    from reunions import services

    return services.rsvp_short_code(services.invitee_from_token(_rsvp_token(world)))


def _network(world) -> dict:
    """A network around the cast (reseau/): « Réseau régional » with A and C as
    members, B outside; its coordinator; a document of the network meant for
    relais (the walk's `document`, with two versions); C's figures, a document C
    shares and one it keeps (« NON-PARTAGE »: no one outside C may see it); a
    meeting of the network to which relais A is invited."""
    if not hasattr(world, "_network"):
        from django.core.files.base import ContentFile
        from django.utils import timezone

        from core.models import Organisation
        from core.uploads import Attachment
        from reseau import services
        from tests.factories import OrganisationFactory

        network = OrganisationFactory(name="Réseau régional", slug="reseau-regional", kind=Organisation.Kind.RESEAU)
        org_c = OrganisationFactory(name="Habitat C", slug="habitat-c")
        services.network_member_add(network=network, member=world.org_a)
        services.network_member_add(network=network, member=org_c)
        coordinator = UserFactory(email="coordination@reseau.test", first_name="Claire", last_name="Coordination")
        MembershipFactory(user=coordinator, organisation=network, role="coordinateur")
        services.network_figures_refresh(network=network, year=timezone.localdate().year)

        def pdf(name):
            return Attachment(ContentFile(b"%PDF-1.4\n%%EOF\n", name="x.pdf"), "application/pdf", name)

        kit = services.document_create(
            organisation=network, by=coordinator, title="Kit de sensibilisation", kind="kit", audience="relais",
            file=pdf("kit.pdf"),
        )  # fmt: skip
        services.version_add(document=kit, by=coordinator, file=pdf("kit-v2.pdf"), note="Nouvelles affiches")
        services.document_create(
            organisation=org_c, by=None, title="Charte des relais de C", kind="charte", audience="reseau",
            link="https://video.example/charte",
        )  # fmt: skip
        services.document_create(
            organisation=org_c, by=None, title="Note interne NON-PARTAGE", kind="autre", audience="organisation",
            link="https://intranet.example/note",
        )  # fmt: skip
        start = timezone.now() + datetime.timedelta(days=12)
        comite = plan_reunion(
            world, start, organisation=network, by=coordinator, kind="comite", title="Comité du réseau", address="Lyon"
        )
        services.guests_invite(reunion=comite, by=coordinator, relais=[world.relais_a], users=[world.staff_a])
        # A project followed on a site of A (the network's row: A's staff read it,
        # C's do not) and one of C; a call open for a month, with A's application.
        project = services.project_create(
            network=network, member=world.org_a, by=coordinator, title="Fête des voisins", site="Bâtiment C",
            accompagnateur=coordinator,
        )  # fmt: skip
        services.fund_grant(
            project=project, by=coordinator, kind="mobilisation", amount=300, granted_on=timezone.localdate()
        )
        services.project_create(network=network, member=org_c, by=coordinator, title="Atelier de C")
        call = services.call_create(
            network=network, by=coordinator, title="Coups de pouce", envelope=5000,
            deadline=timezone.now() + datetime.timedelta(days=30), criteria=[("Implication des habitants", 3)],
        )  # fmt: skip
        application = services.application_submit(
            call=call, applicant=world.org_a, by=world.staff_a, title="Repas partagé", description="Un repas",
            budget=900, expected_effects="Des voisins qui se parlent",
        )  # fmt: skip
        world._network = {
            "network": network.pk,
            "coordinator": coordinator,
            "document": kit.pk,
            "version": kit.versions.order_by("number").first().pk,
            "project": project.pk,
            "call": call.pk,
            "application": application.pk,
        }
    return world._network


IN_SCOPE_KWARGS = {
    # The network's objects (reseau/): read by its coordination and, as shared,
    # by its members' staff (A's); never by B's.
    "network": lambda w: _network(w)["network"],
    "document": lambda w: _network(w)["document"],
    "version": lambda w: _network(w)["version"],
    "project": lambda w: _network(w)["project"],
    "call": lambda w: _network(w)["call"],
    "application": lambda w: _network(w)["application"],
    "organisation": _public_slug,
    "annonce": lambda w: _announcements(w)["annonce"],
    "piece": lambda w: _announcements(w)["piece"],
    "short": lambda w: _announcements(w)["short"],
    "bilan": _bilan,
    "attestation": _attestation,
    "annee": lambda w: 2025,
    "token": _rsvp_token,
    "rsvp_code": lambda w: _rsvp_short(w),
    "minutes_token": _minutes_token,
    "feed_token": _feed_token,
    "reunion": _reunion,
    "action": _action,
    "message": _message,
    "remontee": _remontee,
    "initiative": lambda w: _initiative_world(w)["initiative"],
    "attendance": _attendance,
    "photo": lambda w: _initiative_world(w)["photo"],
    "logistics": lambda w: _initiative_world(w)["logistics"],
    "grant": lambda w: _initiative_world(w)["grant"],
    "residence": lambda w: w.residence_a1.pk,
    "relais": lambda w: w.relais_a.pk,
    "quartier": lambda w: w.q1.pk,
    "flag": lambda w: _flag(w),
    "job": _import_job,
    "handoff": _handoff,
    "service_token": _service_token,
    "questionnaire": lambda w: _enquetes(w)["questionnaire"],
    "question": lambda w: _enquetes(w)["question"],
    "enquete_key": lambda w: _enquetes(w)["key"],
    "enquete_code": lambda w: _enquetes(w)["code"],
    "module": lambda w: _parcours(w)["module"],
    "material": lambda w: _parcours(w)["material"],
    "session": lambda w: _parcours(w)["session"],
    "milestone": lambda w: _parcours(w)["milestone"],
}
# The same kwargs, pointing at organisation A's objects outside agency_a's quartier.
# None: the object belongs to the whole organisation (meetings), not to a quartier.
OUTSIDE_AGENCY_KWARGS = {
    "organisation": None,  # the public pages: no agency, no login
    # The network's and its library's: nothing of a quartier.
    "network": None,
    "document": None,
    "version": None,
    # Projects, calls and applications are the network's, about a whole member.
    "project": None,
    "call": None,
    "application": None,
    # Announcements are the organisation's word to its network (each reaches
    # the relais its author may address).
    "annonce": None,
    "piece": None,
    "short": None,
    # The bilan is the whole organisation's.
    "bilan": None,
    "attestation": lambda w: _attestation(w, outside=True),
    # A year: the relais' own attestation of it, whoever asks.
    "annee": None,
    "reunion": None,
    "action": None,
    # Messages are the whole organisation's (the meeting's invitations).
    "message": None,
    "remontee": lambda w: _remontee(w, outside=True),
    # Initiatives, like meetings, belong to the whole network.
    "initiative": None,
    "attendance": None,  # a neighbour's « Je viendrai », of an initiative: the whole organisation's
    "photo": None,
    "logistics": None,
    "grant": None,
    "residence": lambda w: w.residence_a2.pk,
    "relais": lambda w: w.relais_a2.pk,
    "quartier": lambda w: w.q2.pk,
    # Texts flagged for review are the whole organisation's, read by its unrestricted staff.
    "flag": None,
    # An import is the whole organisation's (its residences, its relais).
    "job": None,
    "handoff": lambda w: _handoff(w, outside=True),
    # Questionnaires are the whole organisation's (their results are counted by group).
    "questionnaire": None,
    "question": None,
    "enquete_key": None,
    "enquete_code": None,
    # Trainings, like meetings, are the whole network's.
    "module": None,
    "material": None,
    "session": None,
    "milestone": _milestone_outside,
}


@dataclass
class Route:
    name: str
    route: str
    callback: object
    pattern: URLPattern

    @property
    def kwarg_names(self) -> list[str]:
        return list(self.pattern.pattern.converters)

    @property
    def third_party(self) -> bool:
        return self.name.split(":")[0] in THIRD_PARTY_NAMESPACES or self.route.startswith(THIRD_PARTY_PREFIXES)


def iter_routes(resolver=None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_routes(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield Route(
                name=f"{namespace}{entry.name or ''}",
                route=prefix + str(entry.pattern),
                callback=entry.callback,
                pattern=entry,
            )


def build_url(route: Route, kwargs: dict) -> str:
    # Fill the route text directly so that unnamed and third-party patterns work too.
    url = "/" + route.route
    for name, value in kwargs.items():
        converter = route.pattern.pattern.converters[name]
        url = re.sub(rf"<(?:\w+:)?{name}>", converter.to_url(value), url)
    return url.replace("^", "").replace("$", "")


CAST = ("staff_a", "admin_a", "agency_a", "partner_a", "relais_a", "staff_b", "coordinator_n", "anonymous")
# Kwargs naming the network's objects rather than organisation A's.
NETWORK_KWARGS = {"network", "document", "version", "project", "call", "application"}
# What B has: a network it is not in must never show it.
OF_B = ("Habitat B", "Résidence B", "Relais B")


@dataclass
class AccessWalk:
    problems: list[str]
    walked: Counter  # (who, method) -> requests sent, "agency_a outside" for the quartier check

    @property
    def combinations(self) -> int:
        return sum(self.walked.values())


class _Cast:
    """A logged-in client per member of the cast, its cookies put back before
    each route: a route may log its caller out, and the rolled-back savepoint
    restores the session it ended."""

    def __init__(self, world):
        users = {
            "staff_a": world.staff_a,
            "admin_a": world.admin_a,
            "agency_a": world.agency_a,
            "partner_a": world.partner_a,
            "relais_a": world.relais_user_a,
            "staff_b": world.staff_b,
            "coordinator_n": _network(world)["coordinator"],
            "anonymous": None,
        }
        self.clients = {who: Client() for who in CAST}
        for who, user in users.items():
            if user is not None:
                self.clients[who].force_login(user)
        self.cookies = {who: copy.deepcopy(client.cookies) for who, client in self.clients.items()}

    def client(self, who: str) -> Client:
        client = self.clients[who]
        client.cookies = copy.deepcopy(self.cookies[who])
        return client


def _send(client: Client, method: str, url: str):
    """The answer, its body when it is a page, and what it wrote (tests/db_writes.py)."""
    with DataWrites() as writes:
        response = getattr(client, method)(url)
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode(errors="replace") if response.status_code == 200 else ""
    return response.status_code, body, writes


def check_access(world, urlconf: str | None = None, only: str = "") -> AccessWalk:
    problems: list[str] = []
    walked: Counter = Counter()
    routes = [r for r in iter_routes(get_resolver(urlconf)) if r.route.startswith(only)]
    # Every object first: each route is walked in a savepoint rolled back
    # afterwards, so every route and every role meets the same world (a POST
    # that cancels a meeting cancels it for that request only).
    needed = {k for route in routes for k in route.kwarg_names}
    kwargs = {k: make(world) for k, make in IN_SCOPE_KWARGS.items() if k in needed}
    outside_kwargs_of = {k: make(world) for k, make in OUTSIDE_AGENCY_KWARGS.items() if k in needed and make}
    cast = _Cast(world)
    shown: dict[tuple[str, str], str] = {}  # (who, a POST form's action) -> a page showing it
    for route in routes:
        if route.route.startswith("admin/") and route.kwarg_names:
            continue  # the admin's own object pages need its own object ids
        missing = [k for k in route.kwarg_names if k not in IN_SCOPE_KWARGS]
        if missing and not route.third_party:
            problems.append(f"{route.route}: no test object for kwarg(s) {missing}; add them to IN_SCOPE_KWARGS")
            continue
        if route.third_party and route.kwarg_names:
            continue
        url = build_url(route, {k: kwargs[k] for k in route.kwarg_names})
        label = f"{route.name or route.route} ({url})"

        roles = getattr(route.callback, "allowed_roles", None)
        if not route.third_party and roles is None and route.name not in PUBLIC_VIEWS:
            problems.append(f"{label}: view is not behind role_required")
            continue

        for who in CAST:
            with transaction.atomic():
                client = cast.client(who)
                for method in ("get", "post"):
                    status, body, writes = _send(client, method, url)
                    walked[(who, method)] += 1
                    if status >= 500:
                        problems.append(f"{label}: {who} {method.upper()} -> {status}")
                        continue
                    if route.third_party:
                        if who in ("staff_b", "anonymous") and MARKER in body:
                            problems.append(f"{label}: {who} sees organisation A data")
                        continue
                    wrote = writes.summary() if method == "post" and writes else ""
                    problems += _judge(label, route, roles, who, method, status, body, wrote)
                    if method == "get" and body:
                        for action in _post_actions(body, url):
                            shown.setdefault((who, action), url)
                transaction.set_rollback(True)

        # Staff limited to quartier 1 must not reach objects of quartier 2.
        outside_kwargs = {k: OUTSIDE_AGENCY_KWARGS.get(k, "missing") for k in route.kwarg_names}
        if "missing" in outside_kwargs.values() and route.name not in PUBLIC_VIEWS and not route.third_party:
            problems.append(f"{route.route}: say in OUTSIDE_AGENCY_KWARGS what lies outside an agency's quartiers")
            continue
        if (
            route.kwarg_names
            and not route.third_party
            and route.name not in PUBLIC_VIEWS
            and None not in outside_kwargs.values()
        ):
            outside = build_url(route, {k: outside_kwargs_of[k] for k in route.kwarg_names})
            with transaction.atomic():
                client = cast.client("agency_a")
                for method in ("get", "post"):
                    status, _, writes = _send(client, method, outside)
                    walked[("agency_a outside", method)] += 1
                    if status not in (403, 404, 405):
                        problems.append(f"{outside}: agency staff outside its quartiers {method.upper()} -> {status}")
                    if writes:
                        problems.append(
                            f"{outside}: agency staff outside its quartiers wrote with {method.upper()}: "
                            f"{writes.summary()}"
                        )
                transaction.set_rollback(True)
    problems += _forms_usable(cast, shown, walked)
    return AccessWalk(problems, walked)


_FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(method|action)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def _post_actions(body: str, page_url: str) -> list[str]:
    """Where the page's POST forms send (their action, or the page itself)."""
    actions = []
    for tag in _FORM.findall(body):
        attrs = {k.lower(): html.unescape(v) for k, v in _ATTR.findall(tag)}
        if attrs.get("method", "get").lower() == "post":
            actions.append(urljoin(page_url, attrs.get("action") or page_url).split("#")[0])
    return actions


def _forms_usable(cast: _Cast, shown: dict[tuple[str, str], str], walked: Counter) -> list[str]:
    """A form a page shows someone must be one they may send: its action must
    not answer 403 to them (a partner offered a button that refuses them)."""
    problems = []
    for (who, action), page in sorted(shown.items()):
        with transaction.atomic():
            status = cast.client(who).post(action, {}).status_code
            walked[(who, "post shown form")] += 1
            transaction.set_rollback(True)
        if status == 403:
            problems.append(f"{page}: {who} is shown a form posting to {action}, which answers 403 to them")
    return problems


def _judge(label, route, roles, who, method, status, body, wrote) -> list[str]:
    problems = []
    roles = roles or ()
    if route.name in PUBLIC_VIEWS and route.name != "home":
        if who in ("staff_b", "anonymous") and MARKER in body:
            problems.append(f"{label}: {who} sees organisation A data")
        return problems
    if who == "anonymous":
        if route.name == "home":
            ok = status == 302
        else:
            ok = status in (302, 403, 405)
        if not ok:
            problems.append(f"{label}: anonymous {method.upper()} -> {status}")
        if wrote:
            problems.append(f"{label}: anonymous wrote with POST: {wrote}")
        return problems
    if who == "staff_b":
        if route.kwarg_names and status not in (403, 404, 405):
            problems.append(f"{label}: staff of organisation B {method.upper()} -> {status} (expected 404)")
        if MARKER in body:
            problems.append(f"{label}: staff of organisation B sees organisation A data")
        if wrote:
            problems.append(f"{label}: staff of organisation B wrote with POST: {wrote}")
        return problems
    if "NON-PARTAGE" in body and who != "anonymous":
        problems.append(f"{label}: {who} sees a document organisation C did not share")
    if who == "coordinator_n":
        return problems + _judge_coordinator(label, route, roles, method, status, body, wrote)
    if who == "agency_a" and "HORS-AGENCE" in body:
        problems.append(f"{label}: agency staff sees a quartier outside its agency")
    role = {
        "staff_a": "staff",
        "admin_a": "admin",
        "agency_a": "staff",
        "partner_a": "partenaire",
        "relais_a": "relais",
    }[who]
    if route.name in PUBLIC_VIEWS:
        return problems
    if role not in roles:
        if status != 403:
            problems.append(f"{label}: {who} ({role}) {method.upper()} -> {status} (expected 403)")
        if wrote:
            problems.append(f"{label}: {who} ({role}) wrote with POST without the right to: {wrote}")
        return problems
    if role == "partenaire":
        if method == "post" and status != 403:
            problems.append(f"{label}: partner POST -> {status} (expected 403: read-only)")
        if wrote:
            problems.append(f"{label}: partner wrote with POST: {wrote}")
        if "PERSO-A" in body:
            problems.append(f"{label}: partner sees a relais' personal data")
    if role == "relais" and "PERSO-A2" in body:
        problems.append(f"{label}: relais sees another relais' data")
    if any(name in body for name in OF_B):
        problems.append(f"{label}: {who} sees organisation B through the network")
    if method == "get" and role in ("staff", "admin") and who != "agency_a" and status not in (200, 302, 405):
        problems.append(f"{label}: {who} GET its own organisation's page -> {status} (expected 200)")
    return problems


def _judge_coordinator(label, route, roles, method, status, body, wrote) -> list[str]:
    """A network's coordination (network N: A and C members, B outside) sees no
    person of any member and nothing of an organisation outside N."""
    problems = []
    if "PERSO-A" in body or MARKER in body:
        problems.append(f"{label}: the network's coordinator sees organisation A's people or rows")
    if any(name in body for name in OF_B):
        problems.append(f"{label}: the network's coordinator sees organisation B, outside the network")
    if route.name in PUBLIC_VIEWS:
        return problems
    if "coordinateur" not in (roles or ()):
        if status != 403:
            problems.append(f"{label}: coordinator_n {method.upper()} -> {status} (expected 403)")
        if wrote:
            problems.append(f"{label}: coordinator_n wrote with POST without the right to: {wrote}")
        return problems
    of_a = [k for k in route.kwarg_names if k not in NETWORK_KWARGS]
    if of_a:
        # Organisation A's objects: as for B's staff, they do not exist.
        if status not in (403, 404, 405):
            problems.append(f"{label}: coordinator_n {method.upper()} -> {status} on A's object (expected 404)")
        if wrote:
            problems.append(f"{label}: coordinator_n wrote on A's object: {wrote}")
    elif method == "get" and route.kwarg_names and status not in (200, 302, 405):
        problems.append(f"{label}: coordinator_n GET its network's page -> {status} (expected 200)")
    return problems
