"""Lists as spreadsheets: CSV (French: `;`, UTF-8 with BOM, decimal commas,
dates jj/mm/aaaa) streamed row by row, and XLSX written by openpyxl in its
write-only mode to a temporary file. Memory stays flat whatever the number of
rows: rows come from a queryset's `iterator()`, and neither writer keeps them.

tablib and django-import-export were looked at: both build the whole sheet in
memory (a `Dataset`, then openpyxl's normal mode for XLSX), which is what a
100,000-row export must not do; the standard `csv` module and openpyxl's
write-only mode are the lean route, and openpyxl is the one dependency added.

A list view declares its columns (`Column`), and calls `export_response` with
its filtered, scoped queryset: partners get no column marked `personal` (name,
e-mail, phone, free text about a person), and every export is written in the
access journal (core/audit.py) with what and how many rows.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from core.formats import spreadsheet_number
from core.models import AuditEvent
from core.scoping import access_for

BOM = "\ufeff"
FORMATS = ("csv", "xlsx")
EURO_FORMAT = '#,##0.00" €"'
DATE_FORMAT = "DD/MM/YYYY"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    kind: str = "text"  # text, number, euros, date, datetime, bool
    personal: bool = False  # about a person: never in a partner's export


def wanted(request: HttpRequest) -> str | None:
    """The format asked for by `?format=csv|xlsx`, or None for the page itself."""
    fmt = request.GET.get("format", "")
    return fmt if fmt in FORMATS else None


def _plain(value, kind: str):
    """A cell's value, typed: numbers stay numbers, dates stay dates."""
    if value is None:
        return None
    if kind == "datetime" and isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if kind == "bool":
        return "oui" if value else "non"
    return value


def _csv_text(value, kind: str) -> str:
    value = _plain(value, kind)
    if value is None:
        return ""
    if kind in ("number", "euros") or isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return spreadsheet_number(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


class _Line:
    """A file-like object that hands back what the csv writer writes to it."""

    def write(self, text: str) -> str:
        return text


def csv_lines(columns: list[Column], rows: Iterable) -> Iterator[str]:
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    yield BOM + writer.writerow([c.header for c in columns])
    for row in rows:
        yield writer.writerow([_csv_text(c.value(row), c.kind) for c in columns])


def xlsx_file(columns: list[Column], rows: Iterable, *, title: str):
    """A temporary file holding the workbook (one sheet), positioned at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Export")
    sheet.append([c.header for c in columns])
    for row in rows:
        cells = []
        for c in columns:
            value = _plain(c.value(row), c.kind)
            if c.kind == "euros" and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = EURO_FORMAT
            elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = DATE_FORMAT
            else:
                cell = value
            cells.append(cell)
        sheet.append(cells)
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def _journal(request: HttpRequest, model: str) -> None:
    access = access_for(request.user)
    if access.organisation_id is None:
        return
    # An export of a list: the journal says who took which list out, when; object 0 is « the list ».
    AuditEvent.objects.create(
        organisation_id=access.organisation_id,
        user=request.user,
        action=AuditEvent.Action.EXPORT,
        model=model,
        object_id=0,
    )


def export_response(request: HttpRequest, *, name: str, model: str, columns: list[Column], rows: Iterable, fmt: str):
    """The list as a download: `name` makes the file's name, `model` the journal's line."""
    if access_for(request.user).is_partner:
        columns = [c for c in columns if not c.personal]
    _journal(request, model)
    filename = f"{slugify(name)}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        return FileResponse(
            xlsx_file(columns, rows, title=name),
            as_attachment=True,
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(csv_lines(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
