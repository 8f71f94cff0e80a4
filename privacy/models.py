"""The register of people's requests about their data. (Consents, the access
journal and the flagged texts are core's: every app writes them.)

None of these rows repeats a person's name, phone or e-mail: they point at the
relais by id, so that erasing a person leaves the records that it was done.
"""

from __future__ import annotations

from django.db import models

from core.models import Organisation, User
from core.scoping import ScopedQuerySet
from relais.models import Relais


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
