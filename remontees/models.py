"""What relais raise about their residence, and what becomes of it.

A remontée comes from the relais' phone, a meeting's round table, the
landlord's fiche contact or a visit; it is tied to a residence and a theme (the
organisation's own list), and follows nouvelle → prise en compte → en cours →
résolue, or non retenue with the reason told back. Every change is an event,
kept with who and when, and the relais is told of each one through the outbox.
"""

from django.db import models

from relais.models import Organisation, Relais, Residence, User
from relais.scoping import ScopedQuerySet
from reunions.models import Reunion

DEFAULT_THEMES = [
    "Sécurité / tranquillité",
    "Propreté et encombrants",
    "Nettoyage (prestataire)",
    "Chauffage et eau chaude",
    "Ascenseur",
    "Espaces verts",
    "Travaux et réhabilitation",
    "Voisinage",
    "Autre",
]


class Theme(models.Model):
    """A theme of remontées, editable per organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="remontee_themes")
    name = models.CharField("nom", max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("proposé", default=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_relais = "organisation__relais__user"

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="theme_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name


class Remontee(models.Model):
    class Nature(models.TextChoices):
        DIFFICULTE = "difficulte", "Difficulté"
        PROPOSITION = "proposition", "Proposition"

    class Status(models.TextChoices):
        NOUVELLE = "nouvelle", "Nouvelle"
        PRISE_EN_COMPTE = "prise_en_compte", "Prise en compte"
        EN_COURS = "en_cours", "En cours"
        RESOLUE = "resolue", "Résolue"
        NON_RETENUE = "non_retenue", "Non retenue"

    class Source(models.TextChoices):
        REUNION = "reunion", "Tour de table d'une réunion"
        FICHE_CONTACT = "fiche_contact", "Fiche contact"
        VISITE = "visite", "Visite"
        ESPACE = "espace", "Espace relais (téléphone)"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="remontees")
    residence = models.ForeignKey(Residence, on_delete=models.PROTECT, related_name="remontees")
    relais = models.ForeignKey(Relais, on_delete=models.SET_NULL, null=True, blank=True, related_name="remontees")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="remontees", verbose_name="thème")
    nature = models.CharField("nature", max_length=12, choices=Nature.choices, default=Nature.DIFFICULTE)
    description = models.TextField("description")
    photo = models.ImageField("photo", upload_to="remontees/%Y/%m/", blank=True)
    status = models.CharField("statut", max_length=16, choices=Status.choices, default=Status.NOUVELLE)
    status_reason = models.TextField("réponse ou motif", blank=True)
    assignee = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="suivie par"
    )
    source = models.CharField("origine", max_length=16, choices=Source.choices)
    reunion = models.ForeignKey(Reunion, on_delete=models.SET_NULL, null=True, blank=True, related_name="remontees")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was first answered (left « nouvelle ») and closed: the bilan's delays.
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = "residence__quartier"
    scope_relais = "relais__user"
    scope_partner = False  # free text about people: partners get figures only

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.theme} — {self.residence}"

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.RESOLUE, self.Status.NON_RETENUE)


class RemonteeEvent(models.Model):
    """One step of a remontée's life: raised, status changed, reopened by the
    relais, assigned. Kept with who and when."""

    class Kind(models.TextChoices):
        CREEE = "creee", "Remontée"
        STATUT = "statut", "Changement de statut"
        ROUVERTE = "rouverte", "Rouverte par le relais"
        ATTRIBUEE = "attribuee", "Attribuée"

    remontee = models.ForeignKey(Remontee, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Remontee.Status.choices)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "remontee__organisation"
    scope_quartier = "remontee__residence__quartier"
    scope_relais = "remontee__relais__user"
    scope_partner = False

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"
