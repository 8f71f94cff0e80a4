from __future__ import annotations

from django import forms
from django.utils import timezone

from core.forms import DateInput
from core.uploads import DocumentField
from reseau.models import Application, Document, Fund, Project


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


class ProjectForm(forms.Form):
    """A project: its member and place, its stage, next step, blockers and accompagnateur."""

    member = forms.TypedChoiceField(label="Membre", coerce=int)
    title = forms.CharField(label="Titre", max_length=200)
    site = forms.CharField(
        label="Lieu",
        max_length=200,
        required=False,
        help_text="Les résidences ou le quartier concernés, par exemple « Les Tilleuls, bâtiment C ».",
    )
    stage = forms.ChoiceField(label="Étape", choices=Project.Stage.choices, initial=Project.Stage.IDEE)
    next_step = forms.CharField(label="Prochaine étape", max_length=300, required=False)
    blockers = forms.CharField(
        label="Points de blocage",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Ce qui empêche d'avancer ; laissez vide s'il n'y en a pas.",
    )
    accompagnateur = forms.TypedChoiceField(label="Accompagnateur·rice", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, members=(), people=(), fixed_member=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The cleaned values are the very objects the selectors offered.
        self.members = {m.pk: m for m in members}
        self.people = {u.pk: u for u in people}
        self.fields["member"].choices = [(m.pk, m.name) for m in members]
        if fixed_member is not None:
            del self.fields["member"]
        self.fields["accompagnateur"].choices = [("", "— personne pour l'instant —")] + [
            (u.pk, u.get_full_name() or u.email) for u in people
        ]

    def clean_member(self):
        return self.members[self.cleaned_data["member"]]

    def clean_accompagnateur(self):
        pk = self.cleaned_data["accompagnateur"]
        return None if pk is None else self.people[pk]


class FundForm(forms.Form):
    kind = forms.ChoiceField(label="Type de fonds", choices=Fund.Kind.choices)
    amount = forms.IntegerField(label="Montant (€)", min_value=1, max_value=10_000_000)
    granted_on = forms.DateField(label="Accordé le", widget=DateInput())
    starts_on = forms.DateField(label="Début", widget=DateInput(), required=False)
    ends_on = forms.DateField(label="Fin", widget=DateInput(), required=False)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "La fin ne peut pas précéder le début.")
        return data


class CallForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    description = forms.CharField(label="Présentation", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    envelope = forms.IntegerField(label="Enveloppe (€)", min_value=1, max_value=100_000_000)
    deadline = forms.DateField(
        label="Date limite de dépôt",
        widget=DateInput(),
        help_text="Les candidatures sont reçues jusqu'à 23 h 59 ce jour-là.",
    )
    criteria = forms.CharField(
        label="Critères de sélection",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Un critère par ligne, suivi de son poids après un point-virgule : « Implication des habitants ; 3 »",
    )

    def clean_criteria(self) -> list[tuple[str, int]]:
        criteria = []
        for n, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            label, _, weight = line.rpartition(";")
            if not label.strip() or not weight.strip().isdigit() or int(weight) < 1:
                raise forms.ValidationError(
                    f"Ligne {n} : écrivez le critère, un point-virgule, puis son poids (un entier d'au moins 1)."
                )
            criteria.append((label.strip()[:200], int(weight)))
        if not criteria:
            raise forms.ValidationError("Donnez au moins un critère de sélection.")
        return criteria


class ApplicationForm(forms.Form):
    title = forms.CharField(label="Le projet", max_length=200)
    description = forms.CharField(label="Description", widget=forms.Textarea(attrs={"rows": 5}))
    budget = forms.IntegerField(label="Budget (€)", min_value=1, max_value=100_000_000)
    expected_effects = forms.CharField(
        label="Effets attendus",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Pour les habitants, les relais, la résidence ou le quartier.",
    )


class ScoreForm(forms.Form):
    """One field per criterion: the committee member's score from 0 to 5."""

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            self.fields[f"c{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.label} (poids {criterion.weight})",
                min_value=0,
                max_value=5,
                error_messages={"min_value": "Une note va de 0 à 5.", "max_value": "Une note va de 0 à 5."},
            )

    def values(self) -> dict[int, int]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision",
        choices=[(Application.Status.ACCORDEE, "Accorder"), (Application.Status.REFUSEE, "Refuser")],
        widget=forms.RadioSelect,
    )
    amount = forms.IntegerField(label="Montant accordé (€)", min_value=1, required=False)
    conditions = forms.CharField(label="Conditions", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    refusal_reason = forms.CharField(label="Motif du refus", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    confirm = forms.BooleanField(
        label="Je confirme : la décision est définitive et sera annoncée une fois à l'équipe du membre.",
        error_messages={"required": "Cochez la confirmation : la décision ne pourra plus changer."},
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == Application.Status.ACCORDEE and not data.get("amount"):
            self.add_error("amount", "Indiquez le montant accordé, en euros.")
        if data.get("decision") == Application.Status.REFUSEE and not (data.get("refusal_reason") or "").strip():
            self.add_error("refusal_reason", "Dites pourquoi le comité refuse : le membre le lira.")
        return data


def default_year() -> int:
    return timezone.localdate().year
