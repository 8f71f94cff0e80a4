"""The hall poster of a residence: « vous avez dit, nous avons fait », on A4."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from relais.models import Residence
from remontees.models import Remontee


def residence_poster_pdf(
    *, residence: Residence, organisation, done: list[Remontee], ongoing: list[Remontee], declined: list[Remontee]
) -> bytes:
    # WeasyPrint is imported here: it is slow to import and only this needs it.
    from weasyprint import HTML

    html = render_to_string(
        "remontees/poster.html",
        {
            "residence": residence,
            "organisation": organisation,
            # A poster has one page: the latest of each list.
            "done": done[:8],
            "ongoing": ongoing[:6],
            "declined": declined[:4],
            "today": timezone.localdate(),
        },
    )
    return HTML(string=html).write_pdf()
