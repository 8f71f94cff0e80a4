"""CSV imports of residences and relais, as French spreadsheets save them.

`parse_*` reads and checks a whole file and writes nothing: the report lists
every error by line and column. `apply_*` writes a clean report in one
transaction (all or nothing). Re-importing updates rows instead of duplicating
them: residences by the landlord's reference, relais by e-mail, or else by
first name, last name and residence.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.consents import consent_give
from core.models import Consent, Organisation, User
from relais import services
from relais.models import Quartier, Relais, RelaisResidence, Residence


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    kind: str
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    to_create: int = 0
    to_update: int = 0
    new_quartiers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="Fichier CSV", help_text="Séparateur « ; », encodage UTF-8 ou Windows (cp1252).")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(
                f"Le fichier est trop gros ({upload.size // 1024} Ko) : "
                f"{settings.IMPORT_MAX_BYTES // (1024 * 1024)} Mo au plus."
            )
        return upload


# Reading


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-./'’()]+", " ", text.lower()).strip()


def decode(content: bytes) -> str:
    if not content.strip():
        raise ImportFileError("Le fichier est vide.")
    if b"\x00" in content[:4096] or content.startswith((b"%PDF", b"\x89PNG", b"PK\x03\x04", b"\xff\xd8")):
        raise ImportFileError(
            "Ce fichier n'est pas un fichier CSV. Dans votre tableur, choisissez « Enregistrer sous… » "
            "puis le format CSV (séparateur point-virgule)."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("L'encodage du fichier n'est pas reconnu : enregistrez-le en UTF-8.")


def read_rows(content: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    text = decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max([";", ",", "\t"], key=first_line.count) if first_line.count(";") == 0 else ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ImportFileError(f"Le fichier CSV est mal formé (ligne {reader.line_num}) : {exc}.") from None
    except StopIteration:
        raise ImportFileError("Le fichier est vide.") from None
    return [h.strip() for h in headers], rows


class Columns:
    """Maps the file's headers to fields, whatever their case and accents."""

    def __init__(self, headers: list[str], spec: dict[str, tuple[str, ...]], required: tuple[str, ...], report):
        self.spec = spec
        aliases = {normalise(alias): name for name, names in spec.items() for alias in names}
        self.index: dict[str, int] = {}
        self.label: dict[str, str] = {}
        ignored = []
        for i, header in enumerate(headers):
            name = aliases.get(normalise(header))
            if name and name not in self.index:
                self.index[name], self.label[name] = i, header
            elif header:
                ignored.append(header)
        if ignored:
            report.warnings.append("Colonnes ignorées : " + ", ".join(f"« {h} »" for h in ignored) + ".")
        missing = [spec[name][0] for name in required if name not in self.index]
        if missing:
            report.error(
                1, "en-tête", "Colonnes obligatoires absentes : " + ", ".join(f"« {m} »" for m in missing) + "."
            )

    def get(self, row: list[str], name: str) -> str:
        i = self.index.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    def checker(self, report: ImportReport, line: int, row: list[str], data: dict):
        """A function that converts one cell into `data`, reporting a bad value."""

        def check(name: str, convert, *, required: bool = False) -> None:
            raw = self.get(row, name)
            if not raw:
                if required:
                    report.error(line, self.name_of(name), "Valeur obligatoire manquante.")
                return
            try:
                data[name] = convert(raw)
            except ValueError as exc:
                report.error(line, self.name_of(name), str(exc))

        return check

    def name_of(self, name: str) -> str:
        return self.label.get(name) or self.spec[name][0]


# Values


def to_int(value: str) -> int:
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", value)
    # isascii: « ² » is a digit to isdigit(), not to int(), whose English error would reach the report.
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise ValueError(f"« {value} » n'est pas un nombre entier positif.")
    # The length first: int() refuses thousands of digits, in English too.
    if len(cleaned.lstrip("0")) > 6 or int(cleaned) > 100_000:
        raise ValueError(f"« {value} » est trop grand.")
    return int(cleaned)


def to_decimal(value: str, low: int, high: int) -> Decimal:
    try:
        number = Decimal(re.sub(r"[\s\u00a0\u202f]", "", value).replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"« {value} » n'est pas un nombre (virgule décimale acceptée).") from None
    if not number.is_finite() or not low <= number <= high:
        raise ValueError(f"« {value} » doit être compris entre {low} et {high}.")
    return number.quantize(Decimal("0.000001"))


TRUE = {"oui", "o", "1", "x", "vrai", "yes", "y"}
FALSE = {"non", "n", "0", "faux", "no", ""}


def to_bool(value: str) -> bool:
    lowered = normalise(value)
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError(f"« {value} » : répondez oui ou non.")


def to_date(value: str) -> datetime.date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"):
        try:
            day = datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        if day > timezone.localdate():
            raise ValueError(f"« {value} » est dans le futur.")
        if day.year < 1950:
            raise ValueError(f"« {value} » n'est pas une date plausible.")
        return day
    raise ValueError(f"« {value} » n'est pas une date (attendu : jj/mm/aaaa).")


def choice(value: str, options: dict[str, str], what: str) -> str:
    found = options.get(normalise(value))
    if found is None:
        raise ValueError(f"« {value} » n'est pas {what} connu.")
    return found


# Residences

RESIDENCE_COLUMNS = {
    "name": ("nom", "nom de la residence", "nom residence", "residence"),
    "reference": ("reference", "ref", "code", "code residence", "reference bailleur", "code bailleur"),
    "address": ("adresse",),
    "postal_code": ("code postal", "cp"),
    "city": ("commune", "ville"),
    "dwellings": ("logements", "nombre de logements", "nb logements", "nb de logements", "nombre logements"),
    "quartier": ("quartier",),
    "qpv": ("qpv", "quartier prioritaire"),
    "has_common_room": ("salle commune", "local commun"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng"),
}


def parse_residences(*, organisation: Organisation, content: bytes) -> ImportReport:
    report = ImportReport(kind="residences")
    headers, rows = read_rows(content)
    cols = Columns(headers, RESIDENCE_COLUMNS, ("name", "reference"), report)
    if not report.ok:
        return report
    existing = {r.reference: r.pk for r in Residence.objects.filter(organisation=organisation).exclude(reference="")}
    quartiers = {normalise(q.name): q for q in Quartier.objects.filter(organisation=organisation)}
    seen: dict[str, int] = {}
    new_quartiers: dict[str, str] = {}
    for line, row in rows:
        data: dict = {"line": line}
        check = cols.checker(report, line, row, data)

        check("name", lambda v: v if len(v) <= 200 else _too_long(200), required=True)
        check("reference", lambda v: v if len(v) <= 50 else _too_long(50), required=True)
        for name, limit in (("address", 255), ("postal_code", 10), ("city", 120)):
            check(name, lambda v, limit=limit: v if len(v) <= limit else _too_long(limit))
        check("dwellings", to_int)
        check("qpv", to_bool)
        check("has_common_room", to_bool)
        check("latitude", lambda v: to_decimal(v, -90, 90))
        check("longitude", lambda v: to_decimal(v, -180, 180))
        check("quartier", lambda v: v if len(v) <= 120 else _too_long(120))
        reference = data.get("reference")
        if reference:
            if reference in seen:
                report.error(line, cols.name_of("reference"), f"Référence déjà présente ligne {seen[reference]}.")
            seen.setdefault(reference, line)
            data["pk"] = existing.get(reference)
        quartier = data.get("quartier")
        if quartier and normalise(quartier) not in quartiers:
            new_quartiers.setdefault(normalise(quartier), quartier)
        report.rows.append(data)
    report.new_quartiers = sorted(new_quartiers.values())
    report.to_update = sum(1 for r in report.rows if r.get("pk"))
    report.to_create = len(report.rows) - report.to_update
    return report


def _too_long(limit: int):
    raise ValueError(f"Texte trop long ({limit} caractères au plus).")


def apply_residences(*, organisation: Organisation, report: ImportReport, by: User | None = None) -> tuple[int, int]:
    if not report.ok:
        raise ValidationError("Le fichier contient des erreurs : rien n'a été importé.")
    with transaction.atomic():
        quartiers = {normalise(q.name): q for q in Quartier.objects.filter(organisation=organisation)}
        existing = Residence.objects.in_bulk([r["pk"] for r in report.rows if r.get("pk")])
        created = updated = 0
        for data in report.rows:
            quartier = None
            if data.get("quartier"):
                key = normalise(data["quartier"])
                if key not in quartiers:
                    quartiers[key] = Quartier.objects.create(organisation=organisation, name=data["quartier"])
                quartier = quartiers[key]
                if "qpv" in data and quartier.is_qpv != data["qpv"]:
                    quartier.is_qpv = data["qpv"]
                    quartier.save(update_fields=["is_qpv"])
            residence = existing.get(data.get("pk")) or Residence(organisation=organisation)
            for name in (
                "name",
                "reference",
                "address",
                "postal_code",
                "city",
                "dwellings",
                "has_common_room",
                "latitude",
                "longitude",
            ):
                if name in data:
                    setattr(residence, name, data[name])
            if quartier is not None:
                residence.quartier = quartier
            created += residence.pk is None
            updated += residence.pk is not None
            residence.save()
    return created, updated


# Relais

RELAIS_COLUMNS = {
    "first_name": ("prenom",),
    "last_name": ("nom", "nom de famille"),
    "phone": ("telephone", "tel", "portable", "mobile"),
    "email": ("e mail", "email", "mail", "courriel", "adresse e mail"),
    "preferred_channel": ("canal", "canal prefere", "contact prefere"),
    "status": ("statut",),
    "start": ("date d entree", "depuis", "date de debut", "entree", "relais depuis"),
    "consent_date": ("date de consentement", "consentement", "date du consentement"),
    "left_on": ("date de sortie", "sortie", "sorti le"),
    "exit_reason": ("motif de sortie", "motif"),
    "residence": ("residence", "reference residence", "code residence", "reference"),
    "building": ("batiment", "escalier", "batiment escalier", "bat esc"),
}
CHANNELS = {
    "email": "email",
    "e mail": "email",
    "mail": "email",
    "courriel": "email",
    "sms": "sms",
    "texto": "sms",
    "papier": "papier",
    "courrier": "papier",
}
STATUSES = {
    "candidat": "candidat",
    "candidate": "candidat",
    "candidat e": "candidat",
    "actif": "actif",
    "active": "actif",
    "actif ve": "actif",
    "pause": "pause",
    "en pause": "pause",
    "sorti": "sorti",
    "sortie": "sorti",
    "sorti e": "sorti",
}
EXIT_REASONS = {normalise(label): value for value, label in Relais.ExitReason.choices} | {
    v: v for v in Relais.ExitReason.values
}


def parse_relais(*, organisation: Organisation, content: bytes) -> ImportReport:
    report = ImportReport(kind="relais")
    headers, rows = read_rows(content)
    cols = Columns(headers, RELAIS_COLUMNS, ("first_name", "last_name", "residence"), report)
    if not report.ok:
        return report
    residences = list(Residence.objects.filter(organisation=organisation))
    by_reference = {r.reference: r for r in residences if r.reference}
    by_name = {normalise(r.name): r for r in residences}
    people = list(Relais.objects.filter(organisation=organisation).prefetch_related("relais_links"))
    by_email = {p.email.lower(): p for p in people if p.email}
    by_identity = {
        (normalise(p.first_name), normalise(p.last_name), link.residence_id): p
        for p in people
        for link in p.relais_links.all()
    }
    seen: dict[object, int] = {}
    for line, row in rows:
        data: dict = {"line": line}
        check = cols.checker(report, line, row, data)

        check("first_name", lambda v: v if len(v) <= 100 else _too_long(100), required=True)
        check("last_name", lambda v: v if len(v) <= 100 else _too_long(100), required=True)
        check("phone", lambda v: v if len(v) <= 30 else _too_long(30))
        check("email", _email)
        check("preferred_channel", lambda v: choice(v, CHANNELS, "un canal (e-mail, SMS, papier)"))
        check("status", lambda v: choice(v, STATUSES, "un statut (candidat, actif, en pause, sorti)"))
        check("start", to_date)
        check("consent_date", to_date)
        check("left_on", to_date)
        check("exit_reason", lambda v: choice(v, EXIT_REASONS, "un motif de sortie"))
        check("building", lambda v: v if len(v) <= 60 else _too_long(60))
        check(
            "residence",
            lambda v: by_reference.get(v) or by_name.get(normalise(v)) or _unknown_residence(v),
            required=True,
        )
        _check_relais_row(report, cols, line, data, organisation)
        key = data.get("email", "").lower() or (
            normalise(data.get("first_name", "")),
            normalise(data.get("last_name", "")),
            getattr(data.get("residence"), "pk", None),
        )
        if key in seen:
            report.error(
                line,
                cols.name_of("email" if data.get("email") else "last_name"),
                f"Cette personne figure déjà ligne {seen[key]}.",
            )
        seen.setdefault(key, line)
        match = by_email.get(data.get("email", "").lower()) if data.get("email") else None
        match = match or by_identity.get(
            key
            if isinstance(key, tuple)
            else (
                normalise(data.get("first_name", "")),
                normalise(data.get("last_name", "")),
                getattr(data.get("residence"), "pk", None),
            )
        )
        data["pk"] = match.pk if match else None
        if match and data.get("status", match.status) != match.status:
            to_status = data["status"]
            if to_status not in services.ALLOWED_TRANSITIONS[match.status]:
                report.error(
                    line,
                    cols.name_of("status"),
                    f"{match} est « {match.get_status_display()} » : passage à "
                    f"« {Relais.Status(to_status).label} » impossible.",
                )
        report.rows.append(data)
    report.to_update = sum(1 for r in report.rows if r.get("pk"))
    report.to_create = len(report.rows) - report.to_update
    return report


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(f"« {value} » n'est pas une adresse e-mail valide.") from None
    return value.lower()


def _unknown_residence(value: str):
    raise ValueError(f"Aucune résidence de référence ou de nom « {value} ».")


def _check_relais_row(report, cols, line, data, organisation) -> None:
    status = data.setdefault("status", Relais.Status.ACTIF)
    channel = data.setdefault(
        "preferred_channel", "email" if data.get("email") else "sms" if data.get("phone") else "papier"
    )
    if channel == "email" and not data.get("email"):
        report.error(line, cols.name_of("email"), "Une adresse e-mail est nécessaire pour le canal « E-mail ».")
    if channel == "sms" and not data.get("phone"):
        report.error(line, cols.name_of("phone"), "Un numéro de téléphone est nécessaire pour le canal « SMS ».")
    if status == Relais.Status.SORTI:
        if not data.get("left_on"):
            report.error(line, cols.name_of("left_on"), "Un relais sorti a une date de sortie.")
        if not data.get("exit_reason"):
            report.error(line, cols.name_of("exit_reason"), "Un relais sorti a un motif de sortie.")
    if data.get("left_on") and data.get("start") and data["left_on"] < data["start"]:
        report.error(line, cols.name_of("left_on"), "La date de sortie précède la date d'entrée.")


def apply_relais(*, organisation: Organisation, report: ImportReport, by: User | None) -> tuple[int, int]:
    if not report.ok:
        raise ValidationError("Le fichier contient des erreurs : rien n'a été importé.")
    today = timezone.localdate()
    created = updated = 0
    with transaction.atomic():
        existing = Relais.objects.in_bulk([r["pk"] for r in report.rows if r.get("pk")])
        for data in report.rows:
            fields = {k: data[k] for k in ("phone", "email", "preferred_channel") if k in data}
            start = data.get("start") or today
            status = data["status"]
            relais = existing.get(data.get("pk"))
            if relais is None:
                relais = services.relais_create(
                    organisation=organisation,
                    by=by,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    status=Relais.Status.CANDIDAT if status == Relais.Status.CANDIDAT else Relais.Status.ACTIF,
                    status_date=start,
                    residences=[(data["residence"], data.get("building", ""))],
                    **fields,
                )
                created += 1
            else:
                for name, value in {"first_name": data["first_name"], "last_name": data["last_name"], **fields}.items():
                    setattr(relais, name, value)
                relais.save()
                link, _ = RelaisResidence.objects.get_or_create(relais=relais, residence=data["residence"])
                if data.get("building") and link.building != data["building"]:
                    link.building = data["building"]
                    link.save(update_fields=["building"])
                updated += 1
            if data.get("consent_date") and not data.get("pk"):
                # The column says « agreed to be listed and contacted »: by the
                # addresses the file gives. Only for a new relais: importing an old
                # file again never gives back a consent withdrawn since.
                scopes = [Consent.Scope.ANNUAIRE]
                scopes += [Consent.Scope.EMAIL] if data.get("email") else []
                scopes += [Consent.Scope.SMS] if data.get("phone") else []
                consent_give(relais, scopes, on=data["consent_date"], by=by)
            relais.refresh_from_db()
            if relais.status != status:
                date = data.get("left_on") if status == Relais.Status.SORTI else start
                services.relais_change_status(
                    relais=relais,
                    to_status=status,
                    date=max(date or today, relais.status_since),
                    exit_reason=data.get("exit_reason", ""),
                    note="Import CSV",
                    by=by,
                )
    return created, updated


class ImportCommand:
    """What import_residences and import_relais share: the same parse and apply
    as the web page, errors printed by line and column, nothing written on error."""

    help = "Importe un fichier CSV (tout ou rien)."
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="slug de l'organisation")
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="vérifier sans rien écrire")

    def handle(self, *args, organisation, file, dry_run, **options):
        from django.core.management.base import CommandError

        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(f"Aucune organisation « {organisation} ».")
        parse, apply = {"residences": (parse_residences, apply_residences), "relais": (parse_relais, apply_relais)}[
            self.kind
        ]
        try:
            report = parse(organisation=org, content=file.read_bytes())
        except OSError as exc:
            raise CommandError(f"Lecture impossible de {file} : {exc.strerror}.") from None
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        for warning in report.warnings:
            self.stderr.write(warning)
        if not report.ok:
            for e in report.errors:
                self.stderr.write(f"ligne {e.line}, colonne « {e.column} » : {e.message}")
            raise CommandError(f"{len(report.errors)} erreur(s) : rien n'a été importé.")
        if dry_run:
            self.stdout.write(f"Vérification seule : {report.to_create} à créer, {report.to_update} à mettre à jour.")
            return
        created, updated = apply(organisation=org, report=report, by=None)
        self.stdout.write(f"Import terminé : {created} créé(s), {updated} mis à jour.")
