from __future__ import annotations

from django import forms
from django.utils import timezone

from core.forms import MinutesField
from engagement.models import EngagementSettings
from engagement.services import FIRST_YEAR


class SettingsForm(forms.ModelForm):
    class Meta:
        model = EngagementSettings
        fields = ["hour_value", "hour_value_source", "signatory_name", "signatory_role"]
        help_texts = {
            "hour_value": "Par exemple le SMIC horaire brut : le bilan montre ce que vaut le temps donné.",
            "signatory_name": "Proposé par défaut quand vous générez les attestations.",
            "signatory_role": "Par exemple « Responsable de la médiation ».",
        }
        error_messages = {
            "hour_value": {
                "invalid": "Écrivez un montant, par exemple « 11,88 ».",
                "max_digits": "Au plus 1 000 € de l'heure.",
                "max_decimal_places": "Au centime près : deux chiffres après la virgule.",
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hour_value"].localize = True
        self.fields["hour_value"].widget = forms.TextInput(attrs={"inputmode": "decimal"})
        self.fields["hour_value"].widget.is_localized = True


def _year_choices():
    this_year = timezone.localdate().year
    return [(y, str(y)) for y in range(this_year, max(FIRST_YEAR, this_year - 5) - 1, -1)]


class RunForm(forms.Form):
    """Every attestation of a year, signed by someone named."""

    year = forms.TypedChoiceField(label="Année", coerce=int, choices=_year_choices)
    signatory_name = forms.CharField(label="Signataire (prénom et nom)", max_length=120)
    signatory_role = forms.CharField(label="Fonction du signataire", max_length=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1


class IssueForm(RunForm):
    """One relais' attestation, issued again (after a correction)."""


class YearForm(forms.Form):
    annee = forms.TypedChoiceField(label="Année", coerce=int, choices=_year_choices, required=False)


def minutes_form(people: list[tuple[int, str, int | None]], *, label_default: str = "", data=None) -> forms.Form:
    """One duration field per person: (key, label, minutes now)."""
    form = forms.Form(data)
    for key, label, minutes in people:
        form.fields[f"m{key}"] = MinutesField(
            label=label,
            required=False,
            max_hours=200,
            initial=minutes,
            help_text=label_default,
        )
    return form
