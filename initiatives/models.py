"""What relais run in their residence, the logistics and small grants behind
it, and what came of it.

Overbooking of the equipment and the rooms is prevented where it can be: in
the approval's database transaction, with the stock rows locked (see
initiatives/services.py).
"""

import datetime

from django.db import models
from django.db.models import F, Q

from core.formats import euros
from core.models import Organisation, User
from core.scoping import ScopedQuerySet
from core.search import French
from relais.models import Quartier, Relais, Residence

DEFAULT_KINDS = [
    "Fête des voisins",
    "Repas partagé",
    "Atelier cuisine",
    "Atelier théâtre",
    "Atelier bien-être",
    "Atelier de langue",
    "Atelier numérique",
    "Atelier couture",
    "Porte-à-porte",
    "Visite de courtoisie",
    "Jardinières et jardin partagé",
    "Sortie",
    "Action solidaire",
    "Autre",
]


class OrgScoped(models.Model):
    """Rows of an organisation that staff of every agency share."""

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    scope_partner = True  # kinds, partners, equipment and rooms: the catalogue's vocabulary

    class Meta:
        abstract = True


class InitiativeKind(OrgScoped):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="initiative_kinds")
    name = models.CharField("nom", max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("proposé", default=True)

    scope_relais = "organisation__relais__user"

    class Meta:
        ordering = ["position", French("name")]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="kind_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name


class Partner(OrgScoped):
    """A partner of the initiatives: social centre, association, Voisins solidaires…"""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField("nom", max_length=150)

    scope_relais = "organisation__relais__user"

    class Meta:
        ordering = [French("name")]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="partner_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name


class Initiative(models.Model):
    class Status(models.TextChoices):
        IDEE = "idee", "Idée"
        PREVUE = "prevue", "Prévue"
        REALISEE = "realisee", "Réalisée"
        ANNULEE = "annulee", "Annulée"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="initiatives")
    kind = models.ForeignKey(InitiativeKind, on_delete=models.PROTECT, related_name="initiatives", verbose_name="type")
    title = models.CharField("titre", max_length=200)
    description = models.TextField("description", blank=True)
    starts_on = models.DateField("date")
    ends_on = models.DateField("jusqu'au", null=True, blank=True)
    residences = models.ManyToManyField(Residence, blank=True, related_name="initiatives", verbose_name="résidences")
    quartier = models.ForeignKey(
        Quartier, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="quartier"
    )
    place = models.CharField("lieu", max_length=200, blank=True, help_text="Un espace public, une salle…")
    organisers = models.ManyToManyField(
        Relais, blank=True, related_name="initiatives", verbose_name="relais organisateurs", through="Organiser"
    )
    partners = models.ManyToManyField(Partner, blank=True, related_name="initiatives", verbose_name="partenaires")
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.IDEE)
    # After the event.
    participants = models.PositiveIntegerField("participants", null=True, blank=True)
    children = models.PositiveIntegerField("dont enfants", null=True, blank=True)
    adults = models.PositiveIntegerField("dont adultes", null=True, blank=True)
    seniors = models.PositiveIntegerField("dont seniors", null=True, blank=True)
    newcomers = models.PositiveIntegerField("dont nouvelles têtes", null=True, blank=True)
    went_well = models.TextField("ce qui a bien marché", blank=True)
    went_badly = models.TextField("ce qui n'a pas marché", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None  # events are the network's, like meetings
    scope_relais = "organisers__user"
    scope_relais_writes = True  # the organisers propose, report and ask for logistics
    scope_partner = True  # partners read the catalogue (organisers' names are not shown to them)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="initiative_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def relais_report_refusal(self, today: datetime.date) -> str:
        """Why the organisers may not tell how it went (yet), or "" when they may.
        Staff confirm an idea first, and correct a report already made."""
        if self.status == self.Status.REALISEE:
            return "Le bilan de cette initiative est déjà fait ; pour le corriger, demandez à l'équipe de médiation."
        if self.status != self.Status.PREVUE:
            return "L'équipe de médiation doit d'abord confirmer cette initiative."
        if self.starts_on > today:
            return f"Vous pourrez raconter l'initiative une fois qu'elle aura eu lieu (le {self.starts_on:%d/%m/%Y})."
        return ""


class Organiser(models.Model):
    """A relais organising an initiative, and the time they gave to it
    (engagement/). The table is the one the plain many-to-many had."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE)
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE)
    minutes = models.PositiveIntegerField("temps donné (minutes)", default=0)

    class Meta:
        db_table = "initiatives_initiative_organisers"
        unique_together = [("initiative", "relais")]
        constraints = [models.CheckConstraint(condition=Q(minutes__lte=200 * 60), name="organiser_minutes_sane")]

    def __str__(self) -> str:
        return f"{self.relais_id} → {self.initiative_id}"


class InitiativeStatusChange(models.Model):
    """Each status an initiative took, and when: the bilan reads an initiative's
    status as it was at the end of its period, not as it is the day it is made
    (a December event reported in February was not « réalisée » on 31 December)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Initiative.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Initiative.Status.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_org = "initiative__organisation"
    scope_quartier = None
    scope_relais = None
    scope_partner = False

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["initiative", "at"])]

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.from_status or '—'} → {self.to_status} ({self.at:%Y-%m-%d})"


class InitiativePhoto(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="initiatives/%Y/%m/")
    caption = models.CharField("légende", max_length=200, blank=True)
    consent = models.BooleanField("les personnes visibles ont donné leur accord", default=False)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "initiative__organisation"
    scope_quartier = None
    scope_relais = "initiative__organisers__user"
    scope_partner = False

    def __str__(self) -> str:
        return self.caption or f"Photo {self.pk}"


class NeighbourAttendance(models.Model):
    """A neighbour without an account who said, on the organisation's public
    page, they would come to an initiative open to all: a name or a pseudonym
    and how many they will be, and where to remind them if they wish. The
    public app writes it through
    `services.neighbour_attendance_add`; the count feeds the initiative's report
    (`selectors.announced`). The name is blanked the day after the event
    (initiatives/personal_data.py): the household stays, so the count does too."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="neighbour_attendances")
    name = models.CharField("nom ou pseudonyme", max_length=80, blank=True)
    household = models.PositiveSmallIntegerField("nombre de personnes", default=1)
    # Where to send the one reminder they asked for (an e-mail address, or a
    # mobile number in E.164), blank when they did not: used for nothing else,
    # erased with the name the day after the event.
    remind_to = models.CharField("rappel à", max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = None
    # The organisers of the event see who said they would come; partners do not.
    scope_relais = "initiative__organisers__user"
    scope_partner = False

    class Meta:
        verbose_name = "venue annoncée"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(household__gte=1) & Q(household__lte=20), name="attendance_household_sane"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or 'anonyme'} ({self.household})"


# What relais learn from each other: the initiatives done, read by every relais
# of the organisation. Proxies of the same rows with a scope of their own (the
# one mechanism, core/scoping.py): a relais reads the reports of others' events
# here, and writes only to the initiatives they organise, through Initiative.


class _Done(models.Manager.from_queryset(ScopedQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(status=Initiative.Status.REALISEE)


class SharedInitiative(Initiative):
    """An initiative done, as the relais' catalogue shows it."""

    objects = _Done()
    scope_relais = "organisation__relais__user"
    scope_relais_writes = False

    class Meta:
        proxy = True
        verbose_name = "initiative du catalogue des relais"


class _Shown(models.Manager.from_queryset(ScopedQuerySet)):
    def get_queryset(self):
        # Only photos whose recognisable people agreed, of initiatives done.
        return super().get_queryset().filter(consent=True, initiative__status=Initiative.Status.REALISEE)


class SharedPhoto(InitiativePhoto):
    """A photo of the relais' catalogue: shown only with the consent of those on it."""

    objects = _Shown()
    scope_relais = "initiative__organisation__relais__user"

    class Meta:
        proxy = True
        verbose_name = "photo du catalogue des relais"


# Logistics


class Equipment(OrgScoped):
    """Lendable equipment and how many the organisation owns."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="equipment")
    name = models.CharField("matériel", max_length=120)
    quantity = models.PositiveIntegerField("quantité en stock")

    scope_relais = "organisation__relais__user"

    class Meta:
        ordering = [French("name")]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="equipment_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name


class Room(OrgScoped):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField("salle", max_length=120)
    residence = models.ForeignKey(Residence, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    scope_relais = "organisation__relais__user"

    class Meta:
        ordering = [French("name")]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="room_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name


class LogisticsRequest(models.Model):
    """Equipment for some days and/or a room for some hours, for an initiative."""

    class Status(models.TextChoices):
        DEMANDEE = "demandee", "Demandée"
        APPROUVEE = "approuvee", "Accordée"
        REFUSEE = "refusee", "Refusée"

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="logistics")
    starts_on = models.DateField("du")
    ends_on = models.DateField("au")
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="salle"
    )
    room_starts_at = models.DateTimeField("salle de", null=True, blank=True)
    room_ends_at = models.DateTimeField("salle jusqu'à", null=True, blank=True)
    note = models.TextField("précisions", blank=True)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DEMANDEE)
    decision_reason = models.TextField("motif", blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "initiative__organisation"
    scope_quartier = None
    scope_relais = "initiative__organisers__user"
    scope_partner = False

    class Meta:
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="logistics_ends_after_start"),
            models.CheckConstraint(
                condition=Q(room__isnull=True)
                | (Q(room_starts_at__isnull=False) & Q(room_ends_at__gt=F("room_starts_at"))),
                name="logistics_room_has_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"Logistique pour {self.initiative}"


class LogisticsLine(models.Model):
    request = models.ForeignKey(LogisticsRequest, on_delete=models.CASCADE, related_name="lines")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField("quantité demandée")
    granted = models.PositiveIntegerField("quantité accordée", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "request__initiative__organisation"
    scope_quartier = None
    scope_relais = "request__initiative__organisers__user"
    scope_partner = False

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "equipment"], name="one_line_per_equipment")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.equipment}"


# Small grants


class GrantRequest(models.Model):
    """A request to the organisation's small-grant committee (fonds de
    participation des habitants)."""

    class Status(models.TextChoices):
        DEMANDEE = "demandee", "Demandée"
        ACCORDEE = "accordee", "Accordée"
        REFUSEE = "refusee", "Refusée"

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="grants")
    objectives = models.TextField("ce que nous voulons faire")
    expected_participants = models.PositiveIntegerField("participants attendus")
    amount_requested = models.DecimalField("montant demandé (€)", max_digits=8, decimal_places=2)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DEMANDEE)
    amount_granted = models.DecimalField("montant accordé (€)", max_digits=8, decimal_places=2, null=True, blank=True)
    decided_on = models.DateField("date de la décision", null=True, blank=True)
    conditions = models.TextField("conditions", blank=True)
    refusal_reason = models.TextField("motif du refus", blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "initiative__organisation"
    scope_quartier = None
    scope_relais = "initiative__organisers__user"
    scope_partner = True  # amounts are figures, not personal data

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="grant_requested_positive"),
            models.CheckConstraint(
                condition=~Q(status="accordee") | Q(amount_granted__gt=0), name="grant_granted_has_amount"
            ),
            models.CheckConstraint(
                condition=~Q(status="refusee") | ~Q(refusal_reason=""), name="grant_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Subvention pour {self.initiative}"

    @property
    def budget_total(self):
        return sum(line.amount for line in self.budget_lines.all())


class BudgetLine(models.Model):
    grant = models.ForeignKey(GrantRequest, on_delete=models.CASCADE, related_name="budget_lines")
    label = models.CharField("poste", max_length=150)
    amount = models.DecimalField("montant (€)", max_digits=8, decimal_places=2)

    objects = ScopedQuerySet.as_manager()
    scope_org = "grant__initiative__organisation"
    scope_quartier = None
    scope_relais = "grant__initiative__organisers__user"
    scope_partner = True  # a grant's budget: figures, like the grant itself

    def __str__(self) -> str:
        return f"{self.label}\u00a0: {euros(self.amount)}"
