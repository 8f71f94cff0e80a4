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

    class Period(models.TextChoices):
        ANNEE = "annee", "Année civile (janvier à décembre)"
        SCOLAIRE = "scolaire", "Année scolaire (septembre à août)"
        LIBRE = "libre", "Période libre"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="bilans")
    year = models.PositiveSmallIntegerField("année")
    # The period counted: the calendar year by default, the school year that
    # starts in September of `year`, or any period (starts_on to ends_on),
    # compared with the period of the same length just before.
    period = models.CharField("période", max_length=10, choices=Period.choices, default=Period.ANNEE)
    starts_on = models.DateField("du", null=True, blank=True)
    ends_on = models.DateField("au", null=True, blank=True)
    colour = models.CharField("couleur du document", max_length=7, default="#1f5f8b")
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
            models.CheckConstraint(
                condition=~models.Q(period="libre")
                | models.Q(starts_on__isnull=False, ends_on__isnull=False, ends_on__gte=models.F("starts_on")),
                name="bilan_free_period_has_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"Bilan {self.label}"

    @property
    def bounds(self) -> tuple[datetime.date, datetime.date]:
        """The first and last day of the period counted."""
        if self.period == self.Period.LIBRE and self.starts_on and self.ends_on:
            return self.starts_on, self.ends_on
        if self.period == self.Period.SCOLAIRE:
            return datetime.date(self.year, 9, 1), datetime.date(self.year + 1, 8, 31)
        return datetime.date(self.year, 1, 1), datetime.date(self.year, 12, 31)

    @property
    def label(self) -> str:
        """How the document names its period: « 2025 », « 2025-2026 », « 01/03/2025 – 28/02/2026 »."""
        return period_label(*self.bounds, self.period)

    @property
    def previous_bounds(self) -> tuple[datetime.date, datetime.date]:
        """The period compared with: the year before (civil or school), or the same length just before."""
        first, last = self.bounds
        if self.period == self.Period.LIBRE:
            before = first - datetime.timedelta(days=1)
            return before - (last - first), before
        return _year_before(first), _year_before(last)

    def previous_day(self, day: datetime.date) -> datetime.date:
        """The day of the previous period that matches `day` (to cut it as the period in progress is)."""
        if self.period == self.Period.LIBRE:
            return day - (self.bounds[0] - self.previous_bounds[0])
        return _year_before(day)

    @property
    def filename(self) -> str:
        return f"bilan-{self.organisation.slug}-{self.label.replace('/', '-').replace(' – ', '-au-')}.pdf"

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


def _year_before(day: datetime.date) -> datetime.date:
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


def period_label(first: datetime.date, last: datetime.date, kind: str = "") -> str:
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
        return str(first.year)
    if (first.month, first.day, last.month, last.day) == (9, 1, 8, 31) and last.year == first.year + 1:
        return f"{first.year}-{last.year}"
    return f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"
