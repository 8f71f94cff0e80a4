from django import forms
from django.utils import formats, timezone

from core.uploads import AttachmentField
from parcours.models import Milestone, TrainingModule


class CharterForm(forms.Form):
    text = forms.CharField(
        label="Texte de la nouvelle version",
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=10000,
        help_text="Publier une nouvelle version demande à chaque relais de la signer à nouveau.",
    )


class StepAddForm(forms.Form):
    label = forms.CharField(
        label="Nouvelle étape",
        max_length=120,
        help_text="Par exemple : « visite de la résidence avec le gardien ». L'équipe la coche pour chaque relais.",
    )


class ModuleForm(forms.ModelForm):
    class Meta:
        model = TrainingModule
        fields = ["title", "objectives", "duration_minutes", "path_position"]
        widgets = {"objectives": forms.Textarea(attrs={"rows": 4})}

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if not 5 <= minutes <= 2400:
            raise forms.ValidationError("Une durée entre 5 minutes et 40 heures.")
        return minutes


class MaterialForm(forms.Form):
    title = forms.CharField(label="Titre du support", max_length=200)
    url = forms.URLField(
        label="Lien", required=False, assume_scheme="https", help_text="Une page ou une vidéo en ligne…"
    )
    file = AttachmentField(label="…ou un fichier PDF", required=False, help_text="Un PDF, 10 Mo au plus.")

    def clean(self):
        data = super().clean()
        url, attachment = data.get("url"), data.get("file")
        if self.errors:
            return data
        if bool(url) == bool(attachment):
            raise forms.ValidationError("Donnez un lien ou un fichier PDF, l'un ou l'autre.")
        if attachment and attachment.content_type != "application/pdf":
            self.add_error("file", "Un support de formation joint doit être un PDF.")
        return data


class SessionLinkForm(forms.Form):
    reunion = forms.ModelChoiceField(
        label="Réunion de formation",
        queryset=None,
        empty_label="Choisissez une réunion",
        help_text="Une réunion de type « Formation » : ses invitations, rappels et présences servent à la session.",
    )

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reunion"].queryset = meetings
        self.fields["reunion"].label_from_instance = lambda r: (
            f"{r.title} — {formats.date_format(timezone.localtime(r.starts_at), 'j F Y')}"
        )


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
