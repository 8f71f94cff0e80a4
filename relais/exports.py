"""The relais' and residences' lists as spreadsheets (core/exports.py)."""

from core.exports import Column

RELAIS = [
    Column("Prénom", lambda r: r.first_name, personal=True),
    Column("Nom", lambda r: r.last_name, personal=True),
    Column("E-mail", lambda r: r.email, personal=True),
    Column("Téléphone", lambda r: r.phone, personal=True),
    Column("Canal préféré", lambda r: r.get_preferred_channel_display()),
    Column("Statut", lambda r: r.get_status_display()),
    Column("Statut depuis le", lambda r: r.status_since, "date"),
    Column("Relais depuis le", lambda r: r.started_on, "date"),
    Column("Sorti·e le", lambda r: r.left_on, "date"),
    Column("Motif de sortie", lambda r: r.get_exit_reason_display() if r.exit_reason else ""),
    Column("Résidences", lambda r: ", ".join(link.residence.name for link in r.links)),
    Column("Dernier contact", lambda r: r.last_contact, "date"),
]

RESIDENCES = [
    Column("Résidence", lambda r: r.name),
    Column("Référence bailleur", lambda r: r.reference),
    Column("Quartier", lambda r: r.quartier.name if r.quartier else ""),
    Column("QPV", lambda r: bool(r.quartier and r.quartier.is_qpv), "bool"),
    Column("Logements", lambda r: r.dwellings, "number"),
    Column("Relais actifs", lambda r: r.active_relais, "number"),
]
