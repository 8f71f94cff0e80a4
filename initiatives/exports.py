"""The initiatives, the grants and the logistics as spreadsheets (core/exports.py)."""

from core.exports import Column

INITIATIVES = [
    Column("Date", lambda i: i.starts_on, "date"),
    Column("Jusqu'au", lambda i: i.ends_on, "date"),
    Column("Titre", lambda i: i.title),
    Column("Type", lambda i: i.kind.name),
    Column("Statut", lambda i: i.get_status_display()),
    Column("Résidences", lambda i: ", ".join(r.name for r in i.places)),
    Column("Quartier", lambda i: i.quartier.name if i.quartier else ""),
    Column("Lieu", lambda i: i.place),
    Column("Participants", lambda i: i.participants, "number"),
    Column("Dont enfants", lambda i: i.children, "number"),
    Column("Dont adultes", lambda i: i.adults, "number"),
    Column("Dont seniors", lambda i: i.seniors, "number"),
    Column("Nouvelles têtes", lambda i: i.newcomers, "number"),
]

GRANTS = [
    Column("Demandée le", lambda g: g.requested_at, "datetime"),
    Column("Initiative", lambda g: g.initiative.title),
    Column("Montant demandé", lambda g: g.amount_requested, "euros"),
    Column("Statut", lambda g: g.get_status_display()),
    Column("Montant accordé", lambda g: g.amount_granted, "euros"),
    Column("Décidée le", lambda g: g.decided_on, "date"),
    Column("Participants attendus", lambda g: g.expected_participants, "number"),
]

LOGISTICS = [
    Column("Demandée le", lambda r: r.requested_at, "datetime"),
    Column("Initiative", lambda r: r.initiative.title),
    Column("Du", lambda r: r.starts_on, "date"),
    Column("Au", lambda r: r.ends_on, "date"),
    Column("Salle", lambda r: r.room.name if r.room else ""),
    Column(
        "Matériel (accordé / demandé)",
        lambda r: ", ".join(
            f"{line.equipment.name} {'' if line.granted is None else f'{line.granted} / '}{line.quantity}"
            for line in r.lines.all()
        ),
    ),
    Column("Statut", lambda r: r.get_status_display()),
    Column("Motif", lambda r: r.decision_reason),
]
