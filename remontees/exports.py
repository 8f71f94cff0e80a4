"""The remontées' board as a spreadsheet (core/exports.py)."""

from core.exports import Column

REMONTEES = [
    Column("Reçue le", lambda r: r.created_at, "datetime"),
    Column("Résidence", lambda r: r.residence.name),
    Column("Thème", lambda r: r.theme.name),
    Column("Nature", lambda r: r.get_nature_display()),
    Column("Origine", lambda r: r.get_source_display()),
    Column("Statut", lambda r: r.get_status_display()),
    Column("Première réponse le", lambda r: r.answered_at, "datetime"),
    Column("Close le", lambda r: r.closed_at, "datetime"),
    Column("Description", lambda r: r.description, personal=True),
    Column("Relais", lambda r: str(r.relais) if r.relais else "", personal=True),
    Column("Suivie par", lambda r: str(r.assignee) if r.assignee else "", personal=True),
    Column("Réponse ou motif", lambda r: r.status_reason, personal=True),
]
