from decimal import Decimal, InvalidOperation

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from core.filters import NameChoiceFilter, in_scope
from core.forms import DateInput, ModelMultipleChoiceField
from core.search import search_q
from core.uploads import PhotoField
from core.widgets import FlatSelect
from initiatives.models import Equipment, Initiative, InitiativeKind, Partner, Room
from relais.models import Quartier, Relais, Residence


class InitiativeForm(forms.Form):
    kind = forms.ModelChoiceField(label="Type", queryset=InitiativeKind.objects.none(), empty_label="— choisir —")
    title = forms.CharField(label="Titre", max_length=200)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    starts_on = forms.DateField(label="Date", widget=DateInput())
    ends_on = forms.DateField(label="Jusqu'au (si plusieurs jours)", widget=DateInput(), required=False)
    residences = ModelMultipleChoiceField(label="Résidence(s)", queryset=Residence.objects.none(), required=False)
    quartier = forms.ModelChoiceField(label="ou tout un quartier", queryset=Quartier.objects.none(), required=False)
    place = forms.CharField(label="Lieu précis", max_length=200, required=False, help_text="Un square, une salle…")
    organisers = ModelMultipleChoiceField(label="Relais organisateurs", queryset=Relais.objects.none(), required=False)
    partners = ModelMultipleChoiceField(label="Partenaires", queryset=Partner.objects.none(), required=False)
    status = forms.ChoiceField(label="Statut", choices=Initiative.Status.choices, initial=Initiative.Status.PREVUE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # A withdrawn kind is not proposed, but an initiative keeps the one it has.
        current = self.initial.get("kind")
        self.fields["kind"].queryset = InitiativeKind.objects.for_user(user).filter(Q(is_active=True) | Q(pk=current))
        self.fields["residences"].queryset = Residence.objects.for_user(user)
        self.fields["quartier"].queryset = Quartier.objects.for_user(user)
        self.fields["organisers"].queryset = Relais.objects.for_user(user).exclude(status=Relais.Status.SORTI)
        self.fields["partners"].queryset = Partner.objects.for_user(user)

    def clean(self):
        data = super().clean()
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "La date de fin doit suivre la date de début.")
        if not (data.get("residences") or data.get("quartier") or (data.get("place") or "").strip()):
            self.add_error("place", "Indiquez où : une ou plusieurs résidences, un quartier ou un lieu.")
        return data


class KindAndResidence(forms.Form):
    """What kind of event and which residence, among those this relais may choose."""

    kind = forms.ModelChoiceField(label="Type", queryset=InitiativeKind.objects.none(), empty_label="— choisir —")
    residence = forms.ModelChoiceField(label="Résidence", queryset=Residence.objects.none(), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = InitiativeKind.objects.for_user(user).filter(is_active=True)
        self.fields["residence"].queryset = Residence.objects.for_user(user)


class ProposeForm(KindAndResidence):
    """A relais' idea, from the phone: what, when, where."""

    title = forms.CharField(label="Titre", max_length=200, help_text="Par exemple : « Repas partagé du bâtiment B ».")
    starts_on = forms.DateField(label="Date envisagée", widget=DateInput())
    description = forms.CharField(
        label="Votre idée en quelques mots", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    field_order = ["kind", "title", "starts_on", "residence", "description"]

    def clean_starts_on(self):
        day = self.cleaned_data["starts_on"]
        if day < timezone.localdate():
            raise ValidationError("Choisissez une date à venir ; pour une initiative passée, racontez-la après coup.")
        return day


class ReportForm(forms.Form):
    participants = forms.IntegerField(label="Participants", min_value=0, max_value=100000)
    children = forms.IntegerField(label="dont enfants", min_value=0, max_value=100000, required=False)
    adults = forms.IntegerField(label="dont adultes", min_value=0, max_value=100000, required=False)
    seniors = forms.IntegerField(label="dont seniors", min_value=0, max_value=100000, required=False)
    newcomers = forms.IntegerField(label="dont nouvelles têtes", min_value=0, max_value=100000, required=False)
    went_well = forms.CharField(label="Ce qui a bien marché", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    went_badly = forms.CharField(
        label="Ce qui n'a pas marché", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = PhotoField(label="Une photo", required=False)
    caption = forms.CharField(label="Légende", max_length=200, required=False)
    consent = forms.BooleanField(
        label="Les personnes reconnaissables sur la photo ont donné leur accord", required=False
    )


class TellForm(KindAndResidence, ReportForm):
    """A relais tells about an event that already took place: what, when, where,
    then the report (who came, what we learnt, a photo)."""

    title = forms.CharField(label="Titre", max_length=200, help_text="Par exemple : « Goûter de la rentrée ».")
    starts_on = forms.DateField(label="Date", widget=DateInput())
    description = forms.CharField(
        label="Ce que c'était en quelques mots",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["kind", "title", "starts_on", "residence", "description"]

    def clean_starts_on(self):
        day = self.cleaned_data["starts_on"]
        if day > timezone.localdate():
            raise ValidationError("Cette date est à venir : proposez plutôt l'initiative, vous la raconterez après.")
        return day


class LogisticsForm(forms.Form):
    """One field per item of the catalogue (0 = not needed), and a room."""

    starts_on = forms.DateField(label="Prêt du", widget=DateInput())
    ends_on = forms.DateField(label="au", widget=DateInput())
    room = forms.ModelChoiceField(
        label="Salle", queryset=Room.objects.none(), required=False, empty_label="— pas de salle —"
    )
    room_starts_at = forms.DateTimeField(
        label="Salle de", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    room_ends_at = forms.DateTimeField(
        label="Salle jusqu'à", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(
        label="Précisions", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.equipment = list(Equipment.objects.for_user(user))
        for item in self.equipment:
            self.fields[f"qty_{item.pk}"] = forms.IntegerField(
                label=f"{item.name} (stock : {item.quantity})", min_value=0, max_value=item.quantity, initial=0
            )
        self.fields["room"].queryset = Room.objects.for_user(user)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "La date de retour doit suivre la date de prêt.")
        data["lines"] = [(e, data.get(f"qty_{e.pk}") or 0) for e in self.equipment if data.get(f"qty_{e.pk}")]
        if data.get("room") and not (data.get("room_starts_at") and data.get("room_ends_at")):
            self.add_error("room_ends_at", "Indiquez l'heure de début et de fin de la réservation de la salle.")
        if not self.errors and not data["lines"] and not data.get("room"):
            raise ValidationError("Demandez au moins un matériel ou une salle.")
        return data

    def request_kwargs(self) -> dict:
        data = self.cleaned_data
        keys = ("starts_on", "ends_on", "room", "room_starts_at", "room_ends_at", "note", "lines")
        return {k: data.get(k) for k in keys}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision", choices=[("approve", "Accorder"), ("refuse", "Refuser")], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Message aux relais",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Obligatoire pour un refus.",
        max_length=2000,
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        for line in lines:
            self.fields[f"granted_{line.equipment_id}"] = forms.IntegerField(
                label=f"{line.equipment} : quantité accordée (demandée : {line.quantity})",
                min_value=0,
                max_value=line.quantity,
                initial=line.quantity,
            )


def parse_budget(text: str) -> list[tuple[str, Decimal]]:
    """« Courses : 120 » or « Courses ; 120,50 », one line each."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        label, sep, amount = raw.replace(";", ":").rpartition(":")
        try:
            value = Decimal(amount.strip().replace("€", "").replace(" ", "").replace("\u00a0", "").replace(",", "."))
        except InvalidOperation:
            value = None
        if not sep or not label.strip() or value is None or not value.is_finite() or value <= 0 or value >= 10**6:
            raise ValidationError(f"Ligne {number} : écrivez « poste : montant », par exemple « Courses : 120 ».")
        lines.append((label.strip()[:150], value.quantize(Decimal("0.01"))))
    return lines


class GrantForm(forms.Form):
    objectives = forms.CharField(label="Ce que nous voulons faire", widget=forms.Textarea(attrs={"rows": 4}))
    expected_participants = forms.IntegerField(label="Participants attendus", min_value=1, max_value=100000)
    budget = forms.CharField(
        label="Budget",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Un poste par ligne : « Courses : 120 », « Location de barnum : 80 ».",
    )
    amount_requested = forms.DecimalField(
        label="Montant demandé (€)", min_value=Decimal("1"), max_value=Decimal("99999"), decimal_places=2
    )

    def clean_budget(self):
        return parse_budget(self.cleaned_data["budget"])


class GrantDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision du comité", choices=[("grant", "Accordée"), ("refuse", "Refusée")], widget=forms.RadioSelect
    )
    decided_on = forms.DateField(label="Date du comité", widget=DateInput(), initial=timezone.localdate)
    amount_granted = forms.DecimalField(
        label="Montant accordé (€)",
        required=False,
        min_value=Decimal("1"),
        max_value=Decimal("99999"),
        decimal_places=2,
    )
    conditions = forms.CharField(label="Conditions", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    refusal_reason = forms.CharField(label="Motif du refus", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EquipmentForm(forms.Form):
    name = forms.CharField(label="Matériel", max_length=120)
    quantity = forms.IntegerField(label="Quantité en stock", min_value=1, max_value=100000)


class RoomForm(forms.Form):
    name = forms.CharField(label="Salle", max_length=120)


class InitiativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="search")
    kind = NameChoiceFilter(queryset=in_scope(InitiativeKind), label="Type")
    quartier = NameChoiceFilter(queryset=in_scope(Quartier), label="Quartier", method="in_quartier")
    residence = NameChoiceFilter(queryset=in_scope(Residence), label="Résidence", field_name="residences")
    status = django_filters.ChoiceFilter(
        choices=Initiative.Status.choices, label="Statut", empty_label="Tous", widget=FlatSelect
    )
    after = django_filters.DateFilter(field_name="starts_on", lookup_expr="gte", label="Du", widget=DateInput())
    before = django_filters.DateFilter(field_name="starts_on", lookup_expr="lte", label="Au", widget=DateInput())

    class Meta:
        model = Initiative
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(search_q(value, "title"))

    def in_quartier(self, queryset, name, value):
        inside = Initiative.objects.filter(Q(quartier=value) | Q(residences__quartier=value)).values("pk")
        return queryset.filter(pk__in=inside)
