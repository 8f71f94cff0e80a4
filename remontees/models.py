"""What relais raise about their residence, and what becomes of it.

A remontée comes from a meeting's round table, the landlord's fiche contact, a
visit or the relais' space; it is tied to a residence and a theme, and follows
nouvelle → prise en compte → en cours → résolue, or non retenue with the reason
told back.
"""

from django.db import models

from relais.models import Organisation, Relais, Residence, User
from relais.scoping import ScopedQuerySet
from reunions.models import Reunion


class Remontee(models.Model):
    class Theme(models.TextChoices):
        PROPRETE = "proprete", "Propreté, nettoyage"
        ENCOMBRANTS = "encombrants", "Encombrants, déchets"
        SECURITE = "securite", "Sécurité, tranquillité"
        CHAUFFAGE = "chauffage", "Chauffage, eau chaude"
        ASCENSEUR = "ascenseur", "Ascenseur"
        TRAVAUX = "travaux", "Travaux, entretien"
        ESPACES_VERTS = "espaces_verts", "Espaces verts, abords"
        STATIONNEMENT = "stationnement", "Stationnement"
        VOISINAGE = "voisinage", "Vivre ensemble"
        AUTRE = "autre", "Autre"

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
        ESPACE = "espace", "Espace relais"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="remontees")
    residence = models.ForeignKey(Residence, on_delete=models.PROTECT, related_name="remontees")
    relais = models.ForeignKey(Relais, on_delete=models.SET_NULL, null=True, blank=True, related_name="remontees")
    theme = models.CharField("thème", max_length=20, choices=Theme.choices)
    nature = models.CharField("nature", max_length=12, choices=Nature.choices, default=Nature.DIFFICULTE)
    description = models.TextField("description")
    status = models.CharField("statut", max_length=16, choices=Status.choices, default=Status.NOUVELLE)
    status_reason = models.TextField("réponse ou motif", blank=True)
    source = models.CharField("origine", max_length=16, choices=Source.choices)
    reunion = models.ForeignKey(Reunion, on_delete=models.SET_NULL, null=True, blank=True, related_name="remontees")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = "residence__quartier"
    scope_relais = "relais__user"
    scope_partner = False  # free text about people: partners get figures only

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_theme_display()} — {self.residence}"
