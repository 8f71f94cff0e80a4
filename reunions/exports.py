"""The meetings with their attendance as a spreadsheet (core/exports.py)."""

from django.utils import timezone

from core.exports import Column

REUNIONS = [
    Column("Date", lambda r: timezone.localtime(r.starts_at).date(), "date"),
    Column("Heure", lambda r: f"{timezone.localtime(r.starts_at):%H:%M}"),
    Column("Type", lambda r: r.get_kind_display()),
    Column("Titre", lambda r: r.title),
    Column("Thèmes", lambda r: r.themes),
    Column("Statut", lambda r: r.get_status_display()),
    Column("Invités", lambda r: r.n_invited, "number"),
    Column("Réponses « présent »", lambda r: r.n_present, "number"),
    Column("Présents (émargement)", lambda r: r.n_attended if r.n_ticked else None, "number"),
    Column("Compte rendu publié", lambda r: r.minutes_published_at is not None, "bool"),
]
