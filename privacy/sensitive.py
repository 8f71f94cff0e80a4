"""A guard on free text: notes, minutes and remontées must not hold data the
law calls sensitive (health, religion, political or union opinions, offences,
ethnic origin, sex life). A list of French words suggests it; the form then
warns before saving, and a text saved anyway is listed for staff to review.

It is a prompt to reread, not a filter: the words are common enough that a
human decides.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.contrib.contenttypes.models import ContentType

from privacy.models import SensitiveFlag

# Stems, without accents, matched at the start of a word.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "santé": (
        "malad",
        "cancer",
        "diabet",
        "depress",
        "psychiatr",
        "handicap",
        "hopital",
        "hospitalis",
        "sida",
        "vih",
        "seropositi",
        "enceinte",
        "grossesse",
        "alcooli",
        "toxicoman",
        "drogue",
        "traitement medical",
        "medicament",
        "chimio",
        "alzheimer",
        "schizophren",
        "bipolaire",
        "suicid",
        "dialys",
        "invalidit",
    ),
    "religion ou convictions": (
        "musulman",
        "islam",
        "juif",
        "juive",
        "judai",
        "chretien",
        "catholique",
        "protestant",
        "evangeli",
        "mosquee",
        "eglise",
        "synagogue",
        "ramadan",
        "religi",
        "athee",
        "voile islamique",
        "bouddhis",
    ),
    "opinions politiques ou syndicales": (
        "syndiqu",
        "syndicalis",
        "cgt",
        "cfdt",
        "force ouvriere",
        "sud rail",
        "militant",
        "extreme droite",
        "extreme gauche",
        "communiste",
        "front national",
        "rassemblement national",
        "insoumis",
        "ecologiste",
        "vote pour",
        "electeur",
        "gauchiste",
        "facho",
    ),
    "infractions ou condamnations": (
        "condamn",
        "prison",
        "incarcer",
        "casier judiciaire",
        "garde a vue",
        "delinquan",
        "dealer",
        "trafiquant",
        "bracelet electronique",
        "sursis",
        "detenu",
        "plainte contre",
        "interpell",
    ),
    "origine": (
        "origine ethnique",
        "originaire",
        "ethni",
        "race",
        "racial",
        "couleur de peau",
        "peau noire",
        "arabe",
        "maghrebin",
        "africain",
        "rom",
        "roms",
        "gitan",
        "tzigane",
        "asiatique",
        "sans papiers",
        "sans-papiers",
        "immigre",
        "clandestin",
        "nationalite",
    ),
    "vie sexuelle": ("homosexu", "lesbienne", "gay", "transgenre", "orientation sexuelle", "bisexu"),
}
# Whole words only for the short ones, where a stem would catch innocent words.
WHOLE_WORDS = {"rom", "roms", "race", "sida", "vih", "gay", "juif", "juive", "cgt", "cfdt", "islam"}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c)).replace("’", "'").replace("-", " ")


def _pattern() -> re.Pattern:
    parts = []
    for stems in CATEGORIES.values():
        for stem in stems:
            escaped = re.escape(_normalise(stem)).replace(r"\ ", r"\s+")
            parts.append(escaped + (r"\b" if stem in WHOLE_WORDS else r"\w*"))
    return re.compile(r"\b(" + "|".join(parts) + r")", re.UNICODE)


PATTERN = _pattern()
_STEM_CATEGORY = {_normalise(stem): name for name, stems in CATEGORIES.items() for stem in stems}


def find(text: str) -> dict[str, list[str]]:
    """The categories a text seems to touch, with the words that suggest them."""
    found: dict[str, list[str]] = {}
    if not text:
        return found
    for match in PATTERN.finditer(_normalise(text)):
        word = re.sub(r"\s+", " ", match.group(1))
        category = next((name for stem, name in _STEM_CATEGORY.items() if word == stem or word.startswith(stem)), None)
        if category and word not in found.setdefault(category, []):
            found[category].append(word)
    return {name: words for name, words in found.items() if words}


class SensitiveTextMixin:
    """For forms with free text: a warning and a second click before saving a
    text that seems to hold sensitive data. Set `sensitive_fields`."""

    sensitive_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sensitive_found: dict[str, dict[str, list[str]]] = {}
        self.fields["confirm_sensitive"] = forms.BooleanField(
            label="J'ai relu : ce texte ne dit rien de sensible sur une personne, ou c'est indispensable et elle "
            "est d'accord",
            required=False,
            widget=forms.HiddenInput,
        )

    def clean(self):
        data = super().clean()
        self.sensitive_found = {}
        for name in self.sensitive_fields:
            found = find(str(data.get(name) or ""))
            if found:
                self.sensitive_found[name] = found
        confirmed = data.pop("confirm_sensitive", False)  # not a field of what is saved
        if self.sensitive_found and not confirmed:
            self.fields["confirm_sensitive"].widget = forms.CheckboxInput()
            described = " ; ".join(
                f"{category} (« {' », « '.join(words)} »)"
                for found in self.sensitive_found.values()
                for category, words in found.items()
            )
            self.add_error(
                None,
                "Ce texte semble contenir des données sensibles : "
                f"{described}. La santé, la religion, les opinions, les infractions ou l'origine d'une personne "
                "n'ont pas leur place ici. Reformulez, ou cochez la case en bas du formulaire pour confirmer.",
            )
        return data

    def flag_sensitive(self, obj, *, by, fields: dict[str, str] | None = None) -> None:
        """Call after saving `obj`: list a confirmed text for staff review.
        `fields` maps a form field to the model field it was saved in."""
        found = getattr(self, "sensitive_found", {})
        if not found or obj is None:
            return
        content_type = ContentType.objects.get_for_model(obj)
        for name, categories in found.items():
            SensitiveFlag.objects.create(
                organisation_id=_organisation_id(obj),
                content_type=content_type,
                object_id=obj.pk,
                field=(fields or {}).get(name, name),
                categories=", ".join(categories)[:200],
                flagged_by=by if by is not None and by.is_authenticated else None,
            )


def _organisation_id(obj) -> int:
    if getattr(obj, "organisation_id", None):
        return obj.organisation_id
    for path in ("relais", "reunion", "remontee", "initiative"):
        related = getattr(obj, path, None)
        if related is not None and getattr(related, "organisation_id", None):
            return related.organisation_id
    raise ValueError(f"no organisation for {obj!r}")
