"""The printable feuille d'émargement of a meeting."""

from __future__ import annotations

from django.template.loader import render_to_string

from reunions.models import Invitee, Reunion
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


def minutes_pdf(*, reunion: Reunion, reader: Invitee | None = None) -> bytes:
    """The compte-rendu as a PDF: a few pages for one person, made in the request.
    `reader`: as in `minutes_context`, names follow the consents for an invitee."""
    from weasyprint import HTML  # slow to import, as above

    html = render_to_string("reunions/minutes_pdf.html", minutes_context(reunion, reader=reader))
    return HTML(string=html).write_pdf()
