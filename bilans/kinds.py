"""The kinds of bilan. An organisation's own bilan is the default; an app above
bilans registers another kind for an organisation kind (reseau/apps.py: the
network's bilan, for organisations of kind « réseau »). Every kind goes through
the same rows, states, task and WeasyPrint (bilans/services.py); only what it
counts and how it shows it differ. bilans imports none of the apps that
register here (BATCH-NOTES: `reseau` may use `bilans`, not the reverse)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bilans.models import Bilan
from bilans.selectors import bilan_context


@dataclass(frozen=True)
class Kind:
    name: str
    # The page's and the PDF's context: (bilan, user) -> dict. `user` is the
    # one the reads are scoped for (the request's, or the requester's in the task).
    context: Callable[..., dict]
    page_template: str
    pdf_template: str
    # Run by the worker before the PDF is made (bring stale figures up to date): (bilan, user) -> None.
    prepare: Callable[..., None] | None = None
    # What the waiting page says of that preparation: (bilan, user) -> str.
    progress: Callable[..., str] | None = None
    # Whether its texts offer a period other than the calendar year and « vous avez dit,
    # nous avons fait » examples (an organisation's remontées; a network has none).
    periods_and_examples: bool = True
    # Whether the organisation's partners read it (an organisation's bilan is for them too).
    partners: bool = True
    # Whether the page offers its figures as a workbook (bilans/exports.py reads the default kind's).
    workbook: bool = False
    # Celery limits for a kind whose preparation takes longer than the default's (None: the task's own).
    soft_time_limit: int | None = None
    time_limit: int | None = None


def _own_context(bilan: Bilan, user=None) -> dict:
    return bilan_context(bilan)


ORGANISATION = Kind("organisation", _own_context, "bilans/detail.html", "bilans/pdf.html", workbook=True)

_KINDS: dict[str, Kind] = {}


def register(organisation_kind: str, kind: Kind) -> None:
    """The bilan of organisations of `organisation_kind` is made as `kind` says (called from an AppConfig.ready)."""
    _KINDS[organisation_kind] = kind


def kind_of(bilan: Bilan) -> Kind:
    return _KINDS.get(bilan.organisation.kind, ORGANISATION)
