"""What is waiting for staff: the shape each domain app gives its waiting items
so that the inbox (inbox/, above the apps) can list them side by side.

Each app offers `waiting(user, limit=...)` in its selectors.py, returning one
`WaitingGroup` per kind it knows of; each group is read in one query (the first
rows and, on each row, how many there are in all), so the inbox's query count
does not grow with what is waiting.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet, Window


@dataclass(frozen=True)
class Waiting:
    """One line of the inbox: what it is, since when, and where it is dealt with."""

    model: str  # "app_label.model", with `pk`: what an assignment points at
    pk: int
    title: str
    detail: str
    since: datetime.date | datetime.datetime | None
    url: str
    # The colleague following it, when the object itself records one (remontées).
    assignee: object | None = None

    @property
    def key(self) -> str:
        return f"{self.model}:{self.pk}"


@dataclass
class WaitingGroup:
    kind: str
    label: str
    total: int
    items: list[Waiting] = field(default_factory=list)


def first_rows(queryset: QuerySet, limit: int) -> tuple[int, list]:
    """The first `limit` rows of `queryset` (ordered) and how many there are in
    all, in one query: each row carries the total (a window count)."""
    rows = list(queryset.annotate(waiting_total=Window(Count("pk")))[: max(limit, 1)])
    total = rows[0].waiting_total if rows else 0
    return total, rows[:limit]


def waiting_group(kind: str, label: str, queryset: QuerySet, limit: int, line: Callable[..., Waiting]) -> WaitingGroup:
    """One kind of waiting item: the first `limit` rows of `queryset` (one query,
    see `first_rows`), each made into an inbox line by `line(row)`."""
    total, rows = first_rows(queryset, limit)
    return WaitingGroup(kind=kind, label=label, total=total, items=[line(row) for row in rows])
