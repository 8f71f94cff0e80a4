import datetime
import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.models import Organisation, User
from core.scoping import ScopedQuerySet
from relais.models import Relais, Residence


class ReunionSeries(models.Model):
    """Meetings planned at once (the year's thematic meetings); each can then be
    moved or cancelled alone."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    title = models.CharField("titre", max_length=200)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_partner = True  # partners are invited to the network's meetings

    def __str__(self) -> str:
        return self.title


class Reunion(models.Model):
    class Kind(models.TextChoices):
        PLENIERE = "pleniere", "Plénière"
        THEMATIQUE = "thematique", "Thématique"
        COMITE = "comite", "Comité"
        FORMATION = "formation", "Formation"
        VISITE = "visite", "Visite de site"

    class Status(models.TextChoices):
        PREVUE = "prevue", "Prévue"
        TENUE = "tenue", "Tenue"
        ANNULEE = "annulee", "Annulée"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="reunions")
    series = models.ForeignKey(ReunionSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="reunions")
    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    title = models.CharField("titre", max_length=200)
    themes = models.CharField("thèmes", max_length=300, blank=True)
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    residence = models.ForeignKey(
        Residence,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="salle commune de la résidence",
    )
    address = models.CharField("adresse", max_length=255, blank=True)
    online_url = models.URLField("lien de visioconférence", blank=True)
    organiser = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.PREVUE)
    # RFC 5545: a stable UID, and a SEQUENCE raised on every change.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="followups")
    minutes = models.TextField("compte-rendu", blank=True)
    minutes_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # Meetings are the network's: agency staff see them all; a relais sees the
    # meetings they are invited to.
    scope_quartier = None
    scope_relais = "invitees__relais__user"
    scope_partner = True  # partners read the meetings (never the list of invitees)
    # A relais invited by a network their organisation belongs to reads that
    # meeting from their own space (« Mes réunions »), and nothing else of it.
    scope_guests = True

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="reunion_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    # What may be done with a meeting, from its own dates: each page offers an
    # action only when it makes sense, and each service refuses it otherwise.
    def has_started(self, now: datetime.datetime | None = None) -> bool:
        return self.starts_at <= (now or timezone.now())

    def is_over(self, now: datetime.datetime | None = None) -> bool:
        return self.ends_at <= (now or timezone.now())

    def attendance_open(self, today: datetime.date | None = None) -> bool:
        """Attendance is taken from the meeting's day on, never weeks ahead."""
        return timezone.localdate(self.starts_at) <= (today or timezone.localdate())

    @property
    def place(self) -> str:
        if self.residence_id:
            return f"Salle commune, {self.residence.name}, {self.residence.address} {self.residence.city}".strip()
        return self.address or self.online_url


class Invitee(models.Model):
    """Someone invited to (or present at) a meeting: a relais, or a staff member
    or partner with a login."""

    class Answer(models.TextChoices):
        NONE = "", "Pas de réponse"
        PRESENT = "present", "Présent·e"
        ABSENT = "absent", "Absent·e"
        PEUT_ETRE = "peut_etre", "Peut-être"

    reunion = models.ForeignKey(Reunion, on_delete=models.CASCADE, related_name="invitees")
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    invited = models.BooleanField(default=True, help_text="False for someone added on the day.")
    answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True)
    # The time given by a relais present (engagement/): empty means the meeting's
    # duration; staff write another when someone came late or left early.
    minutes = models.PositiveIntegerField("temps donné (minutes)", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "reunion__organisation"
    scope_quartier = None
    scope_relais = "relais__user"
    scope_partner = False
    scope_guests = True  # their invitation to a network's meeting

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(relais__isnull=True) ^ Q(user__isnull=True), name="invitee_is_relais_or_user"
            ),
            models.UniqueConstraint(
                fields=["reunion", "relais"], condition=Q(relais__isnull=False), name="invitee_relais_once"
            ),
            models.UniqueConstraint(
                fields=["reunion", "user"], condition=Q(user__isnull=False), name="invitee_user_once"
            ),
            models.CheckConstraint(
                condition=Q(minutes__isnull=True) | Q(minutes__lte=24 * 60), name="invitee_minutes_sane"
            ),
        ]

    def __str__(self) -> str:
        return str(self.relais or self.user)

    @property
    def person(self) -> Relais | User:
        return self.relais or self.user


def default_reminder_days() -> list[int]:
    return [7, 1]


class ReunionSettings(models.Model):
    """An organisation's choices for its meetings: when reminders go out."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="reunion_settings")
    reminder_days = models.JSONField("rappels (jours avant la réunion)", default=default_reminder_days)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_partner = False

    def __str__(self) -> str:
        return f"Réglages des réunions de {self.organisation}"


class AgendaItem(models.Model):
    """A point of a meeting's agenda (ordre du jour). Items carried over from a
    previous meeting point to the action they follow up."""

    reunion = models.ForeignKey(Reunion, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField("point", max_length=300)
    action = models.ForeignKey("ActionItem", on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_org = "reunion__organisation"
    scope_quartier = None
    scope_partner = False

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reunion", "action"], condition=Q(action__isnull=False), name="agenda_action_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    reunion = models.ForeignKey(Reunion, on_delete=models.CASCADE, related_name="decisions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField("décision", max_length=500)

    objects = ScopedQuerySet.as_manager()
    scope_org = "reunion__organisation"
    scope_quartier = None
    scope_partner = False

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class ActionItem(models.Model):
    """Something decided at a meeting that someone must do by a date."""

    class Status(models.TextChoices):
        OUVERTE = "ouverte", "À faire"
        FAITE = "faite", "Faite"
        ABANDONNEE = "abandonnee", "Abandonnée"

    # The reunion's, copied: the inbox and the reminders read an organisation's
    # open actions by their own index, without joining every meeting.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    reunion = models.ForeignKey(Reunion, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField("action", max_length=300)
    owner_relais = models.ForeignKey(
        Relais, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="relais responsable"
    )
    owner_user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="responsable"
    )
    due_on = models.DateField("échéance")
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.OUVERTE)
    closed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_relais = "owner_relais__user"
    scope_partner = False
    scope_guests = True  # an action a network's meeting gave them

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_relais__isnull=True) ^ Q(owner_user__isnull=True), name="action_has_one_owner"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "due_on"], name="action_org_due"),
            models.Index(fields=["organisation", "due_on"], condition=Q(status="ouverte"), name="action_open_due"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner(self) -> Relais | User:
        return self.owner_relais or self.owner_user


class CalendarFeed(models.Model):
    """A personal calendar subscription at a secret URL; a new token revokes
    the old address."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_relais = "user"
    scope_partner = True  # a partner may subscribe to the meetings' calendar
    # Views always add `user=request.user`: a feed is its owner's alone.

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_feed_per_user_and_org")]

    def __str__(self) -> str:
        return f"Agenda de {self.user}"
