"""Which tables a block of code wrote to, read from the SQL it sent.

The walkers used to hash the whole database before and after every request to
see whether it wrote; reading the statements instead costs nothing, sees every
app's tables (ours, allauth's, Django's), and says where the write went.

    with DataWrites() as writes:
        client.post(url, data)
    assert not writes, writes.summary()

A write undone inside the block (a view's `atomic()` that rolled back to its
savepoint) is not counted: the database never kept it.
"""

from __future__ import annotations

import re
from collections import Counter

from django.db import connection

_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+["`]?(\w+)',
    re.IGNORECASE,
)
_SAVEPOINT = re.compile(r'^\s*(SAVEPOINT|RELEASE\s+SAVEPOINT|ROLLBACK\s+TO\s+SAVEPOINT)\s+["`]?(\w+)', re.IGNORECASE)


def _is_consultation(table: str, params) -> bool:
    # The access journal's "consultation" rows: the law asks that showing a
    # person's page be recorded, and a refused form shows that page again.
    # Its other rows (creation, modification, export…) are writes like any.
    return table == "privacy_auditevent" and "consultation" in _flat(params)


def _flat(params) -> list:
    if params is None:
        return []
    if isinstance(params, dict):
        return list(params.values())
    flat = []
    for value in params:
        flat.extend(_flat(value) if isinstance(value, (list, tuple)) else [value])
    return flat


# What is not data, and so never counts as a write:
# - django_session: where a page keeps what it needs between two requests (an
#   import's preview token, the chosen organisation, allauth's login steps and
#   the session's length), written by the framework whatever the form said;
# - the access journal's consultations (above).
NOT_DATA_TABLES = frozenset({"django_session"})


class DataWrites:
    """Counts the INSERT, UPDATE and DELETE statements of a block, by table."""

    def __init__(self, using=None):
        self.connection = connection if using is None else using
        self.tables: Counter[str] = Counter()
        self.statements: list[tuple[str, str]] = []
        self._marks: dict[str, int] = {}
        self._wrapper = None

    # The statements

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)  # a statement that failed wrote nothing
        if match := _SAVEPOINT.match(sql):
            verb, name = match.group(1).upper().split()[0], match.group(2)
            if verb == "SAVEPOINT":
                self._marks[name] = len(self.statements)
            elif verb == "ROLLBACK":
                self._forget_from(self._marks.get(name, len(self.statements)))
            else:
                self._marks.pop(name, None)
        elif match := _WRITE.match(sql):
            table = match.group(1)
            if table not in NOT_DATA_TABLES and not _is_consultation(table, params):
                self.statements.append((table, sql[:300]))
                self.tables[table] += 1
        return result

    def _forget_from(self, index: int) -> None:
        for table, _ in self.statements[index:]:
            self.tables[table] -= 1
        del self.statements[index:]
        self.tables = +self.tables  # drop the zeros

    # Using it

    def __bool__(self) -> bool:
        return bool(self.statements)

    def summary(self) -> str:
        return ", ".join(f"{table} ×{n}" for table, n in sorted(self.tables.items())) or "nothing"

    def __enter__(self) -> DataWrites:
        self._wrapper = self.connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._wrapper.__exit__(*exc)
        self._wrapper = None
