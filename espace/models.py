from django.db import models

from core.models import Organisation, User
from core.scoping import ScopedQuerySet
from relais.models import Quartier, Relais, Residence
from reunions.models import ReunionSeries


class Activity(models.Model):
    """What a relais did, logged from the phone in a few taps: counts and themes,
    never the names of the neighbours (they did not consent to be recorded)."""

    class Kind(models.TextChoices):
        PORTE_A_PORTE = "porte_a_porte", "Porte-à-porte"
        VISITE_COURTOISIE = "visite", "Visite de courtoisie (nouveau locataire, personne isolée)"
        VOISIN_AIDE = "aide", "Voisin aidé ou orienté"
        AUTRE = "autre", "Autre"

    class Theme(models.TextChoices):
        ACCUEIL = "accueil", "Accueil, lien entre voisins"
        LOGEMENT = "logement", "Logement, réparations"
        PROPRETE = "proprete", "Propreté, encombrants"
        TRANQUILLITE = "tranquillite", "Tranquillité"
        DEMARCHES = "demarches", "Démarches, droits"
        ISOLEMENT = "isolement", "Isolement"
        AUTRE = "autre", "Autre"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField("ce que j'ai fait", max_length=16, choices=Kind.choices)
    date = models.DateField("le")
    households = models.PositiveSmallIntegerField("foyers rencontrés", default=1)
    theme = models.CharField("sujet principal", max_length=16, choices=Theme.choices, default=Theme.ACCUEIL)
    # The time given (engagement/): 0 for what was logged before it was asked.
    minutes = models.PositiveIntegerField("temps passé (minutes)", default=0)
    # A phone may send the same form twice (offline queue, double tap): the key
    # it generated makes the second one a no-op.
    client_key = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = "relais__relais_links__residence__quartier"
    scope_relais = "relais__user"
    scope_partner = True  # counts of doors knocked and neighbours helped, no text

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = "activité"
        constraints = [
            models.UniqueConstraint(fields=["client_key"], name="activity_client_key_unique"),
            models.CheckConstraint(
                condition=models.Q(households__gte=0, households__lte=500), name="activity_households_sane"
            ),
            models.CheckConstraint(condition=models.Q(minutes__lte=24 * 60), name="activity_minutes_sane"),
        ]
        indexes = [
            # Each relais' last activity (engagement's relais at risk) read as one row.
            models.Index(fields=["relais", "-date"], name="activity_relais_last"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.date}"


class Guide(models.Model):
    """The relais guide (guide du relais) of an organisation: written by staff,
    read by relais on the phone, printable."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="guide")
    missions = models.TextField("les missions du relais", blank=True)
    charter = models.TextField("la charte", blank=True)
    contacts = models.TextField("qui appeler pour quoi", blank=True)
    reception_phone = models.CharField("téléphone de l'accueil", max_length=30, blank=True)
    emergency_phone = models.CharField("urgences techniques (soir et week-end)", max_length=30, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_relais = "organisation__relais__user"
    scope_partner = True  # the guide is the network's public text

    def __str__(self) -> str:
        return f"Guide du relais — {self.organisation}"


class Announcement(models.Model):
    """A message from staff to many relais at once: all of them, a quartier, a
    residence or the invitees of a series of meetings. Written as a draft, sent
    once confirmed (it goes to many people): then each recipient has a row, and
    the outbox a message by their consented channel (paper otherwise)."""

    class Audience(models.TextChoices):
        TOUS = "tous", "Tous les relais actifs"
        QUARTIER = "quartier", "Les relais d'un quartier"
        RESIDENCE = "residence", "Les relais d'une résidence"
        SERIE = "serie", "Les invités d'une série de réunions"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    title = models.CharField("titre", max_length=120)
    body = models.TextField("message", max_length=5000)
    audience = models.CharField("à qui", max_length=10, choices=Audience.choices)
    quartier = models.ForeignKey(Quartier, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    residence = models.ForeignKey(Residence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    series = models.ForeignKey(ReunionSeries, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The short link an SMS carries (/espace/a/<token>/): it opens nothing by itself.
    token = models.CharField(max_length=16, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)
    sent_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None  # the organisation's word to its network
    scope_relais = "recipients__relais__user"
    scope_partner = False

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "annonce"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audience="tous")
                | models.Q(audience="quartier", quartier__isnull=False)
                | models.Q(audience="residence", residence__isnull=False)
                | models.Q(audience="serie", series__isnull=False),
                name="announcement_audience_named",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AnnouncementRecipient(models.Model):
    """A relais an announcement was sent to, by which channel, and when they read it."""

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"
        PAPIER = "papier", "Papier"

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="recipients")
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField("canal", max_length=10, choices=Channel.choices)
    read_at = models.DateTimeField("lue le", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "announcement__organisation"
    scope_quartier = None
    scope_relais = "relais__user"
    scope_partner = False

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "relais"], name="announcement_recipient_once"),
        ]

    def __str__(self) -> str:
        return f"{self.announcement} → {self.relais_id}"


class AnnouncementAttachment(models.Model):
    """A file sent with an announcement: a PDF, or a photo cleaned as every photo is."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="annonces/%Y/%m/")
    name = models.CharField("nom", max_length=200)
    content_type = models.CharField(max_length=60)

    objects = ScopedQuerySet.as_manager()
    scope_org = "announcement__organisation"
    scope_quartier = None
    scope_relais = "announcement__recipients__relais__user"
    scope_partner = False

    def __str__(self) -> str:
        return self.name
