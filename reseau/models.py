"""The network of organisations: what it shares, in rows that each belong to one
organisation (BATCH-NOTES: a network is an organisation of kind « réseau »).

- Who belongs to a network is core's (`core.NetworkMembership`): the scoping reads it.
- `MemberFigures`: a member's key figures of a year, computed by the bilans
  machinery (`bilans.selectors.bilan_figures`) and kept, so that the network's
  dashboard sorts and pages its members in SQL (a fixed number of queries however
  many members). Written only for members who share their figures.
- The library: `Document` (an organisation's, with an audience) and its
  `DocumentVersion`s (the old ones kept, the last one current).
- Proxies carrying what a network's people may read of its members, in the one
  scoping mechanism (`scope_network`): the meetings of a network, read by its
  members' staff; the relais of members who agreed to be listed, and the staff of
  members, whom a network's coordinator may invite.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.models import Membership, Organisation, User
from core.scoping import ANY_RELAIS, ScopedQuerySet
from espace.models import Announcement
from relais.models import ListedRelais
from reunions.models import Reunion


class MemberFigures(models.Model):
    """One member's key figures of one year, as its bilan says them (each count
    « as at the period's end », bilans/selectors.py's DEFINITIONS)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("année")
    relais_active = models.PositiveIntegerField("relais actifs", default=0)
    residences = models.PositiveIntegerField("résidences", default=0)
    covered = models.PositiveIntegerField("résidences avec un relais", default=0)
    reunions_held = models.PositiveIntegerField("réunions tenues", default=0)
    remontees_answerable = models.PositiveIntegerField("remontées de plus de 30 jours", default=0)
    remontees_answered_within = models.PositiveIntegerField("répondues sous 30 jours", default=0)
    initiatives_done = models.PositiveIntegerField("initiatives réalisées", default=0)
    participants = models.PositiveIntegerField("participants", default=0)
    computed_at = models.DateTimeField("calculés le")

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_agency = False  # the figures of the whole organisation, like its bilan
    # Aggregates only (never a person): read by the networks the member belongs
    # to and their other members, when the member shares them in that network.
    scope_network = "shares_figures"

    class Meta:
        verbose_name = "chiffres clés d'un membre"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="member_figures_once_a_year"),
            models.CheckConstraint(condition=Q(covered__lte=models.F("residences")), name="member_figures_coverage"),
            models.CheckConstraint(
                condition=Q(remontees_answered_within__lte=models.F("remontees_answerable")),
                name="member_figures_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.year}"


def fresh_members(figures: models.QuerySet, *, year: int, since) -> models.QuerySet:
    """The ids of the organisations among `figures` whose figures of `year` and
    of the year before were both computed since `since` (a subquery)."""
    return (
        figures.filter(year__in=(year, year - 1), computed_at__gte=since)
        .values("organisation_id")
        .annotate(years=models.Count("pk"))
        .filter(years=2)
        .values("organisation_id")
    )


class Document(models.Model):
    """A document of an organisation's library: a kit, a guide, a charter, a
    poster, a video (as a link). Its audience says who besides the
    organisation's staff reads it."""

    class Kind(models.TextChoices):
        KIT = "kit", "Kit"
        GUIDE = "guide", "Guide"
        CHARTE = "charte", "Charte"
        AFFICHE = "affiche", "Affiche"
        VIDEO = "video", "Vidéo"
        AUTRE = "autre", "Autre"

    class Audience(models.TextChoices):
        ORGANISATION = "organisation", "L'équipe de l'organisation"
        RESEAU = "reseau", "Le réseau (les équipes des membres et la coordination)"
        RELAIS = "relais", "Les relais (et le réseau)"
        PUBLIC = "public", "Tout le monde"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    title = models.CharField("titre", max_length=200)
    kind = models.CharField("type", max_length=10, choices=Kind.choices, default=Kind.GUIDE)
    description = models.TextField("présentation", blank=True)
    audience = models.CharField("public", max_length=12, choices=Audience.choices, default=Audience.ORGANISATION)
    reunions = models.ManyToManyField(Reunion, blank=True, related_name="+", verbose_name="réunions")
    # Shown with the announcement to whoever reads both (a relais: documents meant for relais).
    annonces = models.ManyToManyField(Announcement, blank=True, related_name="+", verbose_name="annonces")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None

    class Meta:
        verbose_name = "document"
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.title


SHARED_AUDIENCES = (Document.Audience.RESEAU, Document.Audience.RELAIS, Document.Audience.PUBLIC)
RELAIS_AUDIENCES = (Document.Audience.RELAIS, Document.Audience.PUBLIC)


class _Shared(models.Manager.from_queryset(ScopedQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(audience__in=SHARED_AUDIENCES)


class SharedDocument(Document):
    """A document its organisation shares with its networks: read by the staff
    of the networks it belongs to and of their other members (never changed by them)."""

    objects = _Shared()
    scope_network = True
    scope_agency = False

    class Meta:
        proxy = True
        verbose_name = "document partagé"


class _ForRelais(models.Manager.from_queryset(ScopedQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(audience__in=RELAIS_AUDIENCES)


class RelaisDocument(Document):
    """A document meant for relais: every relais of its organisation reads it,
    and, for a network's, every relais of its members (from the phone)."""

    objects = _ForRelais()
    scope_relais = ANY_RELAIS
    scope_network = True
    scope_partner = True  # meant for relais and the public: nothing private

    class Meta:
        proxy = True
        verbose_name = "document pour les relais"


class DocumentVersion(models.Model):
    """One version of a document: a file (checked by its content,
    core/uploads.py's `clean_document`) or a link (a video). Never changed: a
    new version is a new row, the highest number is the current one."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("version")
    file = models.FileField("fichier", upload_to="bibliotheque/%Y/", blank=True)
    filename = models.CharField("nom du fichier", max_length=120, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveIntegerField("taille", default=0)
    link = models.URLField("lien", blank=True)
    note = models.CharField("ce qui change", max_length=300, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "document__organisation"
    scope_quartier = None

    class Meta:
        verbose_name = "version d'un document"
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_once"),
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(link="")) | (~Q(file="") & Q(link="")),
                name="document_version_file_or_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} — v{self.number}"


class _SharedVersions(models.Manager.from_queryset(ScopedQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(document__audience__in=SHARED_AUDIENCES)


class SharedVersion(DocumentVersion):
    """The versions of a shared document, read as the document is."""

    objects = _SharedVersions()
    scope_network = True
    scope_agency = False

    class Meta:
        proxy = True


class _RelaisVersions(models.Manager.from_queryset(ScopedQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(document__audience__in=RELAIS_AUDIENCES)


class RelaisVersion(DocumentVersion):
    objects = _RelaisVersions()
    scope_relais = ANY_RELAIS
    scope_network = True
    scope_partner = True

    class Meta:
        proxy = True


class _NetworkMeetings(models.Manager.from_queryset(ScopedQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(organisation__kind=Organisation.Kind.RESEAU)


class NetworkReunion(Reunion):
    """A network's meeting as its members' staff read it: its title, date, place,
    agenda and published minutes (never its list of invitees)."""

    objects = _NetworkMeetings()
    scope_network = True
    scope_agency = False
    scope_relais = None  # relais read their invitations through reunions (scope_guests)
    scope_partner = False

    class Meta:
        proxy = True


class _ListedOfMembers(models.Manager.from_queryset(ScopedQuerySet)):
    def get_queryset(self):
        # The directory's own definition (relais.ListedRelais), not a copy of it.
        return super().get_queryset().filter(pk__in=ListedRelais.objects.values("pk"))


class GuestRelais(ListedRelais):
    """The relais of a network's members who agreed to be presented (consent
    « annuaire »): a network's coordinator may invite them to its meetings. Their
    name and organisation only; nothing of those who did not agree."""

    objects = _ListedOfMembers()
    scope_network = True
    scope_agency = False
    scope_relais = None
    scope_partner = False

    class Meta:
        proxy = True


class _MemberStaff(models.Manager.from_queryset(ScopedQuerySet)):
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(role__in=(Membership.Role.ADMIN, Membership.Role.STAFF, Membership.Role.PARTNER))
        )


class GuestStaff(Membership):
    """The staff and partners of a network's members, whom its coordinator may invite."""

    objects = _MemberStaff()
    scope_network = True
    scope_agency = False
    scope_relais = None

    class Meta:
        proxy = True


# Projects followed on the ground
#
# Who reads what (silence means staff only, core/scoping.py): a project is the
# network's row (`organisation` is the network) about a site of one member
# (`member`). The network's coordination reads and writes every project of its
# network; a member's staff read their own organisation's projects (the
# `MemberProject` proxy), never another member's; relais and partners read
# nothing (no natural rule gives them a project: it is the staff's follow-up).


class Project(models.Model):
    """A project followed on the ground by an accompagnateur: its stage, its
    next step, what blocks it, and the support funds granted (`Fund`). Every
    change is told by a line of its history (`ProjectEvent`), written by the
    services (reseau/services.py), which the committee's agenda reads."""

    class Stage(models.TextChoices):
        IDEE = "idee", "Idée"
        CADRAGE = "cadrage", "Cadrage"
        EN_COURS = "en_cours", "En cours"
        REALISE = "realise", "Réalisé"
        ABANDONNE = "abandonne", "Abandonné"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", verbose_name="membre")
    title = models.CharField("titre", max_length=200)
    site = models.CharField("lieu (résidences, quartier)", max_length=200, blank=True)
    stage = models.CharField("étape", max_length=10, choices=Stage.choices, default=Stage.IDEE)
    next_step = models.CharField("prochaine étape", max_length=300, blank=True)
    blockers = models.TextField("points de blocage", blank=True)
    accompagnateur = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="accompagnateur·rice"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_agency = False

    class Meta:
        verbose_name = "projet"
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(member=models.F("organisation")), name="project_of_a_member"),
        ]

    def __str__(self) -> str:
        return self.title


class MemberProject(Project):
    """The projects of a member's sites, as the member's staff read them (never changed by them)."""

    objects = ScopedQuerySet.as_manager()
    scope_org = "member"
    scope_quartier = None
    scope_agency = False  # the whole organisation's follow-up, not a quartier's

    class Meta:
        proxy = True


class Fund(models.Model):
    """A support fund granted to a project (a « coup de pouce »)."""

    class Kind(models.TextChoices):
        MOBILISATION = "mobilisation", "Mobilisation habitante"
        CADRAGE = "cadrage", "Étude de cadrage"
        DYNAMIQUE = "dynamique", "Appui à la dynamique collective"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funds")
    kind = models.CharField("type de fonds", max_length=12, choices=Kind.choices)
    amount = models.PositiveIntegerField("montant (€)")
    granted_on = models.DateField("accordé le")
    starts_on = models.DateField("début", null=True, blank=True)
    ends_on = models.DateField("fin", null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_org = "project__organisation"
    scope_quartier = None
    scope_agency = False

    class Meta:
        verbose_name = "fonds d'appui"
        ordering = ["granted_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_amount_positive"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="fund_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.amount} €"


class ProjectEvent(models.Model):
    """One line of a project's history: what changed, when, by whom. Never changed."""

    class Kind(models.TextChoices):
        CREATION = "creation", "Création"
        STAGE = "etape", "Étape"
        NEXT_STEP = "prochaine", "Prochaine étape"
        BLOCKERS = "blocages", "Points de blocage"
        ACCOMPAGNATEUR = "accompagnateur", "Accompagnateur·rice"
        FUND = "fonds", "Fonds d'appui"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("le")
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField("quoi", max_length=16, choices=Kind.choices)
    text = models.CharField("changement", max_length=500)

    objects = ScopedQuerySet.as_manager()
    scope_org = "project__organisation"
    scope_quartier = None
    scope_agency = False

    class Meta:
        verbose_name = "évènement d'un projet"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["project", "at"])]

    def __str__(self) -> str:
        return self.text


# Calls for projects (appels à projets)
#
# A call is the network's row, read by its members' staff (scope_network: it
# holds no person). An application is the network's row too (`organisation`),
# from one member (`applicant`): the coordination reads them all, scores and
# decides; a member's staff read their own (`MemberApplication`). Scores are
# the committee's (the network's staff): members never read them. Relais and
# partners read nothing.


class Call(models.Model):
    """An appel à projets: its criteria (each with a weight), its envelope and its deadline."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    title = models.CharField("titre", max_length=200)
    description = models.TextField("présentation", blank=True)
    envelope = models.PositiveIntegerField("enveloppe (€)")
    deadline = models.DateTimeField("date limite de dépôt")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_agency = False
    scope_network = True  # the members read the network's calls (to apply)

    class Meta:
        verbose_name = "appel à projets"
        ordering = ["-deadline", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(envelope__gt=0), name="call_envelope_positive")]

    def __str__(self) -> str:
        return self.title


class Criterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField("critère", max_length=200)
    weight = models.PositiveSmallIntegerField("poids")

    objects = ScopedQuerySet.as_manager()
    scope_org = "call__organisation"
    scope_quartier = None
    scope_agency = False
    scope_network = True

    class Meta:
        verbose_name = "critère"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "label"], name="criterion_once"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.label


class Application(models.Model):
    """A member's application to a call; its decision is recorded once."""

    class Status(models.TextChoices):
        DEPOSEE = "deposee", "Déposée"
        ACCORDEE = "accordee", "Accordée"
        REFUSEE = "refusee", "Refusée"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="applications")
    applicant = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", verbose_name="membre")
    title = models.CharField("projet", max_length=200)
    description = models.TextField("description")
    budget = models.PositiveIntegerField("budget (€)")
    expected_effects = models.TextField("effets attendus")
    submitted_at = models.DateTimeField("déposée le")
    submitted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField("décision", max_length=10, choices=Status.choices, default=Status.DEPOSEE)
    granted_amount = models.PositiveIntegerField("montant accordé (€)", null=True, blank=True)
    conditions = models.TextField("conditions", blank=True)
    refusal_reason = models.TextField("motif du refus", blank=True)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_agency = False

    class Meta:
        verbose_name = "candidature"
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="accordee") & Q(granted_amount__gt=0))
                | (~Q(status="accordee") & Q(granted_amount=None)),
                name="application_amount_if_granted",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MemberApplication(Application):
    """A member's applications, as its staff read them (never the committee's scores)."""

    objects = ScopedQuerySet.as_manager()
    scope_org = "applicant"
    scope_quartier = None
    scope_agency = False

    class Meta:
        proxy = True


class Score(models.Model):
    """One committee member's score (0 to 5) of one criterion of one application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    scorer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField("note")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "application__organisation"
    scope_quartier = None
    scope_agency = False

    class Meta:
        verbose_name = "note"
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion", "scorer"], name="score_once"),
            models.CheckConstraint(condition=Q(value__lte=5), name="score_at_most_5"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion} : {self.value}/5"
