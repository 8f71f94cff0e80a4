from __future__ import annotations

from django import forms
from django.utils import timezone

from core.uploads import DocumentField
from reseau.models import Document


class YearForm(forms.Form):
    annee = forms.IntegerField(min_value=2000, max_value=2100, required=False)


class SharingForm(forms.Form):
    shares_figures = forms.BooleanField(
        label="Partager nos chiffres clés avec ce réseau",
        required=False,
        help_text="Des nombres (relais actifs, réunions, remontées…), jamais une personne.",
    )


class GuestsForm(forms.Form):
    """Whom to invite from the network's members (the choices are the scoping's)."""

    staff = forms.MultipleChoiceField(label="Équipes et partenaires des membres", required=False,
                                      widget=forms.CheckboxSelectMultiple)  # fmt: skip
    relais = forms.MultipleChoiceField(label="Relais des membres (présenté·es avec leur accord)", required=False,
                                       widget=forms.CheckboxSelectMultiple)  # fmt: skip

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [
            (m.pk, f"{m.user.get_full_name() or m.user.email} — {m.organisation} ({m.get_role_display()})")
            for m in choices["staff"]
        ]
        self.fields["relais"].choices = [
            (r.pk, f"{r.first_name} {r.last_name} — {r.organisation}") for r in choices["relais"]
        ]

    def clean(self):
        data = super().clean()
        if not data.get("staff") and not data.get("relais"):
            raise forms.ValidationError("Choisissez au moins une personne à inviter.")
        return data


class DocumentForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    kind = forms.ChoiceField(label="Type", choices=Document.Kind.choices, initial=Document.Kind.GUIDE)
    audience = forms.ChoiceField(label="Qui peut le lire", choices=Document.Audience.choices,
                                 initial=Document.Audience.ORGANISATION)  # fmt: skip
    description = forms.CharField(label="Présentation", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    file = DocumentField(label="Fichier", required=False)
    link = forms.URLField(label="Ou un lien (une vidéo)", required=False, assume_scheme="https")
    reunions = forms.MultipleChoiceField(label="Joindre aux réunions", required=False,
                                         widget=forms.CheckboxSelectMultiple)  # fmt: skip
    annonces = forms.MultipleChoiceField(label="Joindre aux annonces", required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text="Les relais qui lisent l'annonce sur leur téléphone y trouvent "
                                                   "le document, s'il est destiné aux relais.")  # fmt: skip

    def __init__(self, *args, reunions=(), annonces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reunions"].choices = [(r.pk, f"{r.title} — {r.starts_at:%d/%m/%Y}") for r in reunions]
        self.fields["annonces"].choices = [(a.pk, f"{a.title} — {a.created_at:%d/%m/%Y}") for a in annonces]
        for name, choices in (("reunions", reunions), ("annonces", annonces)):
            if not choices:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if not self.errors and bool(data.get("file")) == bool(data.get("link")):
            raise forms.ValidationError("Joignez un fichier ou indiquez un lien (pour une vidéo), l'un ou l'autre.")
        return data


class VersionForm(forms.Form):
    file = DocumentField(label="Nouveau fichier", required=False)
    link = forms.URLField(label="Ou un nouveau lien", required=False, assume_scheme="https")
    note = forms.CharField(label="Ce qui change", max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and bool(data.get("file")) == bool(data.get("link")):
            raise forms.ValidationError("Joignez un fichier ou indiquez un lien (pour une vidéo), l'un ou l'autre.")
        return data


def default_year() -> int:
    return timezone.localdate().year
