"""A relais' way in and along: the onboarding checklist, the charter they sign,
training (modules, sessions, the path for new relais) and the milestones the
team thanks them for.

The checklist stores only what no other record says: the steps an organisation
chose, the guide acknowledged, the charter signed, a custom step ticked by
staff. Whether a relais attended a meeting, logged an activity or spoke with
the team is read from those records (parcours/steps.py), never copied here.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.models import Message, Organisation, User
from core.scoping import ScopedQuerySet
from relais.models import Relais
from reunions.models import Reunion


class OnboardingStep(models.Model):
    """One step of an organisation's checklist for new relais. An organisation
    that never changed its steps has none stored: it follows `DEFAULT_STEPS`."""

    class Kind(models.TextChoices):
        GUIDE = "guide", "Lire le guide du relais"
        CHARTE = "charte", "Signer la charte du relais"
        REUNION = "reunion", "Participer à une première réunion"
        ACTIVITE = "activite", "Noter une première activité"
        ECHANGE = "echange", "Un premier échange avec l'équipe"
        AUTRE = "autre", "Étape de l'organisation, cochée par l'équipe"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    label = models.CharField("intitulé", max_length=120)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    enabled = models.BooleanField("proposée", default=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_relais = "organisation__relais__user"  # a relais reads the steps of their checklist
    scope_partner = False

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "étape d'accueil"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind"], condition=~Q(kind="autre"), name="onboarding_step_kind_once"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def key(self) -> str:
        """The name of the step's annotation: its kind, or one per custom step."""
        return f"autre{self.pk}" if self.kind == self.Kind.AUTRE else self.kind


DEFAULT_STEPS = [
    OnboardingStep.Kind.GUIDE,
    OnboardingStep.Kind.CHARTE,
    OnboardingStep.Kind.REUNION,
    OnboardingStep.Kind.ACTIVITE,
    OnboardingStep.Kind.ECHANGE,
]


class StepTick(models.Model):
    """A custom step (kind « autre ») ticked by staff for one relais."""

    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="ticks")
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, related_name="+")
    done_on = models.DateField("fait le")
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_org = "relais__organisation"
    scope_quartier = "relais__relais_links__residence__quartier"
    scope_relais = "relais__user"
    scope_partner = False

    class Meta:
        constraints = [models.UniqueConstraint(fields=["step", "relais"], name="step_tick_once")]

    def __str__(self) -> str:
        return f"{self.step} — {self.relais_id}"


class GuideReading(models.Model):
    """The relais said, in the app, that they read the guide du relais."""

    relais = models.OneToOneField(Relais, on_delete=models.CASCADE, related_name="guide_reading")
    read_at = models.DateTimeField("lu le")

    objects = ScopedQuerySet.as_manager()
    scope_org = "relais__organisation"
    scope_quartier = "relais__relais_links__residence__quartier"
    scope_relais = "relais__user"
    scope_partner = False

    def __str__(self) -> str:
        return f"Guide lu par {self.relais_id}"


class CharterVersion(models.Model):
    """A version of the charter of the relais. Publishing a new one asks every
    relais to sign again; the old versions and their signatures are kept."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField("version")
    text = models.TextField("texte de la charte", max_length=10000)
    published_at = models.DateTimeField("publiée le")
    published_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_relais = "organisation__relais__user"
    scope_partner = True  # the charter is the network's public text, as the guide is

    class Meta:
        ordering = ["-number"]
        verbose_name = "version de la charte"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="charter_version_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="charter_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"Charte, version {self.number}"


class CharterSignature(models.Model):
    """A relais signed one version of the charter, on a date."""

    version = models.ForeignKey(CharterVersion, on_delete=models.PROTECT, related_name="signatures")
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, related_name="charter_signatures")
    signed_at = models.DateTimeField("signée le")

    objects = ScopedQuerySet.as_manager()
    scope_org = "relais__organisation"
    scope_quartier = "relais__relais_links__residence__quartier"
    scope_relais = "relais__user"
    scope_partner = False

    class Meta:
        ordering = ["-signed_at"]
        constraints = [models.UniqueConstraint(fields=["version", "relais"], name="charter_signed_once_per_version")]

    def __str__(self) -> str:
        return f"{self.version} signée par {self.relais_id}"


# Training


def duration_text(minutes: int) -> str:
    """« 2 h », « 1 h 30 », « 45 min », with non-breaking spaces."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}\u00a0h\u00a0{rest:02d}"
    return f"{hours}\u00a0h" if hours else f"{rest}\u00a0min"


class TrainingModule(models.Model):
    """A training the organisation offers (« le rôle du relais », « les écrits
    utiles »…). `path_position` set: part of the path of new relais, in that order."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    title = models.CharField("titre", max_length=200)
    objectives = models.TextField("objectifs", max_length=3000, blank=True)
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=120)
    path_position = models.PositiveSmallIntegerField(
        "place dans le parcours des nouveaux relais",
        null=True,
        blank=True,
        help_text="Laissez vide pour une formation hors parcours.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_relais = "organisation__relais__user"
    scope_partner = True  # the catalogue of trainings names nobody

    class Meta:
        ordering = [models.F("path_position").asc(nulls_last=True), "title", "pk"]
        verbose_name = "module de formation"
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=2400), name="training_duration_sane"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def duration(self) -> str:
        return duration_text(self.duration_minutes)


class TrainingMaterial(models.Model):
    """A support of a module: a link, or a PDF checked as every upload is."""

    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField("titre", max_length=200)
    url = models.URLField("lien", blank=True)
    file = models.FileField(upload_to="formations/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=60, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "module__organisation"
    scope_quartier = None
    scope_relais = "module__organisation__relais__user"
    scope_partner = True

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(file="")) | (~Q(url="") & Q(file="")), name="training_material_link_or_file"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    """A meeting of kind « formation » given for a module: invitations,
    reminders and attendance are the meeting's (reunions/), the link is here."""

    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="sessions")
    reunion = models.OneToOneField(Reunion, on_delete=models.CASCADE, related_name="training_session")

    objects = ScopedQuerySet.as_manager()
    scope_org = "module__organisation"
    scope_quartier = None
    scope_relais = "reunion__invitees__relais__user"
    scope_partner = False

    class Meta:
        verbose_name = "session de formation"

    def __str__(self) -> str:
        return f"{self.module} — {self.reunion}"


# Thanks


class Milestone(models.Model):
    """A step in a relais' engagement the team thanks them for. Noticed once
    (one row per relais and kind), its message prepared for staff to edit, then
    sent once through the outbox."""

    class Kind(models.TextChoices):
        UN_AN = "un_an", "Un an comme relais"
        DIX_ACTIVITES = "dix_activites", "Dixième activité notée"
        PREMIERE_INITIATIVE = "premiere_initiative", "Première initiative organisée"
        PARCOURS = "parcours", "Parcours de formation terminé"

    class State(models.TextChoices):
        PREPARE = "prepare", "À envoyer"
        ENVOYE = "envoye", "Envoyé"
        ECARTE = "ecarte", "Écarté"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField("étape", max_length=20, choices=Kind.choices)
    reached_on = models.DateField("atteinte le")
    body = models.TextField("message de remerciement", max_length=2000)
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.PREPARE)
    prepared_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    sent_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The outbox row that carries it (None: no consented channel, handed over on paper).
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_quartier = "relais__relais_links__residence__quartier"
    scope_relais = None  # the team's drafts; the relais receives the message itself
    scope_partner = False

    class Meta:
        ordering = ["-reached_on", "-pk"]
        verbose_name = "étape à saluer"
        constraints = [
            # Prepared once: a milestone is noticed once per relais.
            models.UniqueConstraint(fields=["relais", "kind"], name="milestone_once_per_relais"),
            # Sent once: a sent milestone has its date, and only a sent one does.
            models.CheckConstraint(
                condition=(Q(state="envoye") & Q(sent_at__isnull=False))
                | (~Q(state="envoye") & Q(sent_at__isnull=True)),
                name="milestone_sent_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.relais_id}"
