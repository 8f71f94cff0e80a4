from django import forms
from django.utils import timezone

from bilans.models import Bilan
from bilans.services import FIRST_YEAR
from core.forms import DateInput, ModelMultipleChoiceField
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
    period = forms.ChoiceField(
        label="Période du bilan",
        choices=Bilan.Period.choices,
        initial=Bilan.Period.ANNEE,
        required=False,
        help_text="L'année scolaire commence en septembre de l'année du bilan. Une période libre est comparée "
        "à la période de même durée juste avant.",
    )
    starts_on = forms.DateField(label="Période libre\u00a0: du", required=False, widget=DateInput())
    ends_on = forms.DateField(label="au", required=False, widget=DateInput())
    colour = forms.RegexField(
        label="Couleur du document",
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#1f5f8b",
        required=False,
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": "Choisissez une couleur au format #1f5f8b."},
    )

    def clean(self):
        data = super().clean()
        if data.get("period") == Bilan.Period.LIBRE:
            first, last = data.get("starts_on"), data.get("ends_on")
            if not first or not last:
                self.add_error("starts_on", "Une période libre a une date de début et une date de fin.")
            elif last < first:
                self.add_error("ends_on", "La fin de la période doit suivre son début.")
            elif (last - first).days > 3 * 366:
                self.add_error("ends_on", "Trois ans au plus\u00a0: raccourcissez la période.")
            elif last > timezone.localdate():
                self.add_error("ends_on", "La période ne peut pas finir dans le futur.")
        return data

    def __init__(self, *args, choices, periods_and_examples: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["examples"].queryset = choices
        if not periods_and_examples:
            for name in ("examples", "period", "starts_on", "ends_on"):
                del self.fields[name]
        self.fields[
            "logo"
        ].help_text = "Une image (JPEG, PNG, WebP), 10 Mo au plus ; laissez vide pour garder l'actuel."
