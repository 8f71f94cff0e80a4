import datetime
import uuid

from django.db import models
from django.utils import timezone

from core.models import Organisation, User
from core.scoping import ScopedQuerySet
from remontees.models import Remontee


class Bilan(models.Model):
    """The yearly report of an organisation: its texts, and the PDF last made of it.

    The figures are not stored: they are computed from the other apps each time,
    so the page always says what the data says.
    """

    class State(models.TextChoices):
        JAMAIS = "", "Pas encore généré"
        EN_ATTENTE = "en_attente", "En attente"
        EN_COURS = "en_cours", "En cours"
        PRET = "pret", "Prêt"
        ECHEC = "echec", "Échec"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="bilans")
    year = models.PositiveSmallIntegerField("année")
    introduction = models.TextField("introduction", blank=True)
    perspectives = models.TextField("perspectives", blank=True)
    examples = models.ManyToManyField(
        Remontee, blank=True, related_name="+", verbose_name="exemples « vous avez dit, nous avons fait »"
    )
    state = models.CharField("état", max_length=12, choices=State.choices, blank=True)
    error = models.CharField("erreur", max_length=500, blank=True)
    # Each request gets a new token: a task that finds another token on the row
    # was overtaken by a newer request and leaves the row alone.
    token = models.UUIDField(null=True, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="bilans/", blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    generation_seconds = models.FloatField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # The bilan covers the whole organisation: staff limited to some quartiers do
    # not see it (it names every residence); partners read it; relais never do.
    scope_quartier = None
    scope_agency = False
    scope_relais = None
    scope_partner = True  # the yearly report is for the partners too

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="bilan_unique_per_org_year"),
            models.CheckConstraint(condition=models.Q(year__gte=2000, year__lte=2100), name="bilan_year_sane"),
        ]

    def __str__(self) -> str:
        return f"Bilan {self.year}"

    @property
    def filename(self) -> str:
        return f"bilan-{self.organisation.slug}-{self.year}.pdf"

    @property
    def is_pending(self) -> bool:
        """Waiting or being made, and still expected: the page keeps polling."""
        return self.state in (self.State.EN_ATTENTE, self.State.EN_COURS) and not self.is_stuck

    @property
    def is_stuck(self) -> bool:
        """Waiting or running far beyond the task's time limit: its worker is gone."""
        if self.state not in (self.State.EN_ATTENTE, self.State.EN_COURS) or self.requested_at is None:
            return False
        return timezone.now() - self.requested_at > datetime.timedelta(minutes=15)

    @staticmethod
    def new_token() -> uuid.UUID:
        return uuid.uuid4()
