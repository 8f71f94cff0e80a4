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

# Each category: stems matched at the start of a word (« hospitalis » finds
# « hospitalisée »), and whole words (with their plural: « juif », « juifs »),
# all written without accents. Whole words where a stem would catch innocent
# words (« drogue » but not « droguerie »).
CATEGORIES: dict[str, dict[str, tuple[str, ...]]] = {
    "santé": {
        "stems": (
            "maladie",
            "cancer",
            "diabet",
            "depressi",
            "psychiatr",
            "hospitalis",
            "seropositi",
            "grossesse",
            "alcool",
            "toxicoman",
            "medicament",
            "chimio",
            "alzheimer",
            "schizophren",
            "bipolaire",
            "suicid",
            "dialys",
            "invalidite",
            "autis",
            "traitement medical",
            "fauteuil roulant",
            "tentative de suicide",
        ),
        "words": (
            "malade",
            "sida",
            "vih",
            "drogue",
            "drogué",
            "droguee",
            "enceinte de",
            "handicape",
            "handicapee",
            "sourd",
            "sourde",
            "aveugle",
            "infirme",
            "sous traitement",
            "est hospitalise",
        ),
    },
    "religion ou convictions": {
        "stems": ("musulman", "chretien", "catholique", "protestant", "evangeli", "bouddhis", "religi", "ramadan"),
        "words": ("juif", "juive", "islam", "mosquee", "synagogue", "athee", "voilee", "va a l'eglise", "pratiquant"),
    },
    "opinions politiques ou syndicales": {
        "stems": ("syndiqu", "syndicalis", "communiste", "extreme droite", "extreme gauche", "gauchiste"),
        "words": (
            "cgt",
            "cfdt",
            "force ouvriere",
            "front national",
            "rassemblement national",
            "insoumis",
            "facho",
            "vote rn",
            "vote lfi",
            "militant politique",
            "militante politique",
            "militant syndical",
        ),
    },
    "infractions ou condamnations": {
        "stems": ("casier judiciaire", "garde a vue", "incarcer", "delinquan", "trafiquant", "bracelet electronique"),
        "words": ("prison", "condamne pour", "condamnee pour", "detenu", "detenue", "dealer", "taule", "sursis"),
    },
    "origine": {
        "stems": (
            "origine ethnique",
            "originaire d",
            "ethni",
            "racial",
            "couleur de peau",
            "maghrebin",
            "marocain",
            "algerien",
            "tunisien",
            "senegalais",
            "malien",
            "turc",
            "turque",
            "africain",
            "immigre",
            "clandestin",
            "nationalite",
            "sans papiers",
        ),
        "words": ("race", "arabe", "noir", "noire", "rom", "gitan", "gitane", "tzigane", "asiatique", "peau noire"),
    },
    "vie sexuelle": {
        "stems": ("homosexu", "lesbienne", "transgenre", "orientation sexuelle", "bisexu"),
        "words": ("gay", "trans"),
    },
}
# Everyday phrases of housing that contain one of the words innocently; they
# are taken out of the text before it is read.
INNOCENT = (
    "acces handicape",
    "acces pour handicape",
    "place handicape",
    "places handicape",
    "toilettes handicape",
    "depot clandestin",
    "depots clandestins",
    "decharge clandestine",
    "porte noire",
    "porte noir",
    "sac noir",
    "sacs noirs",
    "poubelle noire",
    "tache noire",
    "taches noires",
    "moisissure noire",
    "marche noir",
    "point noir",
    "points noirs",
    "trou noir",
    "gay lussac",
    "secours catholique",
    "rue de l'eglise",
    "place de l'eglise",
    "rue de l'hopital",
    "cuisine asiatique",
    "enceinte de la residence",
    "enceinte du batiment",
    "sous traitement de la demande",
    "origine de la fuite",
    "rue de rome",
    "bain turc",
)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("’", "'").replace("-", " ")
    return re.sub(r"\s+", " ", text)


def _expression(term: str, whole: bool) -> str:
    escaped = re.escape(_normalise(term)).replace(r"\ ", r"\s+")
    return escaped + (r"s?\b" if whole else r"\w*")


PATTERN = re.compile(
    r"\b("
    + "|".join(
        _expression(term, kind == "words")
        for terms in CATEGORIES.values()
        for kind, group in terms.items()
        for term in sorted(group, key=len, reverse=True)
    )
    + r")",
    re.UNICODE,
)
INNOCENT_PATTERN = re.compile(r"\b(" + "|".join(_expression(p, True) for p in INNOCENT) + r")")
_TERMS = sorted(
    ((_normalise(term), name) for name, terms in CATEGORIES.items() for group in terms.values() for term in group),
    key=lambda pair: len(pair[0]),
    reverse=True,
)


def find(text: str) -> dict[str, list[str]]:
    """The categories a text seems to touch, with the words that suggest them."""
    found: dict[str, list[str]] = {}
    if not text:
        return found
    for match in PATTERN.finditer(INNOCENT_PATTERN.sub(" ", _normalise(text))):
        word = re.sub(r"\s+", " ", match.group(1))
        category = next((name for term, name in _TERMS if word.startswith(term)), None)
        if category and word not in found.setdefault(category, []):
            found[category].append(word)
    return {name: words for name, words in found.items() if words}


# What a form found in its free texts: {form field: {category: [words]}}.
Found = dict[str, dict[str, list[str]]]


class SensitiveTextMixin:
    """For forms with free text: a warning and a second click before saving a
    text that seems to hold sensitive data. Set `sensitive_fields`.

    A text saved anyway is listed for review by the service that saves it: the
    view passes `form.sensitive_found` on (`sensitive=`), and the service calls
    `core.services.sensitive_flag` inside its transaction."""

    sensitive_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sensitive_found: Found = {}
        self.fields["confirm_sensitive"] = forms.BooleanField(
            label="J'ai relu : ce texte ne dit rien de sensible sur une personne, ou c'est indispensable et elle "
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
            described = " ; ".join(
                f"{category} (« {' », « '.join(words)} »)"
                for found in self.sensitive_found.values()
                for category, words in found.items()
            )
            self.add_error(
                None,
                "Ce texte semble contenir des données sensibles : "
                f"{described}. La santé, la religion, les opinions, les infractions ou l'origine d'une personne "
                "n'ont pas leur place ici. Reformulez, ou cochez la case en bas du formulaire pour confirmer.",
            )
        return data
