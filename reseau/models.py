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
