import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import DateInput, MinutesField
from core.uploads import AttachmentField
from espace.models import Activity, Announcement, Guide
from relais.models import Quartier, Residence
from reunions.models import ReunionSeries


class LikesForm(forms.Form):
    likes = forms.CharField(
        label="Ce que j'aime faire",
        max_length=200,
        required=False,
        help_text="Quelques mots que les autres relais liront : cuisiner, bricoler, jardiner, "
        "accueillir les nouveaux voisins…",
    )


class ActivityForm(forms.ModelForm):
    # Made anew for each form shown (and by the phone's script for each one typed
    # offline): the same form sent twice records one activity.
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    minutes = MinutesField(
        label="Temps passé",
        max_hours=24,
        initial=60,
        required=False,
        help_text="Par exemple « 1 h 30 » ou « 45 min ». Il compte dans vos heures données de l'année.",
    )

    class Meta:
        model = Activity
        fields = ["kind", "date", "households", "minutes", "theme"]
        widgets = {"kind": forms.RadioSelect, "date": DateInput()}
        help_texts = {"households": "Combien de foyers avez-vous vus ? Pas de noms : seulement le nombre."}
        error_messages = {
            "households": {
                "max_value": "Au plus 500 foyers pour une même activité.",
                "min_value": "Le nombre de foyers ne peut pas être négatif.",
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Activity.Kind.choices  # no empty « --------- » radio
        self.fields["date"].initial = timezone.localdate
        self.fields["households"].widget.attrs.update({"min": 0, "max": 500, "inputmode": "numeric"})
        self.fields["households"].validators.append(_at_most_500)
        self.fields["client_key"].initial = uuid.uuid4()

    def clean_date(self):
        day = self.cleaned_data["date"]
        today = timezone.localdate()
        if day > today:
            raise ValidationError("Notez ce qui a été fait : la date ne peut pas être dans le futur.")
        if day < today - datetime.timedelta(days=365):
            raise ValidationError("Cette date a plus d'un an : demandez à l'équipe de la noter.")
        return day


def _at_most_500(value):
    if value is not None and value > 500:
        raise ValidationError("Au plus 500 foyers pour une même activité.")


class GuideForm(forms.ModelForm):
    class Meta:
        model = Guide
        # The charter is versioned and signed in parcours (« Publier une nouvelle version »).
        fields = ["missions", "contacts", "reception_phone", "emergency_phone"]
        widgets = {
            "missions": forms.Textarea(attrs={"rows": 8}),
            "contacts": forms.Textarea(attrs={"rows": 6}),
            "reception_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "emergency_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }
        help_texts = {
            "missions": "Ce que fait un relais, ce qu'il ne fait pas. Une ligne par point.",
            "contacts": "Par exemple : « Ascenseur en panne : 01 23 45 67 89 (24 h/24) ».",
        }


class AnnouncementForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=120, help_text="Court : c'est lui que porte le SMS.")
    body = forms.CharField(label="Message", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    audience = forms.ChoiceField(label="À qui", choices=Announcement.Audience.choices, widget=forms.RadioSelect)
    quartier = forms.ModelChoiceField(label="Quartier", queryset=Quartier.objects.none(), required=False)
    residence = forms.ModelChoiceField(label="Résidence", queryset=Residence.objects.none(), required=False)
    series = forms.ModelChoiceField(label="Série de réunions", queryset=ReunionSeries.objects.none(), required=False)
    piece_1 = AttachmentField(label="Pièce jointe", required=False)
    piece_2 = AttachmentField(label="Autre pièce jointe", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quartier"].queryset = Quartier.objects.for_user(user)
        self.fields["residence"].queryset = Residence.objects.for_user(user)
        self.fields["series"].queryset = ReunionSeries.objects.for_user(user).order_by("-created_at")

    def clean(self):
        data = super().clean()
        needed = {"quartier": "quartier", "residence": "residence", "serie": "series"}.get(data.get("audience"))
        if needed and not data.get(needed) and needed not in self.errors:
            self.add_error(needed, "Choisissez-le dans la liste.")
        data["attachments"] = [data[k] for k in ("piece_1", "piece_2") if data.get(k)]
        return data

    def draft_kwargs(self) -> dict:
        keys = ("title", "body", "audience", "quartier", "residence", "series", "attachments")
        return {k: self.cleaned_data.get(k) for k in keys}
