from __future__ import annotations

from decimal import Decimal

from django import forms

from core.forms import ModelMultipleChoiceField
from enquetes.models import Question, Questionnaire
from enquetes.starters import STARTERS

REQUIRED = "Cette question demande une réponse."
CHOICE = "Choisissez une des réponses proposées."
NUMBER = "Écrivez un nombre, par exemple 3 ou 2,5."


def field_name(question: Question) -> str:
    return f"q{question.pk}"


class AnswerForm(forms.Form):
    """The respondent's page (and the staff's paper entry): one field per
    question. A question shown only after some answer is required only when
    shown, and its answer is dropped when it is not."""

    def __init__(self, *args, questions: list[Question], residences=None, open_link: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[field_name(question)] = self._field(question)
        if residences is not None:
            self.fields["residence"] = forms.ModelChoiceField(
                label="Votre résidence" if open_link else "Résidence (écrite sur la feuille)",
                queryset=residences,
                required=open_link,
                empty_label="Choisissez votre résidence" if open_link else "Résidence inconnue",
                error_messages={"required": "Dites-nous dans quelle résidence vous habitez.", "invalid_choice": CHOICE},
            )
        if open_link:
            # The honeypot (hidden by the stylesheet, filled by robots) and the signed timestamp.
            self.fields["website"] = forms.CharField(label="Ne remplissez pas ce champ", required=False, max_length=200)
            self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
            self.fields["token"] = forms.CharField(widget=forms.HiddenInput, max_length=300, required=False)

    @staticmethod
    def _field(question: Question) -> forms.Field:
        common = {"label": question.text, "required": False, "help_text": question.help}
        K = Question.Kind
        if question.kind == K.SCALE:
            return forms.TypedChoiceField(
                choices=[(v, str(v)) for v in question.scale_values],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": CHOICE},
                **common,
            )
        if question.kind == K.SINGLE:
            return forms.TypedChoiceField(
                choices=list(enumerate(question.options)),
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": CHOICE},
                **common,
            )
        if question.kind == K.MULTIPLE:
            return forms.TypedMultipleChoiceField(
                choices=list(enumerate(question.options)),
                coerce=int,
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": CHOICE, "invalid_list": CHOICE},
                **common,
            )
        if question.kind == K.NUMBER:
            field = forms.DecimalField(
                max_digits=12,
                decimal_places=2,
                localize=True,
                min_value=Decimal("-1000000000"),
                max_value=Decimal("1000000000"),
                error_messages={
                    "invalid": NUMBER,
                    "max_digits": "Ce nombre est trop grand.",
                    "max_decimal_places": "Deux chiffres après la virgule au plus.",
                    "max_whole_digits": "Ce nombre est trop grand.",
                    "max_value": "Ce nombre est trop grand.",
                    "min_value": "Ce nombre est trop petit.",
                },
                **common,
            )
            field.widget.attrs["inputmode"] = "decimal"
            return field
        limit = 300 if question.kind == K.SHORT else 3000
        widget = forms.TextInput if question.kind == K.SHORT else forms.Textarea(attrs={"rows": 4})
        return forms.CharField(
            max_length=limit,
            widget=widget,
            error_messages={"max_length": f"{limit} caractères au plus, s'il vous plaît."},
            **common,
        )

    @staticmethod
    def shown(question: Question, data: dict) -> bool:
        """Whether the question is asked, given the answers before it."""
        if question.show_if_id is None:
            return True
        before = data.get(f"q{question.show_if_id}")
        if isinstance(before, list):
            return any(v in question.show_if_values for v in before)
        return before is not None and before != "" and before in question.show_if_values

    def clean(self):
        data = super().clean()
        for question in self.questions:
            name = field_name(question)
            if name not in data and self.has_error(name):
                continue
            if not self.shown(question, data):
                data[name] = None  # hidden: whatever came is not an answer
                continue
            value = data.get(name)
            if question.required and value in (None, "", []):
                self.add_error(name, REQUIRED)
        return data

    def answers(self) -> dict[Question, object]:
        return {q: self.cleaned_data.get(field_name(q)) for q in self.questions}

    def rows(self):
        """(question, bound field) in order, for the template."""
        return [(q, self[field_name(q)]) for q in self.questions]


class QuestionnaireForm(forms.ModelForm):
    template = forms.ChoiceField(
        label="Partir d'un modèle",
        required=False,
        choices=[("", "Un questionnaire vide")] + [(k, v["title"]) for k, v in STARTERS.items()],
    )
    residences = ModelMultipleChoiceField(
        label="Résidences concernées",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Pour les locataires : leurs résidences, une affiche avec un QR code pour chacune.",
    )

    class Meta:
        model = Questionnaire
        fields = ["title", "intro", "anonymous", "audience", "reunion", "opens_on", "closes_on"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "intro": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, residences, reunions, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residences"].queryset = residences
        self.fields["reunion"].queryset = reunions
        self.fields["reunion"].required = False
        self.fields["reunion"].help_text = "Pour les participants d'une réunion : envoyé le lendemain aux relais venus."
        self.fields["title"].required = False
        self.fields["title"].help_text = "Laissé vide : le titre du modèle."
        if creating:
            self.order_fields(["template", "title"])  # a ready-made one first: its title comes with it
        else:
            del self.fields["template"]

    def clean(self):
        data = super().clean()
        if not data.get("title") and not data.get("template"):
            self.add_error("title", "Donnez un titre au questionnaire.")
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", "La clôture doit venir après l'ouverture.")
        if data.get("audience") == Questionnaire.Audience.REUNION and not data.get("reunion"):
            self.add_error("reunion", "Choisissez la réunion dont les participants répondront.")
        if data.get("audience") == Questionnaire.Audience.LOCATAIRES and not data.get("anonymous"):
            self.add_error("anonymous", "Un lien ouvert aux locataires est anonyme : personne n'y donne son nom.")
        if data.get("audience") == Questionnaire.Audience.LOCATAIRES and not data.get("residences"):
            self.add_error("residences", "Choisissez au moins une résidence dont les locataires répondront.")
        return data


class SectionForm(forms.Form):
    title = forms.CharField(label="Titre de la section", max_length=200)


SCALE_CHOICES = [("", "—"), ("0-7", "De 0 à 7"), ("0-10", "De 0 à 10"), ("1-5", "De 1 à 5")]


class QuestionForm(forms.Form):
    section = forms.ModelChoiceField(label="Section", queryset=None, empty_label=None)
    kind = forms.ChoiceField(label="Type de question", choices=Question.Kind.choices)
    text = forms.CharField(label="Question", max_length=500)
    help = forms.CharField(label="Précision (facultatif)", max_length=300, required=False)
    required = forms.BooleanField(label="Réponse obligatoire", required=False)
    scale = forms.ChoiceField(label="Échelle", choices=SCALE_CHOICES, required=False)
    label_min = forms.CharField(label="Libellé du bas de l'échelle", max_length=120, required=False)
    label_max = forms.CharField(label="Libellé du haut de l'échelle", max_length=120, required=False)
    options = forms.CharField(
        label="Choix proposés (un par ligne)", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    show_if = forms.ModelChoiceField(
        label="Afficher seulement selon la réponse à",
        queryset=None,
        required=False,
        empty_label="Toujours afficher",
    )
    show_if_values = forms.CharField(
        label="… quand la réponse est",
        max_length=300,
        required=False,
        help_text="Les choix ou les valeurs de l'échelle, séparés par des points-virgules : « Oui » ou « 6 ; 7 ».",
    )

    def __init__(self, *args, sections, earlier, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = sections
        self.fields["show_if"].queryset = earlier
        self.fields["show_if"].label_from_instance = lambda q: q.text[:80]

    def clean(self):
        data = super().clean()
        data["options_list"] = [line.strip() for line in (data.get("options") or "").splitlines() if line.strip()]
        condition, raw = data.get("show_if"), data.get("show_if_values") or ""
        values: list[int] = []
        if condition is not None:
            for part in (p.strip() for p in raw.split(";") if p.strip()):
                if condition.is_choice and part in condition.options:
                    values.append(condition.options.index(part))
                elif (
                    condition.kind == Question.Kind.SCALE
                    and part.lstrip("-").isdigit()
                    and (int(part) in condition.scale_values)
                ):
                    values.append(int(part))
                else:
                    self.add_error(
                        "show_if_values", f"« {part[:60]} » n'est pas une réponse possible à cette question."
                    )
            if not values and not self.has_error("show_if_values"):
                self.add_error("show_if_values", "Dites pour quelles réponses la question s'affiche.")
        data["values_list"] = values
        return data


class SendForm(forms.Form):
    WHO = [
        ("tous", "Tous les relais actifs"),
        ("quartier", "Les relais d'un quartier"),
        ("residence", "Les relais d'une résidence"),
    ]
    who = forms.ChoiceField(label="À qui", choices=WHO, widget=forms.RadioSelect, initial="tous")
    quartier = forms.ModelChoiceField(label="Quartier", queryset=None, required=False)
    residence = forms.ModelChoiceField(label="Résidence", queryset=None, required=False)

    def __init__(self, *args, quartiers, residences, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quartier"].queryset = quartiers
        self.fields["residence"].queryset = residences

    def clean(self):
        data = super().clean()
        if data.get("who") == "quartier" and not data.get("quartier"):
            self.add_error("quartier", "Choisissez le quartier.")
        if data.get("who") == "residence" and not data.get("residence"):
            self.add_error("residence", "Choisissez la résidence.")
        return data
