from django import forms
from django.utils import timezone

from bilans.services import FIRST_YEAR
from core.forms import ModelMultipleChoiceField
from core.uploads import PhotoField
from remontees.models import Remontee


class BilanOpenForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"] = forms.IntegerField(
            label="Année",
            min_value=FIRST_YEAR,
            max_value=this_year,
            initial=this_year,
            error_messages={
                "min_value": f"Choisissez une année à partir de {FIRST_YEAR}.",
                "max_value": "Le bilan d'une année à venir ne peut pas encore être fait.",
                "invalid": f"Indiquez une année, par exemple {this_year}.",
                "required": "Indiquez l'année du bilan.",
            },
        )


class ExampleChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, remontee: Remontee) -> str:
        said = remontee.description if len(remontee.description) <= 90 else remontee.description[:89] + "…"
        return f"{remontee.residence} · {remontee.theme} — {said} ({remontee.get_status_display().lower()})"


class BilanTextsForm(forms.Form):
    introduction = forms.CharField(
        label="Introduction",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Quelques lignes d'ouverture, lues en séance plénière.",
    )
    examples = ExampleChoiceField(
        label="Exemples « vous avez dit, nous avons fait »",
        queryset=Remontee.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Quelques remontées de l'année réglées ou écartées, avec la réponse faite. Ces textes sont lus en "
        "plénière et par les partenaires : vérifiez qu'ils ne nomment personne.",
    )
    perspectives = forms.CharField(
        label="Perspectives pour l'année suivante",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    logo = PhotoField(label="Logo de l'organisation (page de couverture)", required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["examples"].queryset = choices
        self.fields[
            "logo"
        ].help_text = "Une image (JPEG, PNG, WebP), 10 Mo au plus ; laissez vide pour garder l'actuel."
