from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils import timezone

from core.access import access_for
from core.consents import active_scopes
from core.forms import DateInput, ModelMultipleChoiceField
from core.models import Consent, Membership
from core.sensitive import SensitiveTextMixin
from relais.models import ContactLog, Quartier, Relais, RelaisResidence, Residence
from relais.services import ALLOWED_TRANSITIONS


class QuartierForm(forms.ModelForm):
    class Meta:
        model = Quartier
        fields = ["name", "is_qpv"]

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Quartier.objects.filter(organisation=self.organisation, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("Un quartier porte déjà ce nom.")
        return name


class ResidenceForm(forms.ModelForm):
    class Meta:
        model = Residence
        fields = [
            "name",
            "reference",
            "quartier",
            "address",
            "postal_code",
            "city",
            "dwellings",
            "has_common_room",
            "latitude",
            "longitude",
        ]

    def __init__(self, *args, user, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["quartier"].queryset = Quartier.objects.for_user(user)
        # Staff of a local agency would lose sight of a residence outside
        # their quartiers: for them the quartier is required.
        self.fields["quartier"].required = bool(access_for(user).quartier_ids)

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if reference:
            clash = Residence.objects.filter(organisation=self.organisation, reference=reference)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise ValidationError("Une autre résidence a déjà cette référence.")
        return reference

    def clean_latitude(self):
        value = self.cleaned_data["latitude"]
        if value is not None and not -90 <= value <= 90:
            raise ValidationError("La latitude est comprise entre -90 et 90.")
        return value

    def clean_longitude(self):
        value = self.cleaned_data["longitude"]
        if value is not None and not -180 <= value <= 180:
            raise ValidationError("La longitude est comprise entre -180 et 180.")
        return value


class RelaisForm(forms.ModelForm):
    consents = forms.MultipleChoiceField(
        label="Ce que la personne accepte",
        choices=Consent.Scope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Rien n'est fait au-delà : pas de SMS sans l'accord pour les SMS, par exemple. "
        "Décocher retire le consentement à la date du jour.",
    )
    consent_date = forms.DateField(
        label="Consentements recueillis le",
        required=False,
        widget=DateInput(),
        help_text="Pour les accords cochés maintenant ; ceux déjà donnés gardent leur date.",
    )

    class Meta:
        model = Relais
        fields = ["first_name", "last_name", "phone", "email", "preferred_channel"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["consents"].initial = sorted(active_scopes(self.instance))

    def clean_consent_date(self):
        value = self.cleaned_data["consent_date"]
        if value and value > timezone.localdate():
            raise ValidationError("La date du consentement ne peut pas être dans le futur.")
        return value

    def clean(self):
        data = super().clean()
        channel = data.get("preferred_channel")
        consents = set(data.get("consents") or ())
        if channel == Relais.Channel.EMAIL and not data.get("email"):
            self.add_error("email", "Une adresse e-mail est nécessaire pour le canal « E-mail ».")
        if channel == Relais.Channel.SMS and not data.get("phone"):
            self.add_error("phone", "Un numéro de téléphone est nécessaire pour le canal « SMS ».")
        if channel in (Relais.Channel.EMAIL, Relais.Channel.SMS) and channel not in consents:
            self.add_error(
                "consents",
                f"Le canal « {Relais.Channel(channel).label} » demande l'accord de la personne pour être "
                "contactée ainsi ; sinon choisissez le canal « Papier ».",
            )
        already = active_scopes(self.instance) if self.instance.pk else set()
        if consents - already and not data.get("consent_date") and "consent_date" not in self.errors:
            self.add_error("consent_date", "Indiquez la date à laquelle la personne a donné son accord.")
        return data


class RelaisCreateForm(RelaisForm):
    status = forms.ChoiceField(
        label="Statut",
        choices=[(Relais.Status.CANDIDAT, "Candidat·e"), (Relais.Status.ACTIF, "Actif·ve")],
        initial=Relais.Status.CANDIDAT,
    )
    status_date = forms.DateField(label="Depuis le", widget=DateInput(), initial=timezone.localdate)

    def clean_status_date(self):
        value = self.cleaned_data["status_date"]
        if value > timezone.localdate():
            raise ValidationError("La date ne peut pas être dans le futur.")
        return value


class RelaisResidenceForm(forms.ModelForm):
    class Meta:
        model = RelaisResidence
        fields = ["residence", "building"]


RelaisResidenceFormSet = inlineformset_factory(
    Relais,
    RelaisResidence,
    form=RelaisResidenceForm,
    extra=1,
    can_delete=True,
    max_num=20,
    validate_max=True,
    # Django's default would build (and show again) up to 1,020 forms, each with
    # every residence in its list, for a hand-made TOTAL_FORMS of a billion.
    absolute_max=20,
)


def residence_formset(*, user, data=None, instance=None, residence: Residence | None = None):
    """The residences of a relais; `residence` is the first one proposed (« recruter un relais ici »)."""
    initial = [{"residence": residence.pk}] if residence and data is None else None
    formset = RelaisResidenceFormSet(data=data, instance=instance or Relais(), prefix="residences", initial=initial)
    residences = Residence.objects.for_user(user)
    for form in formset.forms:
        form.fields["residence"].queryset = residences
    formset.empty_form.fields["residence"].queryset = residences
    return formset


def formset_links(formset, *, user=None) -> list[tuple[Residence, str]]:
    """The (residence, building) pairs of a valid formset; adds form errors on
    duplicates, and requires one residence from staff limited to some quartiers
    (otherwise the relais they create would vanish from their view)."""
    links, seen = [], set()
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data.get("residence") or data.get("DELETE"):
            continue
        if data["residence"].pk in seen:
            form.add_error("residence", "Cette résidence est déjà choisie.")
            continue
        seen.add(data["residence"].pk)
        links.append((data["residence"], data.get("building", "")))
    if user is not None and access_for(user).quartier_ids and not links:
        message = "Choisissez au moins une résidence de vos quartiers."
        if formset.forms:
            formset.forms[0].add_error("residence", message)
        else:  # a hand-made POST with no form at all
            formset.non_form_errors().append(message)
    return links


def formset_ok(formset) -> bool:
    """After formset_links: no error was added to the formset or its forms."""
    return not formset.non_form_errors() and all(not f.errors for f in formset.forms)


class StatusChangeForm(SensitiveTextMixin, forms.Form):
    sensitive_fields = ("note",)

    to_status = forms.ChoiceField(label="Nouveau statut")
    date = forms.DateField(label="Date", widget=DateInput(), initial=timezone.localdate)
    exit_reason = forms.ChoiceField(
        label="Motif de sortie",
        choices=[("", "—")] + list(Relais.ExitReason.choices),
        required=False,
    )
    note = forms.CharField(
        label="Commentaire", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, relais: Relais, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_TRANSITIONS[relais.status]
        self.fields["to_status"].choices = [c for c in Relais.Status.choices if c[0] in allowed]

    def clean(self):
        data = super().clean()
        if data.get("to_status") == Relais.Status.SORTI and not data.get("exit_reason"):
            self.add_error("exit_reason", "Indiquez le motif de sortie.")
        return data


class ContactLogForm(SensitiveTextMixin, forms.ModelForm):
    sensitive_fields = ("note",)

    class Meta:
        model = ContactLog
        fields = ["kind", "date", "note"]
        widgets = {"date": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "note": "La personne peut demander à lire ces notes (droit d'accès) : écrivez-les pour elle aussi."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise ValidationError("Un échange ne peut pas être daté dans le futur.")
        return value


class InviteColleagueForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail")
    role = forms.ChoiceField(
        label="Rôle",
        choices=[c for c in Membership.Role.choices if c[0] != Membership.Role.RELAIS],
        initial=Membership.Role.STAFF,
    )
    quartiers = ModelMultipleChoiceField(
        label="Quartiers suivis",
        queryset=Quartier.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Pour une agence locale : laisser vide pour toute l'organisation.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quartiers"].queryset = Quartier.objects.for_user(user)


class OrganisationSwitchForm(forms.Form):
    organisation = forms.IntegerField()
