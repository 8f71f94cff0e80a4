"""The printable feuille d'émargement of a meeting."""

from __future__ import annotations

from django.template.loader import render_to_string

from reunions.models import Reunion
from reunions.selectors import attendance_rows, minutes_context
from reunions.wording import when_text


def attendance_sheet_pdf(*, reunion: Reunion, user) -> bytes:
    # WeasyPrint is imported here: it is slow to import and only this needs it.
    from weasyprint import HTML

    html = render_to_string(
        "reunions/emargement.html",
        {"reunion": reunion, "when": when_text(reunion), "rows": attendance_rows(user, reunion), "blanks": range(8)},
    )
    return HTML(string=html).write_pdf()


def minutes_pdf(*, reunion: Reunion) -> bytes:
    """The compte-rendu as a PDF: a few pages for one person, made in the request."""
    from weasyprint import HTML  # slow to import, as above

    html = render_to_string("reunions/minutes_pdf.html", minutes_context(reunion))
    return HTML(string=html).write_pdf()
