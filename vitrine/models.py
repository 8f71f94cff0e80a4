"""What an organisation shows to everyone: its public page's settings, and the
initiatives it chose to show there (upcoming ones as events, past ones as stories)."""

from __future__ import annotations

from django.db import models

from core.models import Organisation
from core.scoping import ScopedQuerySet
from initiatives.models import Initiative


class PublicPage(models.Model):
    """An organisation's public page: off until it is published; each part chosen."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="public_page")
    published = models.BooleanField(
        "page publique en ligne",
        default=False,
        help_text="Tant que cette case n'est pas cochée, la page n'existe pas pour le public.",
    )
    intro = models.TextField(
        "ce qu'est un relais, en quelques mots",
        blank=True,
        max_length=2000,
        help_text="Laissé vide, la page reprend un texte général sur les habitants-relais.",
    )
    show_places = models.BooleanField("montrer les résidences et quartiers où des relais sont actifs", default=True)
    show_names = models.BooleanField(
        "nommer les relais qui ont accepté d'être présentés aux voisins",
        default=False,
        help_text="Seulement le prénom et l'initiale du nom, et seulement pour qui a donné ce consentement.",
    )
    show_events = models.BooleanField("montrer les initiatives à venir choisies ci-dessous", default=True)
    show_stories = models.BooleanField("raconter les initiatives passées choisies ci-dessous", default=True)
    accept_candidates = models.BooleanField("proposer le formulaire « Devenir relais »", default=True)
    contact = models.TextField(
        "comment joindre le bailleur",
        blank=True,
        max_length=1000,
        help_text="Adresse, téléphone, horaires de l'accueil : ce qui est imprimé aussi sur les fiches d'accueil.",
    )
    embed_origins = models.TextField(
        "sites autorisés à intégrer la page",
        blank=True,
        max_length=1000,
        help_text="Une adresse par ligne, par exemple https://www.habitat-du-lac.fr : "
        "seuls ces sites peuvent afficher la version à intégrer.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None  # the organisation's choice, made by its whole team
    scope_partner = False

    class Meta:
        verbose_name = "page publique"

    def __str__(self) -> str:
        return f"Page publique de {self.organisation}"

    @property
    def origins(self) -> list[str]:
        return [line.strip() for line in self.embed_origins.splitlines() if line.strip()]


class PublishedInitiative(models.Model):
    """An initiative the organisation shows on its public page."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    initiative = models.OneToOneField(Initiative, on_delete=models.CASCADE, related_name="publication")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_partner = False

    def __str__(self) -> str:
        return f"{self.initiative_id} publiée"
