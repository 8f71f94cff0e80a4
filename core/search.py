"""French search and sort, the same on SQLite and PostgreSQL.

- `fold()` is what a search compares: lower case, no accents, ligatures spelt
  out (« Éluard » and « eluard », « Cœur » and « coeur » are one word).
  In SQL, `<field>__fold` is the same transform: `LOWER(UNACCENT(x))` on
  PostgreSQL (the `unaccent` extension, core's migration 0002), and a Python
  function registered on each SQLite connection.
- `search_q()` is every list's search box: each word typed must be found,
  folded, in one of the fields.
- `French(field)` orders names as a French reader expects (« Cité des
  Pêcheurs » before « Cité Jules-Ferry », « Les Cèdres » before « Les Chênes »,
  « Les Érables » before « Les Tilleuls »): the ICU collation `fr-x-icu` on
  PostgreSQL, a collation of the same name registered on SQLite connections.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from django.db.backends.signals import connection_created
from django.db.models import CharField, Q, TextField, Transform
from django.db.models.functions import Collate

# What NFKD does not take apart: letters written as one character.
_SPELT_OUT = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l"})
# Punctuation inside names (Jules-Ferry, l'Orée): a separator when sorting.
_SEPARATORS = re.compile(r"[\s\-‐‑–—'’.,/]+")


@functools.lru_cache(maxsize=4096)
def fold(value: str | None) -> str | None:
    """`value` in lower case without accents: what a search compares."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", str(value).translate(_SPELT_OUT))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def french_key(value: str) -> tuple:
    """A sort key for French names: letters first (accents and case ignored,
    hyphens and apostrophes read as spaces), then accents, then case, so that
    the order is total and stable."""
    primary = _SEPARATORS.sub(" ", fold(value)).strip()
    return (primary, fold(value), unicodedata.normalize("NFKD", value).lower(), value)


def search_q(value: str, *fields: str) -> Q:
    """Each word of `value` found, accents and case ignored, in one of `fields`."""
    query = Q()
    for word in (value or "").split():
        folded = fold(word)
        either = Q()
        for field in fields:
            either |= Q(**{f"{field}__fold__contains": folded})
        query &= either
    return query


class Fold(Transform):
    """`<field>__fold`: the field as `fold()` would write it."""

    lookup_name = "fold"

    def as_sql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return f"fold({lhs})", params

    def as_postgresql(self, compiler, connection):
        lhs, params = compiler.compile(self.lhs)
        return f"LOWER(UNACCENT({lhs}))", params


CharField.register_lookup(Fold)
TextField.register_lookup(Fold)


class French(Collate):
    """Order by `expression` in French (usable in Meta.ordering and order_by)."""

    def __init__(self, expression):
        super().__init__(expression, "fr-x-icu")

    def as_sqlite(self, compiler, connection, **extra_context):
        collation = connection.ops.quote_name(SQLITE_COLLATION)
        return super().as_sql(compiler, connection, collation=collation, **extra_context)


SQLITE_COLLATION = "fr-x-icu"


def _compare(a: str | None, b: str | None) -> int:
    ka, kb = french_key(a or ""), french_key(b or "")
    return (ka > kb) - (ka < kb)


def _on_sqlite_connection(sender, connection, **kwargs) -> None:
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function("fold", 1, fold, deterministic=True)
    connection.connection.create_collation(SQLITE_COLLATION, _compare)


def register() -> None:
    """Called once by core's AppConfig: every SQLite connection gets `fold` and the collation."""
    connection_created.connect(_on_sqlite_connection, dispatch_uid="core.search.sqlite")
