import uuid

import django_filters
from django import forms

from core.filters import NameChoiceFilter, in_scope
from core.forms import DateInput
from core.models import Membership, User
from core.search import search_q
from core.sensitive import SensitiveTextMixin
from core.uploads import PhotoField
from core.widgets import CheckboxList
from relais.models import Quartier, Relais, Residence
from remontees.models import HandOff, Remontee, Service, Theme


def _themes(user):
    return Theme.objects.for_user(user).filter(is_active=True)


class RoundTableForm(SensitiveTextMixin, forms.Form):
    """One contribution to a meeting's round table, typed in a few seconds."""

    sensitive_fields = ("description",)

    relais = forms.ModelChoiceField(
        label="Qui en parle", queryset=Relais.objects.none(), required=False, empty_label="— choisir —"
    )
    residence = forms.ModelChoiceField(
        label="Résidence",
        queryset=Residence.objects.none(),
        required=False,
        empty_label="— celle du relais —",
        help_text="Laissez vide pour la résidence du relais.",
    )
    nature = forms.ChoiceField(label="Nature", choices=Remontee.Nature.choices, widget=forms.RadioSelect)
    theme = forms.ModelChoiceField(label="Thème", queryset=Theme.objects.none(), empty_label="— choisir —")
    description = forms.CharField(label="Ce qui est dit", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["relais"].queryset = Relais.objects.for_user(user).exclude(status=Relais.Status.SORTI)
        self.fields["residence"].queryset = Residence.objects.for_user(user)
        self.fields["theme"].queryset = _themes(user)
        self.fields["nature"].initial = Remontee.Nature.DIFFICULTE

    def clean(self):
        data = super().clean()
        if not data.get("residence") and data.get("relais"):
            mine = Residence.objects.for_user(self.user).filter(relais_links__relais=data["relais"])
            data["residence"] = mine.order_by("pk").first()
        if not data.get("residence") and "residence" not in self.errors:
            self.add_error("residence", "Choisissez la résidence concernée.")
        return data


class RemonteeForm(RoundTableForm):
    """Staff raise a remontée on behalf of a relais, after a visit or a call."""

    source = forms.ChoiceField(
        label="Origine",
        choices=[(Remontee.Source.FICHE_CONTACT, "Fiche contact"), (Remontee.Source.VISITE, "Visite")],
    )
    photo = PhotoField(label="Photo", required=False)

    field_order = ["relais", "residence", "source", "nature", "theme", "description", "photo"]


class RelaisRemonteeForm(SensitiveTextMixin, forms.Form):
    """From the relais' phone: three fields and a photo."""

    sensitive_fields = ("description",)

    residence = forms.ModelChoiceField(label="Résidence", queryset=Residence.objects.none(), empty_label=None)
    theme = forms.ModelChoiceField(label="Thème", queryset=Theme.objects.none(), empty_label="— choisir —")
    description = forms.CharField(
        label="Que se passe-t-il ?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="Où, depuis quand, qui est gêné. Pas de nom de voisin.",
    )
    photo = PhotoField(label="Photo", required=False)
    # Made anew for each form shown (and by the phone's script for each one typed
    # offline): the same form sent twice makes one remontée.
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residence"].queryset = Residence.objects.for_user(user)
        self.fields["theme"].queryset = _themes(user)
        self.fields["client_key"].initial = uuid.uuid4()


class StatusForm(SensitiveTextMixin, forms.Form):
    sensitive_fields = ("comment",)

    status = forms.ChoiceField(
        label="Nouveau statut",
        error_messages={"invalid_choice": "Choisissez un statut possible pour cette remontée."},
    )
    comment = forms.CharField(
        label="Réponse au relais",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        help_text="Obligatoire pour « non retenue » : le relais la lira.",
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices

    def clean(self):
        data = super().clean()
        if data.get("status") == Remontee.Status.NON_RETENUE and not (data.get("comment") or "").strip():
            self.add_error("comment", "Expliquez au relais pourquoi la demande n'est pas retenue.")
        return data


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label="Suivie par", queryset=User.objects.none(), required=False, empty_label="— personne —"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        staff = Membership.objects.for_user(user).filter(role__in=(Membership.Role.ADMIN, Membership.Role.STAFF))
        self.fields["assignee"].queryset = User.objects.filter(pk__in=staff.values("user_id")).order_by("last_name")


class HandOffForm(forms.Form):
    service = forms.ModelChoiceField(label="Service", queryset=Service.objects.none(), empty_label="— choisir —")
    due_on = forms.DateField(label="À faire pour le", widget=DateInput)
    note = forms.CharField(
        label="Note pour le service",
        help_text="Jamais montrée au relais.",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.for_user(user).filter(is_active=True)


class ServiceForm(forms.Form):
    name = forms.CharField(label="Nom", max_length=120)
    kind = forms.ChoiceField(label="Type", choices=Service.Kind.choices)
    email = forms.EmailField(label="Adresse e-mail", help_text="Où le service reçoit les demandes et leur lien.")


class ServiceAnswerForm(forms.Form):
    """What a service says through its link, without a login."""

    outcome = forms.ChoiceField(
        label="Où en est-on ?",
        choices=[(HandOff.Outcome.FAIT, "C'est fait"), (HandOff.Outcome.HORS_RESSORT, "Ce n'est pas de notre ressort")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez « c'est fait » ou « ce n'est pas de notre ressort »."},
    )
    answer = forms.CharField(
        label="Un mot sur ce qui a été fait (ou pourquoi ce n'est pas de votre ressort)",
        help_text="Ce que vous écrivez pour « c'est fait » est montré au relais et aux habitants.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    photo = PhotoField(label="Photo (facultative)", required=False)


class ReopenForm(SensitiveTextMixin, forms.Form):
    sensitive_fields = ("comment",)

    comment = forms.CharField(
        label="Qu'est-ce qui n'est pas résolu ?", widget=forms.Textarea(attrs={"rows": 3}), max_length=3000
    )


class RemonteeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="search")
    status = django_filters.MultipleChoiceFilter(label="Statut", choices=Remontee.Status.choices, widget=CheckboxList)
    theme = NameChoiceFilter(queryset=in_scope(Theme), label="Thème")
    quartier = NameChoiceFilter(field_name="residence__quartier", queryset=in_scope(Quartier), label="Quartier")
    residence = NameChoiceFilter(queryset=in_scope(Residence), label="Résidence")
    mine = django_filters.BooleanFilter(label="Suivies par moi", method="followed_by_me", widget=forms.CheckboxInput)

    class Meta:
        model = Remontee
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(search_q(value, "description", "residence__name"))

    def followed_by_me(self, queryset, name, value):
        return queryset.filter(assignee=self.request.user) if value else queryset
