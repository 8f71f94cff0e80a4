"""What the relais logged, as a spreadsheet for staff (core/exports.py)."""

from core.exports import Column

ACTIVITY = [
    Column("Date", lambda a: a.date, "date"),
    Column("Relais", lambda a: str(a.relais), personal=True),
    Column("Activité", lambda a: a.get_kind_display()),
    Column("Sujet", lambda a: a.get_theme_display()),
    Column("Foyers rencontrés", lambda a: a.households, "number"),
]
