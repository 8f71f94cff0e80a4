"""The platform's own rows: logins, organisations and who belongs to them, the
outbox, consents, the access journal and the texts flagged for review.

Two things here are older than this app and keep their place in the database:

- `User` keeps the app label `relais` (``AUTH_USER_MODEL = "relais.User"``): the
  migrations of Django's admin, allauth and MFA depend on it by that name, and a
  database made by an earlier release could not migrate if it moved. Its class is
  here, where readers look for it; its migrations stay in `relais/migrations`.
- The other models keep the tables they had in `relais` and `privacy`
  (`Meta.db_table`); `core/migrations/0001` moved them without touching a row.

Rows that concern a relais point at `relais.Relais` by name: the database knows
the relation, the code of this app never imports the relais app.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q

from core.scoping import ADMIN, STAFF, Access, ScopedQuerySet
from core.search import French


class ContactChannel(models.TextChoices):
    """How a relais prefers to be reached (`Relais.preferred_channel`)."""

    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"
    PAPER = "papier", "Papier"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("Une adresse e-mail est nécessaire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A login. E-mail is the identifier; a relais may have no login at all."""

    username = None
    email = models.EmailField("adresse e-mail", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        app_label = "relais"  # see the module's docstring
        verbose_name = "utilisateur"

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def compute_access(self, organisation_id: int | None = None) -> Access:
        """This user's access in one of their organisations (the first when not
        said); read it through `core.access.access_for`, which caches it."""
        memberships = list(self.memberships.select_related("organisation"))
        chosen = None
        if memberships:
            chosen = next((m for m in memberships if m.organisation_id == organisation_id), memberships[0])
        if self.is_superuser and (chosen is None or chosen.organisation_id != organisation_id):
            # A superuser administers every organisation, the chosen one or the first.
            orgs = list(Organisation.objects.all())
            org = next((o for o in orgs if o.pk == organisation_id), None) or (
                chosen.organisation if chosen else (orgs[0] if orgs else None)
            )
            return Access(
                user=self,
                organisation_id=org.pk if org else None,
                organisation=org,
                role=ADMIN,
                organisations=tuple(orgs),
            )
        if chosen is None:
            return Access(user=self)
        quartier_ids: frozenset[int] = frozenset()
        if chosen.role == STAFF:
            quartier_ids = frozenset(chosen.quartiers.values_list("pk", flat=True))
        return Access(
            user=self,
            organisation_id=chosen.organisation_id,
            organisation=chosen.organisation,
            role=chosen.role,
            quartier_ids=quartier_ids,
            organisations=tuple(m.organisation for m in memberships),
        )


class Organisation(models.Model):
    class Kind(models.TextChoices):
        BAILLEUR = "bailleur", "Bailleur social"
        CENTRE_SOCIAL = "centre_social", "Centre social"
        ASSOCIATION = "association", "Association"
        COLLECTIVITE = "collectivite", "Collectivité"
        # Several organisations working together (reseau/): its rows are its
        # meetings, library and the like; its members stay organisations of their own.
        RESEAU = "reseau", "Réseau"

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField(unique=True)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    logo = models.ImageField("logo", upload_to="logos/", blank=True)
    retention_months = models.PositiveSmallIntegerField(
        "durée de conservation après la sortie (mois)",
        default=24,
        help_text="Passé ce délai, les relais sorti·es sont anonymisé·es et les notes anciennes effacées.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "pk"
    scope_quartier = None
    scope_partner = True  # a partner reads the name of the organisation they work with

    class Meta:
        db_table = "relais_organisation"
        ordering = [French("name")]
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_months__gte=6) & Q(retention_months__lte=120),
                name="organisation_retention_sane",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_network(self) -> bool:
        return self.kind == self.Kind.RESEAU


class Notify(models.TextChoices):
    AT_ONCE = "aussitot", "Aussitôt, par e-mail, pour chaque nouvel élément"
    DAILY = "quotidien", "Un résumé par jour, s'il y a quelque chose à traiter"
    NEVER = "jamais", "Jamais : je consulte « À traiter » moi-même"


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Administrateur·rice"
        STAFF = "staff", "Médiation"
        PARTNER = "partenaire", "Partenaire (lecture seule)"
        RELAIS = "relais", "Relais"
        # Only in an organisation of kind « réseau » (check_data says so otherwise).
        COORDINATOR = "coordinateur", "Coordination du réseau"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=12, choices=Role.choices)
    quartiers = models.ManyToManyField(
        "relais.Quartier",
        blank=True,
        related_name="+",
        verbose_name="quartiers suivis",
        help_text="Laisser vide pour voir toute l'organisation ; sinon (agence locale) seulement ces quartiers.",
    )
    # How a staff member hears of what waits for them (the inbox): each new item
    # at once by e-mail, one digest a day, or not at all (core/notify.py).
    notify = models.CharField("être prévenu·e", max_length=10, choices=Notify.choices, default=Notify.DAILY)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_relais = "user"
    scope_partner = False

    class Meta:
        db_table = "relais_membership"
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


class NetworkMembership(models.Model):
    """An organisation's membership of a network (an organisation of kind
    « réseau »): a landlord may belong to several. The row is the network's.

    It is what core's scoping reads to let a network's staff read the rows its
    members share (`scope_network`) and a relais invited by the network read
    that meeting (`scope_guests`); `left_on` ends that at once."""

    network = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="member_links")
    member = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="network_links")
    joined_on = models.DateField("membre depuis le")
    left_on = models.DateField("sorti le", null=True, blank=True)
    shares_figures = models.BooleanField(
        "partage ses chiffres clés avec le réseau",
        default=True,
        help_text=(
            "Les chiffres agrégés du bilan (jamais une personne) sont montrés aux autres membres et à la coordination."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "network"
    scope_quartier = None
    scope_network = True  # a member reads who else is in its networks

    class Meta:
        verbose_name = "adhésion à un réseau"
        ordering = ["network", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "member"], condition=Q(left_on__isnull=True), name="network_member_once"
            ),
            models.CheckConstraint(condition=~Q(network=models.F("member")), name="network_not_own_member"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="network_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.network}"


class Message(models.Model):
    """Every message the platform sends: one row per (recipient, subject, kind).

    The row is the truth about a message: what is due, what went out, what
    failed and why. The uniqueness constraints make "send twice" impossible to
    schedule; `core.outbox` makes it impossible to send.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"

    class State(models.TextChoices):
        PENDING = "en_attente", "En attente"
        # Claimed by a worker and handed to the transport (committed before the
        # hand-off), until `sending_until`.
        SENDING = "envoi", "En cours d'envoi"
        SENT = "envoye", "Envoyé"
        # The hand-off was interrupted (the worker died while the transport had
        # the message): it may or may not have left. Never resent by itself.
        UNCERTAIN = "incertain", "Envoi incertain"
        FAILED = "echec", "Échec"
        CANCELLED = "annule", "Annulé"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    recipient_user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    recipient_relais = models.ForeignKey(
        "relais.Relais", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=60)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    address = models.CharField("adresse", max_length=254, help_text="E-mail or phone number at scheduling time.")
    scheduled_for = models.DateTimeField("prévu pour", db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    # Handed to a worker at this time; a row handed out long ago and still
    # pending (worker lost, broker down) is handed out again.
    queued_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # While « en cours d'envoi »: the hand-off's lease. A worker still sending
    # past it is presumed dead, and the message becomes « envoi incertain ».
    sending_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_relais = "recipient_relais__user"  # a relais reads what was sent to them
    scope_partner = False

    class Meta:
        db_table = "relais_message"
        constraints = [
            # A user, a relais, or neither: a bare address given on a public form
            # by someone with no account (a neighbour's reminder of an event).
            models.CheckConstraint(
                condition=Q(recipient_user__isnull=True) | Q(recipient_relais__isnull=True),
                name="message_at_most_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["recipient_user", "subject_type", "subject_id", "kind"],
                condition=Q(recipient_user__isnull=False),
                name="message_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["recipient_relais", "subject_type", "subject_id", "kind"],
                condition=Q(recipient_relais__isnull=False),
                name="message_once_per_relais",
            ),
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind"],
                condition=Q(recipient_user__isnull=True, recipient_relais__isnull=True),
                name="message_once_per_bare_address",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="message_due"),
            models.Index(fields=["sending_until"], condition=Q(state="envoi"), name="message_sending"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.address} ({self.get_state_display()})"


class Consent(models.Model):
    """One consent of a relais for one purpose, from the day it was given until
    it is withdrawn. A new consent after a withdrawal is a new row."""

    class Scope(models.TextChoices):
        ANNUAIRE = "annuaire", "Être présenté·e comme relais aux voisins et partenaires"
        SMS = "sms", "Être contacté·e par SMS"
        EMAIL = "email", "Être contacté·e par e-mail"
        PHOTOS = "photos", "Apparaître sur les photos des initiatives"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    relais = models.ForeignKey("relais.Relais", on_delete=models.CASCADE, related_name="consents")
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
        db_table = "privacy_consent"
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
    relais = models.ForeignKey("relais.Relais", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_partner = False
    scope_agency = False  # the organisation's journal: its admin reads it whole

    class Meta:
        db_table = "privacy_auditevent"
        verbose_name = "événement du journal d'accès"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.model_label} n°{self.object_id}"

    @property
    def model_label(self) -> str:
        from core import personal_data  # the registry reads these models: imported when asked

        return personal_data.label(self.model)


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
        db_table = "privacy_sensitiveflag"
        verbose_name = "texte signalé"
        ordering = ["-flagged_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.object_label} n°{self.object_id} ({self.field})"

    @property
    def object_label(self) -> str:
        from core import personal_data  # the registry reads these models: imported when asked

        return personal_data.label(self.content_type.model, self.content_type.name)
