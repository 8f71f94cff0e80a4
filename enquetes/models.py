"""Questionnaires (enquêtes): built by staff in sections and questions, answered
by relais through a personal link, by tenants through an open link or a
poster's QR code, by a meeting's participants, or on paper typed in by staff.

Anonymity is held by the tables themselves: a `Response` and its `Answer`s
have random ids (no order to read), a date to the day (no time to match), and
in an anonymous questionnaire no column that leads to a person: the personal
link is an `Invitation` whose `used` says it served (no date), and nothing points
from it to the answer or back. Only a named questionnaire's response keeps its
invitation (to be changed until the close date)."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.models import Organisation, User
from core.scoping import ScopedQuerySet
from relais.models import Relais, Residence
from reunions.models import Reunion


def random_id() -> int:
    """A random primary key (62 bits: fits PostgreSQL's bigint and the review
    flags' object id): the order of the rows says nothing of who came first."""
    return secrets.randbits(62) or 1


KEY_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"  # nothing to mistake when typed from a poster


def public_key() -> str:
    """The open link's key: 10 letters and digits (about 49 bits), read and typed easily."""
    return "".join(secrets.choice(KEY_LETTERS) for _ in range(10))


class Questionnaire(models.Model):
    class Audience(models.TextChoices):
        RELAIS = "relais", "Les relais (lien personnel)"
        LOCATAIRES = "locataires", "Les locataires d'une ou plusieurs résidences (lien ouvert, affiche)"
        REUNION = "reunion", "Les participants d'une réunion (envoyé le lendemain)"

    class Template(models.TextChoices):
        NONE = "", "Aucun"
        BAROMETRE = "barometre", "Baromètre de la confiance"
        REUNION = "reunion", "Satisfaction après une réunion"
        INITIATIVE = "initiative", "Satisfaction après une initiative"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    title = models.CharField("titre", max_length=200)
    intro = models.TextField("présentation", blank=True, help_text="Ce que verra la personne en ouvrant le lien.")
    anonymous = models.BooleanField(
        "anonyme",
        default=True,
        help_text="Anonyme : personne ne peut savoir qui a répondu quoi, et une réponse ne peut plus être modifiée. "
        "Nominatif : la réponse reste liée à son lien personnel et se modifie jusqu'à la clôture.",
    )
    audience = models.CharField("public", max_length=12, choices=Audience.choices, default=Audience.RELAIS)
    residences = models.ManyToManyField(Residence, blank=True, related_name="+", verbose_name="résidences")
    reunion = models.ForeignKey(
        Reunion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="réunion"
    )
    template = models.CharField(max_length=12, choices=Template.choices, blank=True)
    # The same questionnaire year after year: the results are compared along it.
    family = models.SlugField("série", max_length=60, blank=True)
    year = models.PositiveIntegerField("année")
    opens_on = models.DateField("ouvert le")
    closes_on = models.DateField("clos le")
    key = models.CharField(max_length=20, unique=True, default=public_key, editable=False)
    sent_on = models.DateField(null=True, blank=True, editable=False)
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None  # the organisation's questionnaires: agency staff see them all

    class Meta:
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="questionnaire_closes_after_open"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on


class Section(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField("titre", max_length=200)
    position = models.PositiveIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_org = "questionnaire__organisation"
    scope_quartier = None

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        SCALE = "echelle", "Échelle"
        SINGLE = "choix", "Choix unique"
        MULTIPLE = "choix_multiple", "Choix multiple"
        NUMBER = "nombre", "Nombre"
        SHORT = "texte_court", "Texte court"
        LONG = "texte_long", "Texte long"

    SCALES = {"0-7": (0, 7), "0-10": (0, 10), "1-5": (1, 5)}

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField("type", max_length=16, choices=Kind.choices)
    text = models.CharField("question", max_length=500)
    help = models.CharField("précision", max_length=300, blank=True)
    required = models.BooleanField("réponse obligatoire", default=False)
    scale_min = models.SmallIntegerField(null=True, blank=True)
    scale_max = models.SmallIntegerField(null=True, blank=True)
    label_min = models.CharField("libellé du bas de l'échelle", max_length=120, blank=True)
    label_max = models.CharField("libellé du haut de l'échelle", max_length=120, blank=True)
    options = models.JSONField("choix proposés", default=list, blank=True)
    # Shown only when an earlier question's answer is one of these values
    # (an option's number, or a scale's value).
    show_if = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="affichée si"
    )
    show_if_values = models.JSONField(default=list, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "questionnaire__organisation"
    scope_quartier = None

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="echelle") | Q(scale_min__isnull=False, scale_max__gt=F("scale_min")),
                name="question_scale_has_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_choice(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)

    @property
    def is_text(self) -> bool:
        return self.kind in (self.Kind.SHORT, self.Kind.LONG)

    @property
    def scale_values(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1)) if self.kind == self.Kind.SCALE else []

    @property
    def condition_text(self) -> str:
        """« « Oui » à « Avez-vous participé… » »: when the question is asked."""
        if self.show_if is None:
            return ""
        values = " ou ".join(f"«\u00a0{self.show_if.value_label(v)}\u00a0»" for v in self.show_if_values)
        return f"{values} à «\u00a0{self.show_if.text}\u00a0»"

    def value_label(self, value) -> str:
        """How an option's number or a scale's value reads."""
        if self.is_choice:
            try:
                return self.options[int(value)]
            except (IndexError, ValueError, TypeError):
                return str(value)
        return str(value)


class Invitation(models.Model):
    """A personal link sent to a relais (all relais, a quartier, a residence, a
    meeting's participants). `used` says it served, with no date: in an
    anonymous questionnaire nothing says for which answer, nor which day."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="invitations")
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, related_name="+")
    used = models.BooleanField(default=False)
    reminded = models.BooleanField(default=False)

    objects = ScopedQuerySet.as_manager()
    scope_org = "questionnaire__organisation"
    scope_quartier = "relais__relais_links__residence__quartier"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["questionnaire", "relais"], name="invitation_once")]

    def __str__(self) -> str:
        return f"{self.questionnaire} — {self.relais}"


class Response(models.Model):
    """One person's answers. Random id, a day and no time; `invitation` only in
    a named questionnaire. The residence (and through it the quartier and
    QPV) and the channel are the groups results are counted by."""

    class Channel(models.TextChoices):
        LIEN = "lien", "Lien personnel"
        QR = "qr", "Lien ouvert ou QR code"
        PAPIER = "papier", "Papier"

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses")
    submitted_on = models.DateField("répondu le")
    channel = models.CharField("canal", max_length=8, choices=Channel.choices)
    residence = models.ForeignKey(Residence, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    invitation = models.OneToOneField(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="response"
    )

    objects = ScopedQuerySet.as_manager()
    scope_org = "questionnaire__organisation"
    scope_quartier = None

    def __str__(self) -> str:
        return f"Réponse du {self.submitted_on:%d/%m/%Y}"


class Answer(models.Model):
    """One answer to one question: `number` for a scale or a number, `option`
    for a choice (a multiple choice is one row per option ticked), `text` for
    free text (read only once the sensitive-word guard let it through)."""

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    option = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "response__questionnaire__organisation"
    scope_quartier = None

    class Meta:
        indexes = [models.Index(fields=["question", "option"]), models.Index(fields=["question", "number"])]

    def __str__(self) -> str:
        return f"{self.question}"
