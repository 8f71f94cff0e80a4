from django import forms

from relais.models import Relais, Residence
from remontees.models import Remontee


class RoundTableForm(forms.Form):
    """One contribution to a meeting's round table, typed in a few seconds."""

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
    theme = forms.ChoiceField(label="Thème", choices=Remontee.Theme.choices)
    description = forms.CharField(label="Ce qui est dit", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relais"].queryset = Relais.objects.for_user(user).exclude(status=Relais.Status.SORTI)
        self.fields["residence"].queryset = Residence.objects.for_user(user)
        self.user = user
        self.fields["nature"].initial = Remontee.Nature.DIFFICULTE

    def clean(self):
        data = super().clean()
        if not data.get("residence") and data.get("relais"):
            mine = Residence.objects.for_user(self.user).filter(relais_links__relais=data["relais"])
            data["residence"] = mine.order_by("pk").first()
        if not data.get("residence") and "residence" not in self.errors:
            self.add_error("residence", "Choisissez la résidence concernée.")
        return data
