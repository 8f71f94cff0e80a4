"""The bilan's figures as an XLSX workbook: one sheet per section, each figure
with the previous period beside it, then the lists and the annex. Written by
openpyxl's write-only mode (core/exports.py), from the same context as the page
and the PDF."""

from __future__ import annotations

import tempfile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from bilans.selectors import value_at
from core.exports import DATE_FORMAT, EURO_FORMAT

# (sheet, [(label, path, unit)]): the figures compared with the previous period.
SECTIONS = [
    (
        "Relais",
        [
            ("Relais actifs en fin de période", "relais.active", ""),
            ("En pause", "relais.paused", ""),
            ("Candidat·es", "relais.candidates", ""),
            ("Nouveaux relais", "relais.new", ""),
            ("Relais sortis", "relais.left", ""),
            ("Ancienneté moyenne des relais actifs (années)", "relais.seniority_years", ""),
        ],
    ),
    (
        "Couverture",
        [
            ("Résidences", "coverage.residences", ""),
            ("Résidences avec au moins un relais actif", "coverage.covered", ""),
            ("Part des résidences couvertes (%)", "coverage.covered_percent", "%"),
            ("Logements", "coverage.dwellings", ""),
            ("Logements couverts", "coverage.covered_dwellings", ""),
            ("Résidences couvertes en QPV", "coverage.qpv.covered", ""),
            ("Logements couverts en QPV", "coverage.qpv.covered_dwellings", ""),
            ("Résidences couvertes hors QPV", "coverage.not_qpv.covered", ""),
            ("Logements couverts hors QPV", "coverage.not_qpv.covered_dwellings", ""),
        ],
    ),
    (
        "Réunions",
        [
            ("Réunions tenues", "reunions.held", ""),
            ("Réunions annulées", "reunions.cancelled", ""),
            ("Réunions encore prévues", "reunions.planned", ""),
            ("Invitations", "reunions.invitations", ""),
            ("Réponses", "reunions.answers", ""),
            ("Taux de réponse (%)", "reunions.answer_rate", "%"),
            ("Taux de présence (%)", "reunions.attendance_rate", "%"),
            ("Participants, non-invités compris", "reunions.attended", ""),
            ("Actions décidées", "reunions.actions.opened", ""),
            ("Actions faites", "reunions.actions.done", ""),
            ("Actions en retard", "reunions.actions.overdue", ""),
        ],
    ),
    (
        "Remontées",
        [
            ("Remontées reçues", "remontees.total", ""),
            ("Dont en QPV", "remontees.qpv", ""),
            ("Résolues", "remontees.resolved", ""),
            ("Non retenues", "remontees.declined", ""),
            ("Encore sans réponse", "remontees.unanswered", ""),
            ("Délai médian de première réponse (jours)", "remontees.median_days_to_answer", ""),
            ("Délai médian de résolution (jours)", "remontees.median_days_to_resolve", ""),
            ("Part répondue sous 30 jours (%)", "remontees.answered_within_percent", "%"),
        ],
    ),
    (
        "Initiatives",
        [
            ("Initiatives de la période", "initiatives.total", ""),
            ("Réalisées", "initiatives.done", ""),
            ("Annulées", "initiatives.cancelled", ""),
            ("Participants", "initiatives.participants", ""),
            ("Demandes de logistique accordées", "initiatives.logistics_approved", ""),
            ("Demandes de subvention", "initiatives.grants.count", ""),
            ("Montant demandé", "initiatives.grants.requested", "€"),
            ("Subventions accordées", "initiatives.grants.granted_count", ""),
            ("Montant accordé", "initiatives.grants.granted", "€"),
        ],
    ),
    (
        "Activité",
        [
            ("Activités notées par les relais", "activity.total", ""),
            ("Foyers rencontrés", "activity.households", ""),
        ],
    ),
]


ANNEX_HEADERS = [
    "Résidence",
    "Quartier",
    "QPV",
    "Logements",
    "Relais actifs",
    "Remontées",
    "Initiatives",
    "Participants",
]


def _cell(sheet, value, unit: str = ""):
    if value is None:
        return None
    if unit == "€":
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = EURO_FORMAT
        return cell
    return value


def _dated(sheet, day):
    cell = WriteOnlyCell(sheet, value=day)
    cell.number_format = DATE_FORMAT
    return cell


def _by_label(rows: list[tuple]) -> dict:
    return {row[0]: row[1] for row in rows}


def bilan_workbook(context: dict):
    """A temporary file holding the workbook, positioned at its start."""
    current, previous = context["figures"], context["previous"]
    year, before = context["year"], context["previous_year"]
    book = Workbook(write_only=True)

    sheet = book.create_sheet("Chiffres clés")
    sheet.append([f"Bilan {year} — {context['organisation'].name}"])
    sheet.append([f"Chiffres arrêtés au {current['as_of']:%d/%m/%Y}, comparés à {before}"])
    sheet.append(["Indicateur", year, before, "Évolution", "Unité"])
    for row in context["comparison"]:
        unit = row["unit"]
        sheet.append(
            [
                row["label"],
                _cell(sheet, row["current"], unit),
                _cell(sheet, row["previous"], unit),
                _cell(sheet, row["delta"], unit),
                {"%": "%", "€": "€", "j": "jours"}.get(unit, ""),
            ]
        )

    for title, rows in SECTIONS:
        sheet = book.create_sheet(title)
        sheet.append(["Indicateur", year, before])
        for label, path, unit in rows:
            now, then = value_at(current, path), value_at(previous, path)
            sheet.append([label, _cell(sheet, now, unit), _cell(sheet, then, unit)])
        if title == "Relais":
            sheet.append([])
            sheet.append(["Relais actifs par quartier (un relais de deux quartiers compte dans chacun)", year, before])
            then = _by_label(previous["relais"]["by_quartier"])
            for name, n in current["relais"]["by_quartier"]:
                sheet.append([name, n, then.get(name, 0)])
        if title == "Réunions":
            sheet.append([])
            sheet.append(["Par type", f"tenues {year}", f"annulées {year}", f"encore prévues {year}"])
            for label, held, cancelled, planned in current["reunions"]["by_kind"]:
                sheet.append([label, held, cancelled, planned])
        if title == "Remontées":
            sheet.append([])
            sheet.append(["Par thème", f"reçues {year}", f"résolues {year}", f"reçues {before}"])
            then = _by_label(previous["remontees"]["by_theme"])
            for name, total, resolved in current["remontees"]["by_theme"]:
                sheet.append([name, total, resolved, then.get(name, 0)])
            sheet.append([])
            sheet.append(["Par quartier", "QPV", f"reçues {year}"])
            for name, qpv, n in current["remontees"]["by_quartier"]:
                sheet.append([name, "oui" if qpv else "non", n])
        if title == "Initiatives":
            sheet.append([])
            sheet.append(["Par type", f"toutes {year}", f"réalisées {year}"])
            for name, total, done in current["initiatives"]["by_kind"]:
                sheet.append([name, total, done])

    lists = context["lists"]
    sheet = book.create_sheet("Réunions tenues")
    sheet.append(["Date", "Type", "Réunion", "Thèmes", "Invités", "Présents (émargement)"])
    for m in lists["meetings"]:
        sheet.append([_dated(sheet, m["day"]), m["kind"], m["title"], m["themes"], m["invited"], m["present"]])
    sheet = book.create_sheet("Liste des initiatives")
    sheet.append(["Date", "Initiative", "Type", "Statut en fin de période", "Lieu", "Participants", "Partenaires"])
    for i in lists["initiatives"]:
        sheet.append(
            [
                _dated(sheet, i["starts_on"]),
                i["title"],
                i["kind__name"],
                i["status"],
                i["where"],
                i["participants"] if i["done"] else None,
                i["partners"],
            ]
        )
    sheet = book.create_sheet("Subventions")
    sheet.append(["Demandée le", "Initiative", "Montant demandé", "Décision en fin de période", "Montant accordé"])
    for g in lists["grants"]:
        sheet.append(
            [
                _dated(sheet, g["requested_on"]),
                g["initiative"],
                _cell(sheet, g["requested"], "€"),
                g["status"],
                _cell(sheet, g["granted"], "€"),
            ]
        )

    sheet = book.create_sheet("Annexe par résidence")
    sheet.append(ANNEX_HEADERS)
    for r in current["annex"]:
        sheet.append(
            [
                r["name"],
                r["quartier"],
                "oui" if r["qpv"] else "non",
                r["dwellings"],
                r["relais"],
                r["remontees"],
                r["initiatives"],
                r["participants"],
            ]
        )
    t = current["annex_totals"]
    sheet.append(
        [
            "Total, chacun compté une fois",
            "",
            "",
            t["dwellings"],
            t["relais"],
            t["remontees"],
            t["initiatives"],
            t["participants"],
        ]
    )

    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle
