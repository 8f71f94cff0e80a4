from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import models
from django.db.models import Q

from core.models import Consent, ContactChannel, Organisation, User
from core.scoping import ScopedQuerySet
from core.search import French


class Quartier(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="quartiers")
    name = models.CharField("nom", max_length=120)
    is_qpv = models.BooleanField("QPV", default=False, help_text="Quartier prioritaire de la politique de la ville")

    objects = ScopedQuerySet.as_manager()
    scope_quartier = "pk"
    scope_partner = True

    class Meta:
        ordering = [French("name")]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="quartier_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name


class Residence(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="residences")
    quartier = models.ForeignKey(Quartier, on_delete=models.PROTECT, related_name="residences", null=True, blank=True)
    name = models.CharField("nom", max_length=200)
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    dwellings = models.PositiveIntegerField("nombre de logements", default=0)
    reference = models.CharField(
        "référence bailleur",
        max_length=50,
        blank=True,
        help_text="Le code du bailleur pour cette résidence ; il sert à mettre à jour lors des imports.",
    )
    has_common_room = models.BooleanField("salle commune", default=False)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_relais = "relais_links__relais__user"
    scope_partner = True

    class Meta:
        ordering = [French("name")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference"],
                condition=~Q(reference=""),
                name="residence_reference_unique_per_org",
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90))
                & (Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180)),
                name="residence_coordinates_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Relais(models.Model):
    """A habitant-relais: a person, with or without a login."""

    class Status(models.TextChoices):
        CANDIDAT = "candidat", "Candidat·e"
        ACTIF = "actif", "Actif·ve"
        PAUSE = "pause", "En pause"
        SORTI = "sorti", "Sorti·e"

    Channel = ContactChannel

    class ExitReason(models.TextChoices):
        DEMENAGEMENT = "demenagement", "Déménagement"
        MANQUE_DE_TEMPS = "manque_de_temps", "Manque de temps"
        RAISONS_PERSONNELLES = "raisons_personnelles", "Raisons personnelles"
        FIN_ENGAGEMENT = "fin_engagement", "Fin d'engagement souhaitée"
        DESACCORD = "desaccord", "Désaccord avec le fonctionnement"
        AUTRE = "autre", "Autre"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="relais")
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="relais_profiles")
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("e-mail", blank=True)
    preferred_channel = models.CharField("canal préféré", max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    residences = models.ManyToManyField(Residence, through="RelaisResidence", related_name="relais")
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.CANDIDAT)
    status_since = models.DateField("statut depuis le")
    started_on = models.DateField("relais depuis le", null=True, blank=True)
    left_on = models.DateField("sorti·e le", null=True, blank=True)
    exit_reason = models.CharField("motif de sortie", max_length=30, choices=ExitReason.choices, blank=True)
    # What the directory of relais shows of them, written by the relais themselves.
    likes = models.CharField(
        "ce que j'aime faire",
        max_length=200,
        blank=True,
        help_text="Par exemple : cuisiner, bricoler, jardiner, accueillir les nouveaux voisins…",
    )
    # When the relais last opened their home page: « ce qui a changé depuis votre dernière visite ».
    home_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the person's data was erased or their retention time ran out:
    # the row stays, without anything that identifies them, for the statistics.
    anonymised_at = models.DateTimeField("anonymisé·e le", null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = "relais_links__residence__quartier"
    scope_relais = "user"
    scope_partner = False  # personal data: partners see figures, not people

    class Meta:
        verbose_name = "relais"
        verbose_name_plural = "relais"
        ordering = [French("last_name"), French("first_name")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sorti") | (Q(left_on__isnull=False) & ~Q(exit_reason="")),
                name="relais_exit_has_date_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return str(self)

    def seniority_days(self, on: datetime.date) -> int | None:
        if not self.started_on:
            return None
        return (on - self.started_on).days


class _Listed(models.Manager.from_queryset(ScopedQuerySet)):
    def get_queryset(self):
        agreed = Consent.objects.filter(scope=Consent.Scope.ANNUAIRE, withdrawn_on=None).values("relais_id")
        return super().get_queryset().filter(status=Relais.Status.ACTIF, anonymised_at=None, pk__in=agreed)


class ListedRelais(Relais):
    """The active relais who agreed to be presented to their neighbours and
    partners (consent « annuaire »): the directory every relais of the
    organisation reads. Nothing of those who did not agree."""

    objects = _Listed()
    scope_relais = "organisation__relais__user"
    scope_partner = True  # the consent names the partners

    class Meta:
        proxy = True
        verbose_name = "relais de l'annuaire"
        verbose_name_plural = "relais de l'annuaire"

    @property
    def listed_name(self) -> str:
        """First name and the initial of the last: enough to be recognised by
        a neighbour, not to be looked up."""
        initial = self.last_name.strip()[:1]
        return f"{self.first_name} {initial}." if initial else self.first_name


def starts_a_spell(from_status: str, to_status: str, started_on: datetime.date | None) -> bool:
    """Whether becoming `to_status` starts a new spell as a relais, from which
    « relais depuis » and the seniority count: becoming active from anything but
    a pause (a first start, or a return after leaving, directly or through
    candidat). A pause keeps the spell."""
    return to_status == Relais.Status.ACTIF and (from_status != Relais.Status.PAUSE or started_on is None)


def spell_start(changes: Iterable[tuple[str, str, datetime.date]]) -> datetime.date | None:
    """The start of the last spell (`started_on`) from a relais' history, as
    (from_status, to_status, date) in the order they happened."""
    started_on = None
    for from_status, to_status, date in changes:
        if starts_a_spell(from_status, to_status, started_on):
            started_on = date
    return started_on


class RelaisResidence(models.Model):
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, related_name="relais_links")
    residence = models.ForeignKey(Residence, on_delete=models.CASCADE, related_name="relais_links")
    building = models.CharField("bâtiment / escalier", max_length=60, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["relais", "residence"], name="relais_residence_unique")]

    def __str__(self) -> str:
        return f"{self.residence} {self.building}".strip()


class RelaisStatusChange(models.Model):
    """Every status change of a relais, kept for the timeline and the bilan."""

    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Relais.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Relais.Status.choices)
    date = models.DateField("date")
    exit_reason = models.CharField(max_length=30, choices=Relais.ExitReason.choices, blank=True)
    note = models.CharField("commentaire", max_length=500, blank=True)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_org = "relais__organisation"
    scope_quartier = "relais__relais_links__residence__quartier"
    scope_relais = "relais__user"
    scope_partner = False

    class Meta:
        ordering = ["-date", "-created_at"]

    def __str__(self) -> str:
        return f"{self.relais_id}: {self.from_status or '—'} → {self.to_status} ({self.date})"


class ContactLog(models.Model):
    """A staff–relais exchange: the thread that keeps a relais engaged."""

    class Kind(models.TextChoices):
        APPEL = "appel", "Appel"
        VISITE = "visite", "Visite"
        REUNION = "reunion", "Réunion"
        MESSAGE = "message", "Message écrit"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    relais = models.ForeignKey(Relais, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField("type d'échange", max_length=10, choices=Kind.choices)
    date = models.DateField("date")
    note = models.CharField("note", max_length=1000, blank=True)
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_quartier = "relais__relais_links__residence__quartier"
    scope_relais = None  # staff notes are not shown to the relais
    scope_partner = False

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [
            # A relais' last exchange (the relais list, « relais at risk »): one
            # index probe per relais of the organisation, never a scan of all.
            models.Index(fields=["relais", "-date"], name="contactlog_relais_last"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.date}"


class ImportJob(models.Model):
    """A large CSV import, run by a worker: the file is checked (nothing written),
    staff read the report and confirm, then every row is written in one
    transaction. Small files are imported in the request, as before."""

    class Kind(models.TextChoices):
        RESIDENCES = "residences", "Résidences"
        RELAIS = "relais", "Relais"

    class State(models.TextChoices):
        VERIFICATION = "verification", "Vérification en cours"
        A_CONFIRMER = "a_confirmer", "Vérifié, à confirmer"
        ERREURS = "erreurs", "Erreurs dans le fichier"
        ECRITURE = "ecriture", "Import en cours"
        TERMINE = "termine", "Terminé"
        ECHEC = "echec", "Échec"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    state = models.CharField("état", max_length=12, choices=State.choices, default=State.VERIFICATION)
    file = models.FileField(upload_to="imports/")
    name = models.CharField("fichier", max_length=255)
    rows = models.PositiveIntegerField("lignes", default=0)
    # What the check found: counts, warnings, the first errors and rows (a page's worth).
    report = models.JSONField(default=dict, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    error = models.CharField("erreur", max_length=500, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # An import concerns the whole organisation (its residences, its relais):
    # read by its staff, agency staff included, as the import page is.
    scope_quartier = None

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import de {self.get_kind_display().lower()} « {self.name} »"

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.VERIFICATION, self.State.ECRITURE)
