"""The printable feuille d'émargement of a meeting."""

from __future__ import annotations

from django.template.loader import render_to_string

from reunions.models import Reunion
from reunions.selectors import attendance_rows
from reunions.wording import when_text


def attendance_sheet_pdf(*, reunion: Reunion, user) -> bytes:
    # WeasyPrint is imported here: it is slow to import and only this needs it.
    from weasyprint import HTML

    html = render_to_string(
        "reunions/emargement.html",
        {"reunion": reunion, "when": when_text(reunion), "rows": attendance_rows(user, reunion), "blanks": range(8)},
    )
    return HTML(string=html).write_pdf()
