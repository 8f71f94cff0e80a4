"""The time relais give, how the organisation values it, the last day each
relais opened their space, and the yearly attestations d'engagement."""

from __future__ import annotations

import datetime
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import Organisation, User
from core.scoping import ScopedQuerySet
from relais.models import Relais


class EngagementSettings(models.Model):
    """An organisation's choices: what an hour given is worth (with where the
    figure comes from, printed beside it) and who signs the attestations."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="engagement_settings")
    hour_value = models.DecimalField(
        "valeur d'une heure donnée (€)", max_digits=7, decimal_places=2, null=True, blank=True
    )
    hour_value_source = models.CharField(
        "source de cette valeur",
        max_length=200,
        blank=True,
        help_text="Écrite à côté du chiffre dans le bilan, par exemple « SMIC horaire brut 2026 ».",
    )
    signatory_name = models.CharField("signataire des attestations", max_length=120, blank=True)
    signatory_role = models.CharField("fonction du signataire", max_length=120, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_partner = False

    class Meta:
        verbose_name = "réglages de l'engagement"
        constraints = [
            models.CheckConstraint(
                condition=Q(hour_value__isnull=True) | Q(hour_value__gt=0, hour_value__lte=1000),
                name="engagement_hour_value_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"Réglages de l'engagement de {self.organisation}"


class LastSeen(models.Model):
    """The last day a relais opened a page of their own space: written at most
    once a day (engagement/services.py `visit_record`)."""

    relais = models.OneToOneField(Relais, on_delete=models.CASCADE, primary_key=True, related_name="last_seen")
    seen_on = models.DateField("dernière visite le")

    objects = ScopedQuerySet.as_manager()
    scope_org = "relais__organisation"
    scope_quartier = "relais__relais_links__residence__quartier"
    scope_partner = False

    def __str__(self) -> str:
        return f"{self.relais_id} vu·e le {self.seen_on}"


class AttestationRun(models.Model):
    """Staff generating every attestation of a year at once, in a Celery task
    (the `bilans` queue): en attente → en cours (done / total) → prêt / échec."""

    class State(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente"
        EN_COURS = "en_cours", "En cours"
        PRET = "pret", "Prêt"
        ECHEC = "echec", "Échec"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("année")
    signatory_name = models.CharField("signataire", max_length=120)
    signatory_role = models.CharField("fonction", max_length=120)
    state = models.CharField("état", max_length=12, choices=State.choices, default=State.EN_ATTENTE)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.CharField("erreur", max_length=500, blank=True)
    # Each request gets a new token: a task finding another one was overtaken.
    token = models.UUIDField(default=uuid.uuid4)
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_agency = False
    scope_partner = False

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="attestation_run_year_sane"),
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="attestation_run_done_le_total"),
        ]

    def __str__(self) -> str:
        return f"Attestations {self.year} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def is_stuck(self) -> bool:
        """Waiting or running far beyond the task's time limit: its worker is gone."""
        if self.state not in (self.State.EN_ATTENTE, self.State.EN_COURS):
            return False
        return timezone.now() - self.requested_at > datetime.timedelta(minutes=20)

    @property
    def is_pending(self) -> bool:
        return self.state in (self.State.EN_ATTENTE, self.State.EN_COURS) and not self.is_stuck


class Attestation(models.Model):
    """The attestation d'engagement of a relais for a year, as issued (signed,
    dated, kept); re-issuing replaces the file and raises `version`."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, related_name="attestations")
    year = models.PositiveSmallIntegerField("année")
    signatory_name = models.CharField("signataire", max_length=120)
    signatory_role = models.CharField("fonction", max_length=120)
    signed_on = models.DateField("signée le")
    version = models.PositiveSmallIntegerField(default=1)
    file = models.FileField(upload_to="attestations/%Y/", blank=True)
    minutes = models.PositiveIntegerField("heures données (minutes)", default=0)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_quartier = "relais__relais_links__residence__quartier"
    scope_relais = "relais__user"  # the relais downloads their own
    scope_partner = False

    class Meta:
        ordering = ["-year", "relais__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["relais", "year"], name="attestation_once_per_relais_year"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="attestation_year_sane"),
        ]

    def __str__(self) -> str:
        return f"Attestation {self.year} de {self.relais_id}"

    @property
    def reference(self) -> str:
        """Printed on the document, so that a reader can ask the organisation to confirm it."""
        return f"ATT-{self.year}-{self.relais_id:05d}-{self.version}"

    @property
    def filename(self) -> str:
        return f"attestation-engagement-{self.year}-{self.relais_id}.pdf"
