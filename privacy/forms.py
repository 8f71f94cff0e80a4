from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import DateInput
from core.models import Consent, Organisation
from privacy.models import RightsRequest


def _not_future(value):
    if value and value > timezone.localdate():
        raise ValidationError("La date ne peut pas être dans le futur.")
    return value


class RetentionForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["retention_months"]

    def clean_retention_months(self):
        value = self.cleaned_data["retention_months"]
        if not 6 <= value <= 120:
            raise ValidationError("Choisissez une durée entre 6 et 120 mois.")
        return value


class ConsentsForm(forms.Form):
    consents = forms.MultipleChoiceField(
        label="Ce que la personne accepte aujourd'hui",
        choices=Consent.Scope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    on = forms.DateField(label="Date de l'accord ou du retrait", widget=DateInput(), initial=timezone.localdate)

    def clean_on(self):
        return _not_future(self.cleaned_data["on"])


class MyConsentsForm(forms.Form):
    consents = forms.MultipleChoiceField(
        label="J'accepte",
        choices=Consent.Scope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Décocher une case retire votre accord dès aujourd'hui.",
    )


class RightsRequestForm(forms.ModelForm):
    handled = forms.BooleanField(label="La demande est traitée aujourd'hui", required=False, initial=True)

    class Meta:
        model = RightsRequest
        fields = ["kind", "received_on", "note"]
        widgets = {"received_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An erasure is recorded by doing it (« Effacer ses données »), never by hand.
        self.fields["kind"].choices = [c for c in self.fields["kind"].choices if c[0] != RightsRequest.Kind.EFFACEMENT]

    def clean_received_on(self):
        return _not_future(self.cleaned_data["received_on"])


class EraseForm(forms.Form):
    received_on = forms.DateField(label="Demande reçue le", widget=DateInput(), initial=timezone.localdate)
    confirm = forms.BooleanField(
        label="Je confirme : le nom, les coordonnées, le compte et les notes de cette personne seront effacés "
        "définitivement",
        required=True,
        error_messages={"required": "Cochez la case pour confirmer l'effacement."},
    )

    def clean_received_on(self):
        return _not_future(self.cleaned_data["received_on"])


class FlagReviewForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("conserve", "Conserver"), ("retire", "Retirer le texte")])
