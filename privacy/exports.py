"""The access journal as a spreadsheet, for admins (core/exports.py)."""

from core.exports import Column

JOURNAL = [
    Column("Date", lambda e: e.at, "datetime"),
    Column("Qui", lambda e: e.user.email if e.user else "la plateforme", personal=True),
    Column("Action", lambda e: e.get_action_display()),
    Column("Donnée", lambda e: e.model_label),
    Column("N°", lambda e: e.object_id or None, "number"),
    Column("Relais concerné", lambda e: str(e.relais) if e.relais else "", personal=True),
]
