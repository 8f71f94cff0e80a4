import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import DateInput, ModelMultipleChoiceField
from core.models import Membership
from core.sensitive import SensitiveTextMixin
from core.widgets import SearchableCheckboxes
from relais.models import Quartier, Relais, Residence
from reunions.models import Invitee, Reunion


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class WhenForm(forms.Form):
    date = forms.DateField(label="Date", widget=DateInput())
    start = forms.TimeField(label="Début", widget=TimeInput(), initial=datetime.time(18, 0))
    end = forms.TimeField(label="Fin", widget=TimeInput(), initial=datetime.time(20, 0))

    def clean(self):
        data = super().clean()
        if all(data.get(k) for k in ("date", "start", "end")):
            data["starts_at"] = timezone.make_aware(datetime.datetime.combine(data["date"], data["start"]))
            data["ends_at"] = timezone.make_aware(datetime.datetime.combine(data["date"], data["end"]))
            if data["end"] <= data["start"]:
                self.add_error("end", "La fin de la réunion doit suivre son début.")
        return data


class ReunionForm(WhenForm):
    kind = forms.ChoiceField(label="Type", choices=Reunion.Kind.choices, initial=Reunion.Kind.THEMATIQUE)
    title = forms.CharField(label="Titre", max_length=200)
    themes = forms.CharField(
        label="Thèmes", max_length=300, required=False, help_text="Par exemple : sécurité, encombrants, chauffage."
    )
    residence = forms.ModelChoiceField(
        label="Salle commune de la résidence", queryset=Residence.objects.none(), required=False
    )
    address = forms.CharField(label="ou une adresse", max_length=255, required=False)
    online_url = forms.URLField(label="ou un lien de visioconférence", required=False, assume_scheme="https")
    repeat = forms.IntegerField(
        label="Nombre de réunions",
        min_value=1,
        max_value=12,
        initial=1,
        help_text="Plus d'une : une série, une réunion toutes les N semaines.",
    )
    every_weeks = forms.IntegerField(label="Toutes les (semaines)", min_value=1, max_value=52, initial=13)
    already_held = forms.BooleanField(
        label="Elle a déjà eu lieu : je l'enregistre après coup",
        required=False,
        help_text="Pour une date passée seulement : personne n'est invité, les présences se notent ensuite.",
    )

    field_order = [
        "kind",
        "title",
        "themes",
        "date",
        "start",
        "end",
        "already_held",
        "residence",
        "address",
        "online_url",
        "repeat",
        "every_weeks",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residence"].queryset = Residence.objects.for_user(user).filter(has_common_room=True)

    def clean(self):
        data = super().clean()
        starts_at = data.get("starts_at")
        if starts_at and starts_at <= timezone.now() and not data.get("already_held"):
            self.add_error(
                "date",
                "Cette date est passée. Corrigez-la, ou cochez « Elle a déjà eu lieu » pour enregistrer "
                "une réunion qui s'est tenue.",
            )
        if not (data.get("residence") or data.get("address") or data.get("online_url")):
            self.add_error(
                "address", "Indiquez un lieu : une salle commune, une adresse ou un lien de visioconférence."
            )
        return data


class InviteForm(forms.Form):
    all_active = forms.BooleanField(label="Tous les relais actifs", required=False)
    quartiers = ModelMultipleChoiceField(
        label="Les relais actifs de ces quartiers",
        queryset=Quartier.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    residences = ModelMultipleChoiceField(
        label="Les relais actifs de ces résidences",
        queryset=Residence.objects.none(),
        required=False,
        widget=SearchableCheckboxes,
    )
    relais = ModelMultipleChoiceField(
        label="Des relais en particulier", queryset=Relais.objects.none(), required=False, widget=SearchableCheckboxes
    )
    members = ModelMultipleChoiceField(
        label="Des collègues ou partenaires",
        queryset=Membership.objects.none(),
        required=False,
        widget=SearchableCheckboxes,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quartiers"].queryset = Quartier.objects.for_user(user)
        self.fields["residences"].queryset = Residence.objects.for_user(user)
        self.fields["relais"].queryset = Relais.objects.for_user(user).exclude(status=Relais.Status.SORTI)
        self.fields["members"].queryset = (
            Membership.objects.for_user(user).exclude(role=Membership.Role.RELAIS).select_related("user")
        )

    def clean(self):
        data = super().clean()
        if not any(data.get(k) for k in ("all_active", "quartiers", "residences", "relais", "members")):
            raise ValidationError("Choisissez au moins une personne ou un groupe à inviter.")
        return data


class NextReunionForm(ReunionForm):
    """Plan the next meeting from the minutes: one meeting, not a series."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["repeat"], self.fields["every_weeks"]

    def clean(self):
        data = super().clean()
        data.update(repeat=1, every_weeks=1)
        return data


def person_choices(user, reunion=None) -> tuple[list, dict]:
    """Relais (not gone) and colleagues of the organisation, as "r-12" / "u-3"
    choices, and the objects behind them; with a meeting, its guests from other
    organisations (a network's meeting invites its members' people)."""
    relais = Relais.objects.for_user(user).exclude(status=Relais.Status.SORTI).order_by("last_name", "first_name")
    members = (
        Membership.objects.for_user(user)
        .filter(role__in=(Membership.Role.ADMIN, Membership.Role.STAFF))
        .select_related("user")
        .order_by("user__last_name")
    )
    objects = {f"r-{r.pk}": r for r in relais} | {f"u-{m.user_id}": m.user for m in members}
    choices = [
        ("Relais", [(f"r-{r.pk}", str(r)) for r in relais]),
        ("Équipe", [(f"u-{m.user_id}", str(m.user)) for m in members]),
    ]
    if reunion is not None:
        guests = [
            i
            for i in Invitee.objects.for_user(user).filter(reunion=reunion).select_related("relais", "user")
            if (f"r-{i.relais_id}" if i.relais_id else f"u-{i.user_id}") not in objects
        ]
        if guests:
            keys = {(f"r-{i.relais_id}" if i.relais_id else f"u-{i.user_id}"): i.person for i in guests}
            objects |= keys
            choices.append(("Invité·es d'autres organisations", [(k, str(p)) for k, p in keys.items()]))
    return choices, objects


class PersonField(forms.ChoiceField):
    def __init__(self, *, user, reunion=None, **kwargs):
        choices, self.objects = person_choices(user, reunion)
        super().__init__(choices=[("", "— choisir —"), *choices], **kwargs)

    def clean(self, value):
        return self.objects[super().clean(value)]


class MinutesForm(SensitiveTextMixin, forms.Form):
    sensitive_fields = ("minutes",)

    agenda = forms.CharField(
        label="Ordre du jour",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Un point par ligne. Les actions à suivre des réunions précédentes s'ajoutent d'elles-mêmes.",
        max_length=5000,
    )
    minutes = forms.CharField(
        label="Compte-rendu", required=False, widget=forms.Textarea(attrs={"rows": 12}), max_length=50000
    )
    decisions = forms.CharField(
        label="Décisions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Une décision par ligne.",
        max_length=5000,
    )


class ActionForm(forms.Form):
    title = forms.CharField(label="Action", max_length=300)
    owner = forms.ChoiceField(label="Qui s'en charge")
    due_on = forms.DateField(label="Pour le", widget=DateInput())

    def __init__(self, *args, user, reunion=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = PersonField(user=user, reunion=reunion, label="Qui s'en charge")


class ParticipantForm(forms.Form):
    person = forms.ChoiceField(label="Personne venue sans invitation")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"] = PersonField(user=user, label="Personne venue sans invitation")


class ReminderDaysForm(forms.Form):
    days = forms.CharField(
        label="Rappels (jours avant la réunion)",
        max_length=30,
        help_text="Par exemple « 7, 1 » : un rappel une semaine avant, un autre la veille.",
    )

    def clean_days(self):
        raw = self.cleaned_data["days"].replace(";", ",").replace(" ", ",")
        try:
            days = sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True)
        except ValueError:
            raise ValidationError(
                "Écrivez des nombres de jours séparés par des virgules, par exemple « 7, 1 »."
            ) from None
        if not days or len(days) > 4 or any(not 1 <= d <= 60 for d in days):
            raise ValidationError("Choisissez de un à quatre rappels, chacun entre 1 et 60 jours avant la réunion.")
        return days
