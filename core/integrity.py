"""The registry of data-integrity checks: each app says which of its histories
can be impossible, and how to put each right.

An app registers its checks from `AppConfig.ready()` (`register(app, check)`);
`manage.py check_data` runs them all. A check takes an organisation (or None for
every one) and yields a `Problem` per impossible row: dates out of order, an exit
before a start, a status that contradicts the history. The bilan reads states
from the histories, the dashboard from the rows: on data that pass these checks
they say the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.models import Organisation


@dataclass(frozen=True)
class Problem:
    kind: str  # a stable code, « app.what » (the tests and scripts match on it)
    organisation: str
    where: str  # the row, as an operator finds it: its kind, number and page
    what: str  # what is impossible, in French
    fix: str  # how to put it right, in French


def reporter(app: str, organisation: Organisation, where: str) -> Callable[[str, str, str], Problem]:
    """`problem(kind, what, fix)` for one row: its app, organisation and place."""

    def problem(kind: str, what: str, fix: str) -> Problem:
        return Problem(kind=f"{app}.{kind}", organisation=organisation.name, where=where, what=what, fix=fix)

    return problem


Check = Callable[[Organisation | None], Iterable[Problem]]
_checks: dict[str, list[Check]] = {}


def register(app: str, *checks: Check) -> None:
    """Called once per app from `AppConfig.ready()`; registering again replaces."""
    _checks[app] = list(checks)


def run(organisation: Organisation | None = None) -> list[Problem]:
    return [problem for checks in _checks.values() for check in checks for problem in check(organisation)]


def of(queryset, organisation: Organisation | None, path: str = "organisation"):
    """`queryset` limited to `organisation` (all of them when None)."""
    return queryset if organisation is None else queryset.filter(**{path: organisation})
