from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.forms import ModelMultipleChoiceField
from core.sms import SmsRejected, e164
from initiatives.models import Initiative
from relais.models import Residence
from vitrine.models import PublicPage


class PublicPageForm(forms.ModelForm):
    initiatives = ModelMultipleChoiceField(
        label="Initiatives montrées sur la page",
        queryset=Initiative.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="À venir : annoncées à tous. Réalisées : racontées, avec les seules photos dont les personnes "
        "ont donné leur accord.",
    )

    class Meta:
        model = PublicPage
        fields = [
            "published",
            "intro",
            "show_places",
            "show_names",
            "show_events",
            "show_stories",
            "accept_candidates",
            "contact",
            "embed_origins",
        ]

    def __init__(self, *args, initiatives, network: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["initiatives"].queryset = initiatives
        if network:
            # A network's page shows its members' pages, counts and events: it has
            # no relais, stories or candidates of its own.
            for name in ("show_names", "show_stories", "accept_candidates", "initiatives"):
                del self.fields[name]
            self.fields["show_places"].label = "montrer, pour chaque membre, combien de ses résidences ont des relais"
            self.fields["show_events"].label = "montrer les rendez-vous ouverts à tous que les membres publient"

    def clean_embed_origins(self):
        origins = []
        for line in self.cleaned_data["embed_origins"].splitlines():
            line = line.strip().rstrip("/")
            if not line:
                continue
            parts = urlsplit(line)
            if (
                parts.scheme != "https"
                or not parts.hostname
                or parts.path
                or parts.query
                or parts.fragment
                or parts.username
                or "*" in line
                or any(c in line for c in " ;,'\"")
            ):
                raise ValidationError(
                    f"« {line[:80]} » n'est pas une adresse de site valable : écrivez-la comme "
                    "https://www.exemple.fr, sans chemin ni joker, une par ligne."
                )
            origins.append(f"https://{parts.netloc.lower()}")
        return "\n".join(dict.fromkeys(origins))


class CandidateForm(forms.Form):
    """« Devenir relais »: who, where, how to be reached, consent; plus a
    honeypot and a signed timestamp (checked by the view, public/antispam.py)."""

    first_name = forms.CharField(label="Prénom", max_length=100)
    last_name = forms.CharField(label="Nom", max_length=100)
    residence = forms.ModelChoiceField(
        label="Votre résidence", queryset=Residence.objects.none(), empty_label="Choisissez votre résidence"
    )
    email = forms.CharField(
        label="Adresse e-mail",
        max_length=254,
        required=False,
        help_text="Une adresse e-mail ou un téléphone : l'un des deux suffit.",
    )
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    consent = forms.BooleanField(
        label="J'accepte que l'équipe de médiation garde ces informations pour me recontacter au sujet de ma "
        "candidature.",
        error_messages={"required": "Sans votre accord, nous ne pouvons pas garder votre candidature."},
    )
    # The honeypot: hidden from people by the stylesheet, filled by robots.
    website = forms.CharField(label="Ne remplissez pas ce champ", required=False, max_length=200)
    token = forms.CharField(widget=forms.HiddenInput, max_length=300)

    def __init__(self, *args, residences, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residence"].queryset = residences
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "inputmode": "email"})
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise ValidationError("Cette adresse e-mail n'est pas valable.") from None
        return email

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = "".join(c for c in phone if c.isascii() and c.isdigit())
        if phone and (len(digits) < 10 or len(digits) > 15 or any(c not in "0123456789 +.-()" for c in phone)):
            raise ValidationError("Ce numéro de téléphone n'est pas valable.")
        return phone

    def clean(self):
        data = super().clean()
        if (
            not data.get("email")
            and not data.get("phone")
            and not self.has_error("email")
            and not self.has_error("phone")
        ):
            raise ValidationError("Laissez-nous une adresse e-mail ou un téléphone pour vous recontacter.")
        return data


class AttendanceForm(forms.Form):
    """« Je viendrai »: no account, a name or a pseudonym, how many; the same
    honeypot and signed timestamp as « Devenir relais »."""

    name = forms.CharField(label="Votre nom ou un pseudonyme", max_length=80)
    household = forms.IntegerField(label="Combien serez-vous\u00a0?", min_value=1, max_value=20, initial=1)
    remind_to = forms.CharField(
        label="Me le rappeler la veille (facultatif)",
        max_length=254,
        required=False,
        help_text="Une adresse e-mail ou un numéro de portable : vous recevrez un seul rappel, la veille à 10\u00a0h. "
        "Il ne sert à rien d'autre et il est effacé le lendemain du rendez-vous.",
    )
    website = forms.CharField(label="Ne remplissez pas ce champ", required=False, max_length=200)
    token = forms.CharField(widget=forms.HiddenInput, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["remind_to"].widget.attrs.update({"autocomplete": "email"})

    def clean_remind_to(self) -> str:
        """An e-mail address (lower case) or a mobile number in E.164, or ""."""
        value = self.cleaned_data["remind_to"].strip()
        if not value:
            return ""
        if "@" in value:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError("Cette adresse e-mail n'est pas valable.") from None
            return value.lower()
        try:
            number = e164(value)
        except SmsRejected:
            number = ""
        # A French number must be a mobile (06, 07) to receive an SMS.
        if not number or (number.startswith("+33") and number[3] not in "67"):
            raise ValidationError("Écrivez une adresse e-mail ou un numéro de portable, par exemple 06 12 34 56 78.")
        return number
