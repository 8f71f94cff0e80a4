"""What a data protection officer asks to see: consents, rights requests,
who touched personal data, and texts that may hold sensitive data.

None of these rows repeats a person's name, phone or e-mail: they point at the
relais by id, so that erasing a person leaves the records that it was done.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from relais.models import Organisation, Relais, User
from relais.scoping import ScopedQuerySet

# What the journal and the review page call each kind of row, in French.
LABELS = {
    "relais": "fiche relais",
    "relaisresidence": "résidence relayée",
    "relaisstatuschange": "changement de statut",
    "contactlog": "échange noté",
    "consent": "consentement",
    "activity": "activité",
    "remontee": "remontée",
    "remonteeevent": "suivi de remontée",
    "reunion": "réunion",
}


class Consent(models.Model):
    """One consent of a relais for one purpose, from the day it was given until
    it is withdrawn. A new consent after a withdrawal is a new row."""

    class Scope(models.TextChoices):
        ANNUAIRE = "annuaire", "Être présenté·e comme relais aux voisins et partenaires"
        SMS = "sms", "Être contacté·e par SMS"
        EMAIL = "email", "Être contacté·e par e-mail"
        PHOTOS = "photos", "Apparaître sur les photos des initiatives"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField("objet", max_length=10, choices=Scope.choices)
    given_on = models.DateField("donné le")
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    withdrawn_on = models.DateField("retiré le", null=True, blank=True)
    withdrawn_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = "relais__relais_links__residence__quartier"
    scope_relais = "relais__user"
    scope_partner = False

    class Meta:
        verbose_name = "consentement"
        ordering = ["scope", "-given_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["relais", "scope"], condition=Q(withdrawn_on__isnull=True), name="consent_active_once"
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} ({self.given_on})"


class RightsRequest(models.Model):
    """A request from a person about their data, and when it was handled."""

    class Kind(models.TextChoices):
        ACCES = "acces", "Accès (copie des données)"
        RECTIFICATION = "rectification", "Rectification"
        EFFACEMENT = "effacement", "Effacement"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    relais = models.ForeignKey(Relais, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField("demande", max_length=15, choices=Kind.choices)
    received_on = models.DateField("reçue le")
    handled_on = models.DateField("traitée le", null=True, blank=True)
    handled_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(
        "suite donnée", max_length=300, blank=True, help_text="Sans nom ni coordonnées : ce registre est conservé."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = "relais__relais_links__residence__quartier"
    scope_relais = "relais__user"
    scope_partner = False

    class Meta:
        verbose_name = "demande d'exercice de droits"
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.received_on}"


class AuditEvent(models.Model):
    """Who viewed, exported, changed or deleted personal data, and when."""

    class Action(models.TextChoices):
        CONSULTATION = "consultation", "Consultation"
        EXPORT = "export", "Export"
        CREATION = "creation", "Création"
        MODIFICATION = "modification", "Modification"
        SUPPRESSION = "suppression", "Suppression"
        EFFACEMENT = "effacement", "Effacement sur demande"
        ANONYMISATION = "anonymisation", "Anonymisation (durée de conservation)"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=15, choices=Action.choices)
    model = models.CharField("donnée", max_length=60)
    object_id = models.PositiveBigIntegerField()
    relais = models.ForeignKey(Relais, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_partner = False
    scope_agency = False  # the organisation's journal: its admin reads it whole

    class Meta:
        verbose_name = "événement du journal d'accès"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.model_label} n°{self.object_id}"

    @property
    def model_label(self) -> str:
        return LABELS.get(self.model, self.model)


class SensitiveFlag(models.Model):
    """A text saved although it seemed to hold sensitive data, for staff to review."""

    class Outcome(models.TextChoices):
        KEPT = "conserve", "Conservé tel quel"
        REMOVED = "retire", "Texte retiré"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(max_length=60)
    categories = models.CharField("catégories repérées", max_length=200)
    flagged_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    flagged_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_partner = False
    scope_agency = False  # the texts of the whole organisation: reviewed by its unrestricted staff

    class Meta:
        verbose_name = "texte signalé"
        ordering = ["-flagged_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.object_label} n°{self.object_id} ({self.field})"

    @property
    def object_label(self) -> str:
        return LABELS.get(self.content_type.model, self.content_type.name)
