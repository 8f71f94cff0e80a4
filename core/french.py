"""French as a reader expects it, in one place: elision (« d'Aïcha », « qu'Habitat
du Lac »), agreement with a count (« 1 résidence », « 2 résidences »,
« 0 résidence ») and date ranges (« le 28 mai 2027 », « du 3 au 5 mai 2027 »).
Templates use it through `{% load french %}` (core/templatetags/french.py).
Numbers and euros are formatted by their own helper, not here."""

from __future__ import annotations

import datetime
import unicodedata

from django.utils import formats

ELIDED = {"de": "d'", "que": "qu'", "le": "l'", "la": "l'", "je": "j'", "ne": "n'", "se": "s'", "jusque": "jusqu'"}
# Words starting with an « h aspiré »: no elision (« de Hautepierre », « le hall »).
H_ASPIRE = (
    "hache", "haie", "haine", "hall", "halle", "halte", "hamac", "hameau", "hanche", "handicap", "hangar",
    "hardi", "hareng", "haricot", "harpe", "hasard", "haut", "havre", "hérisson", "héros", "hêtre", "hibou",
    "hiérarchie", "hollande", "homard", "honte", "hors", "houx", "housse", "huit", "hurl", "hutte",
)  # fmt: skip


def _starts_with_vowel_sound(word: str) -> bool:
    if not word:
        return False
    bare = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    if not bare:
        return False
    if bare[0] in "aeiou" or word[0].lower() in "æœ":
        return True
    if bare[0] == "h":
        lowered = word.lower()
        return not any(lowered.startswith(h) for h in H_ASPIRE)
    return False


def elide(word: str, following: str) -> str:
    """`word` before `following`, elided when French says so:
    elide("de", "Aïcha") → « d'Aïcha », elide("que", "Habitat du Lac") →
    « qu'Habitat du Lac », elide("de", "Karim") → « de Karim »."""
    following = str(following)
    if word.lower() in ELIDED and _starts_with_vowel_sound(following.lstrip("«\u00a0\u202f ")[:12]):
        elided = ELIDED[word.lower()]
        if word[:1].isupper():
            elided = elided.capitalize()
        return f"{elided}{following}"
    return f"{word} {following}"


def plural(count: int | float | None, singular: str, plural_form: str | None = None) -> str:
    """`count` and its noun, agreed the French way (0 and 1 singular):
    plural(1, "résidence à créer", "résidences à créer") → « 1 résidence à créer »."""
    count = count or 0
    words = singular if abs(count) < 2 else (plural_form or f"{singular}s")
    return f"{count} {words}"


def date_range(start: datetime.date, end: datetime.date | None = None) -> str:
    """One day or a span, said once: « le 28 mai 2027 », « du 3 au 5 mai 2027 »,
    « du 28 mai au 2 juin 2027 », « du 30 décembre 2026 au 2 janvier 2027 »."""
    if end is None or end == start:
        return f"le {formats.date_format(start, 'j F Y')}"
    if (start.year, start.month) == (end.year, end.month):
        first = formats.date_format(start, "j")
    elif start.year == end.year:
        first = formats.date_format(start, "j F")
    else:
        first = formats.date_format(start, "j F Y")
    return f"du {first} au {formats.date_format(end, 'j F Y')}"
