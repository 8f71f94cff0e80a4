"""CSV imports of residences and relais, as French spreadsheets save them.

`parse_*` reads and checks a whole file and writes nothing: the report lists
every error by line and column. `apply_*` writes a clean report in one
transaction (all or nothing). Re-importing updates rows instead of duplicating
them: residences by the landlord's reference, relais by e-mail, or else by
first name, last name and residence.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from celery import shared_task
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.models import Consent, Organisation, User
from relais import services
from relais.models import ImportJob, Quartier, Relais, RelaisResidence, RelaisStatusChange, Residence


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
    _check_head(content)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("L'encodage du fichier n'est pas reconnu : enregistrez-le en UTF-8.")


def _check_head(content: bytes) -> None:
    """A file that is empty or not a CSV at all (its first bytes say so)."""
    if not content.strip():
        raise ImportFileError("Le fichier est vide.")
    if b"\x00" in content[:4096] or content.startswith((b"%PDF", b"\x89PNG", b"PK\x03\x04", b"\xff\xd8")):
        raise ImportFileError(
            "Ce fichier n'est pas un fichier CSV. Dans votre tableur, choisissez « Enregistrer sous… » "
            "puis le format CSV (séparateur point-virgule)."
        )


def read_rows(content: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    headers, rows = _reader(io.StringIO(decode(content), newline=""))
    return headers, list(rows)


def _reader(stream) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The headers, and the non-empty rows with their line numbers as they are read."""
    first_line = stream.readline()
    stream.seek(0)
    delimiter = max([";", ",", "\t"], key=first_line.count) if first_line.count(";") == 0 else ";"
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        headers = next(reader)
    except csv.Error as exc:
        raise ImportFileError(f"Le fichier CSV est mal formé (ligne {reader.line_num}) : {exc}.") from None
    except StopIteration:
        raise ImportFileError("Le fichier est vide.") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield reader.line_num, row
        except csv.Error as exc:
            raise ImportFileError(f"Le fichier CSV est mal formé (ligne {reader.line_num}) : {exc}.") from None

    return [h.strip() for h in headers], rows()


CHUNK = 1 << 16


def file_encoding(opener: Callable[[], IO[bytes]]) -> str:
    """The encoding of a stored file (UTF-8 or Windows), read a chunk at a time:
    the same checks as `decode`, in memory that does not grow with the file."""
    with opener() as f:
        head = f.read(4096)
    _check_head(head)
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with opener() as f:
                while chunk := f.read(CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError("L'encodage du fichier n'est pas reconnu : enregistrez-le en UTF-8.")


@contextmanager
def stream_rows(opener: Callable[[], IO[bytes]]) -> Iterator[tuple[list[str], Iterator[tuple[int, list[str]]]]]:
    """`read_rows` for a stored file (`opener` opens it, in binary), one row at a time."""
    encoding = file_encoding(opener)
    with opener() as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as stream:
        yield _reader(stream)


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
    report.rows = list(check_residences(organisation=organisation, headers=headers, rows=rows, report=report))
    return report


def check_residences(
    *, organisation: Organisation, headers: list[str], rows: Iterable[tuple[int, list[str]]], report: ImportReport
) -> Iterator[dict]:
    """Each row checked, as it is read: its errors go to the report before it is
    yielded; the counts are the report's once the rows are all read."""
    cols = Columns(headers, RESIDENCE_COLUMNS, ("name", "reference"), report)
    if not report.ok:
        return
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
        report.to_update += bool(data.get("pk"))
        report.to_create += not data.get("pk")
        yield data
    report.new_quartiers = sorted(new_quartiers.values())


def _too_long(limit: int):
    raise ValueError(f"Texte trop long ({limit} caractères au plus).")


def apply_residences(*, organisation: Organisation, report: ImportReport, by: User | None = None) -> tuple[int, int]:
    if not report.ok:
        raise ValidationError("Le fichier contient des erreurs : rien n'a été importé.")
    with transaction.atomic():
        existing = Residence.objects.in_bulk([r["pk"] for r in report.rows if r.get("pk")])
        return write_residences(organisation=organisation, rows=report.rows, existing=existing)


# What a row may change of a residence (the quartier aside).
RESIDENCE_FIELDS = "name reference address postal_code city dwellings has_common_room latitude longitude".split()


def _residence_row(
    data: dict, *, organisation: Organisation, existing: dict[int, Residence], quartiers: dict[str, Quartier]
) -> tuple[Residence, Quartier | None]:
    """The residence a checked row describes, filled in and unsaved, and its
    quartier when the row changed its QPV flag (unsaved too). A quartier the
    organisation does not have yet is created here: a file names a few."""
    quartier = changed = None
    if data.get("quartier"):
        key = normalise(data["quartier"])
        if key not in quartiers:
            quartiers[key] = Quartier.objects.create(organisation=organisation, name=data["quartier"])
        quartier = quartiers[key]
        if "qpv" in data and quartier.is_qpv != data["qpv"]:
            quartier.is_qpv = data["qpv"]
            changed = quartier
    residence = existing.get(data.get("pk")) or Residence(organisation=organisation)
    for name in RESIDENCE_FIELDS:
        if name in data:
            setattr(residence, name, data[name])
    if quartier is not None:
        residence.quartier = quartier
    return residence, changed


def write_residences(
    *,
    organisation: Organisation,
    rows: Iterable[dict],
    existing: dict[int, Residence],
    by: User | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Write checked rows one by one, in the caller's transaction."""
    quartiers = {normalise(q.name): q for q in Quartier.objects.filter(organisation=organisation)}
    created = updated = 0
    for data in rows:
        residence, changed = _residence_row(data, organisation=organisation, existing=existing, quartiers=quartiers)
        if changed is not None:
            changed.save(update_fields=["is_qpv"])
        created += residence.pk is None
        updated += residence.pk is not None
        residence.save()
        if progress is not None:
            progress(created + updated)
    return created, updated


# Rows written at once by the worker: a few queries per chunk instead of a few per row.
WRITE_CHUNK = 500


def _chunks(rows: Iterable[dict]) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for data in rows:
        chunk.append(data)
        if len(chunk) == WRITE_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk_write_residences(
    *,
    organisation: Organisation,
    rows: Iterable[dict],
    by: User | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """`write_residences` a chunk at a time, with the same rows: in the caller's
    transaction, each chunk's existing residences locked and read afresh."""
    quartiers = {normalise(q.name): q for q in Quartier.objects.filter(organisation=organisation)}
    created = updated = 0
    for chunk in _chunks(rows):
        existing = Residence.objects.select_for_update().in_bulk([d["pk"] for d in chunk if d.get("pk")])
        residences, changed_quartiers = [], {}
        for data in chunk:
            residence, changed = _residence_row(data, organisation=organisation, existing=existing, quartiers=quartiers)
            residences.append(residence)
            if changed is not None:
                changed_quartiers[changed.pk] = changed
        Quartier.objects.bulk_update(changed_quartiers.values(), ["is_qpv"])
        new = [r for r in residences if r.pk is None]
        Residence.objects.bulk_create(new)
        Residence.objects.bulk_update(existing.values(), [*RESIDENCE_FIELDS, "quartier"])
        created, updated = created + len(new), updated + len(residences) - len(new)
        if progress is not None:
            progress(created + updated)
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
    report.rows = list(check_relais(organisation=organisation, headers=headers, rows=rows, report=report))
    return report


def check_relais(
    *, organisation: Organisation, headers: list[str], rows: Iterable[tuple[int, list[str]]], report: ImportReport
) -> Iterator[dict]:
    """As `check_residences`: each row checked as it is read."""
    cols = Columns(headers, RELAIS_COLUMNS, ("first_name", "last_name", "residence"), report)
    if not report.ok:
        return
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
        report.to_update += bool(data.get("pk"))
        report.to_create += not data.get("pk")
        yield data


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
    with transaction.atomic():
        existing = Relais.objects.in_bulk([r["pk"] for r in report.rows if r.get("pk")])
        return write_relais(organisation=organisation, rows=report.rows, existing=existing, by=by)


def _relais_values(data: dict, today: datetime.date) -> tuple[dict, datetime.date, str]:
    """A checked row's contact fields, its start date and the status it asks for."""
    fields = {k: data[k] for k in ("phone", "email", "preferred_channel") if k in data}
    return fields, data.get("start") or today, data["status"]


def _new_relais(data: dict, *, organisation: Organisation, by: User | None, today: datetime.date) -> dict:
    """The arguments of `services.relais_create` (or `relais_build`) for a row
    that names nobody known: created candidat or actif, paused or gone after."""
    fields, start, status = _relais_values(data, today)
    # The column says « agreed to be listed and contacted »: by the addresses
    # the file gives. Only for a new relais: importing an old file again never
    # gives back a consent withdrawn since.
    scopes = None
    if data.get("consent_date"):
        scopes = [Consent.Scope.ANNUAIRE]
        scopes += [Consent.Scope.EMAIL] if data.get("email") else []
        scopes += [Consent.Scope.SMS] if data.get("phone") else []
    return dict(
        organisation=organisation,
        by=by,
        first_name=data["first_name"],
        last_name=data["last_name"],
        status=Relais.Status.CANDIDAT if status == Relais.Status.CANDIDAT else Relais.Status.ACTIF,
        status_date=start,
        residences=[(data["residence"], data.get("building", ""))],
        consents=scopes,
        consent_date=data.get("consent_date"),
        **fields,
    )


def _known_relais(relais: Relais, data: dict, today: datetime.date) -> None:
    """A row that names a known relais: their card as the file says (in memory)."""
    fields, _, _ = _relais_values(data, today)
    for name, value in {"first_name": data["first_name"], "last_name": data["last_name"], **fields}.items():
        setattr(relais, name, value)


def _status_change(relais: Relais, data: dict, today: datetime.date) -> dict | None:
    """The arguments of the status change a row asks for, if any."""
    _, start, status = _relais_values(data, today)
    if relais.status == status:
        return None
    date = data.get("left_on") if status == Relais.Status.SORTI else start
    return dict(
        relais=relais,
        to_status=status,
        date=max(date or today, relais.status_since),
        exit_reason=data.get("exit_reason", ""),
        note="Import CSV",
    )


def write_relais(
    *,
    organisation: Organisation,
    rows: Iterable[dict],
    existing: dict[int, Relais],
    by: User | None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Write checked rows one by one through the services, in the caller's transaction."""
    today = timezone.localdate()
    created = updated = 0
    for data in rows:
        relais = existing.get(data.get("pk"))
        if relais is None:
            relais = services.relais_create(**_new_relais(data, organisation=organisation, by=by, today=today))
            created += 1
        else:
            _known_relais(relais, data, today)
            relais.save()
            link, _ = RelaisResidence.objects.get_or_create(relais=relais, residence=data["residence"])
            if data.get("building") and link.building != data["building"]:
                link.building = data["building"]
                link.save(update_fields=["building"])
            updated += 1
        relais.refresh_from_db()
        if change := _status_change(relais, data, today):
            services.relais_change_status(**change, by=by)
        if progress is not None:
            progress(created + updated)
    return created, updated


RELAIS_FIELDS = ["first_name", "last_name", "phone", "email", "preferred_channel", *services.STATUS_FIELDS]


def bulk_write_relais(
    *,
    organisation: Organisation,
    rows: Iterable[dict],
    by: User | None,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """`write_relais` a chunk at a time, with the same rows (those
    `services.relais_build` and `status_change_build` make): in the caller's
    transaction, each chunk's known relais locked and read afresh. The worker
    has no request: the access journal records no one acting, as row by row."""
    today = timezone.localdate()
    created = updated = 0
    for chunk in _chunks(rows):
        known = Relais.objects.select_for_update().in_bulk([d["pk"] for d in chunk if d.get("pk")])
        links = {(k.relais_id, k.residence_id): k for k in RelaisResidence.objects.filter(relais_id__in=known)}
        new: list[services.NewRelais] = []
        new_links, changed_links, changes = [], {}, []
        for data in chunk:
            relais = known.get(data.get("pk"))
            if relais is None:
                new.append(services.relais_build(**_new_relais(data, organisation=organisation, by=by, today=today)))
                relais = new[-1].relais
            else:
                _known_relais(relais, data, today)
                link = links.get((relais.pk, data["residence"].pk))
                if link is None:
                    link = links[relais.pk, data["residence"].pk] = RelaisResidence(
                        relais=relais, residence=data["residence"]
                    )
                    new_links.append(link)
                if data.get("building") and link.building != data["building"]:
                    link.building = data["building"]
                    if link.pk:
                        changed_links[link.pk] = link
            if change := _status_change(relais, data, today):
                changes.append(services.status_change_build(**change, by=by))
        Relais.objects.bulk_create([n.relais for n in new])
        Relais.objects.bulk_update(known.values(), RELAIS_FIELDS)
        RelaisResidence.objects.bulk_create([*(link for n in new for link in n.links), *new_links])
        RelaisResidence.objects.bulk_update(changed_links.values(), ["building"])
        # The first line of each new relais' history before any change of the file's.
        RelaisStatusChange.objects.bulk_create([*(h for n in new for h in n.history), *changes])
        Consent.objects.bulk_create([c for n in new for c in n.consents])
        created, updated = created + len(new), updated + len(chunk) - len(new)
        if progress is not None:
            progress(created + updated)
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


# Large files: checked, confirmed and written by a worker (ImportJob)

# What the preview shows of each row about to be written.
PREVIEW_COLUMNS = {
    "residences": [("name", "Nom"), ("reference", "Référence"), ("city", "Commune"), ("dwellings", "Logements"),
                   ("quartier", "Quartier")],
    "relais": [("first_name", "Prénom"), ("last_name", "Nom"), ("email", "E-mail"), ("phone", "Téléphone"),
               ("residence", "Résidence"), ("status", "Statut")],
}  # fmt: skip
CHECKS = {"residences": check_residences, "relais": check_relais}
WRITES = {"residences": bulk_write_residences, "relais": bulk_write_relais}
# What a job's page shows of the report: a page's worth, whatever the file's size.
SHOWN_ERRORS, SHOWN_ROWS = 200, 50
PROGRESS_EVERY = 50


def is_large(upload) -> bool:
    """A file imported by a worker rather than in the request."""
    return upload.size > settings.IMPORT_TASK_BYTES


def progress_key(job_id: int) -> str:
    return f"relais:import:{job_id}:progress"


def import_job_start(*, organisation: Organisation, kind: str, upload, by: User | None) -> ImportJob:
    """Keep the file and queue its check; nothing of its content is written."""
    with transaction.atomic():
        job = ImportJob(organisation=organisation, kind=kind, name=upload.name[:255], created_by=by)
        job.file.save(f"{kind}.csv", upload, save=False)
        job.save()
        transaction.on_commit(lambda: import_check.delay(job.pk), robust=True)
    return job


def import_job_confirm(*, job: ImportJob, by: User | None) -> ImportJob:
    """Staff read the report and confirm: the rows are written by a worker."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state != ImportJob.State.A_CONFIRMER:
            raise ValidationError("Cet import n'attend pas de confirmation.")
        job.state = ImportJob.State.ECRITURE
        job.save(update_fields=["state"])
        transaction.on_commit(lambda: import_write.delay(job.pk), robust=True)
    return job


def _opener(job: ImportJob) -> Callable[[], IO[bytes]]:
    return lambda: job.file.storage.open(job.file.name, "rb")


def _progress(job: ImportJob) -> Callable[[int], None]:
    def tell(done: int) -> None:
        # The cache, not the row: the rows are written in one transaction that
        # nobody else sees before its end.
        if done % PROGRESS_EVERY == 0:
            cache.set(progress_key(job.pk), done, 3600)

    return tell


def import_job_check(*, job_id: int) -> ImportJob | None:
    """Read the whole file once, row by row, and keep its report (nothing written)."""
    job = ImportJob.objects.select_related("organisation").filter(pk=job_id).first()
    if job is None or job.state != ImportJob.State.VERIFICATION:
        return None
    report = ImportReport(kind=job.kind)
    keys = PREVIEW_COLUMNS[job.kind]
    preview, count, tell = [], 0, _progress(job)
    try:
        with stream_rows(_opener(job)) as (headers, rows):
            for data in CHECKS[job.kind](organisation=job.organisation, headers=headers, rows=rows, report=report):
                count += 1
                tell(count)
                if len(preview) < SHOWN_ROWS:
                    cells = ["" if data.get(k) is None else str(data[k]) for k, _ in keys]
                    preview.append([data["line"], bool(data.get("pk")), cells])
    except ImportFileError as error:
        report.error(1, "fichier", str(error))
    job.rows = count
    job.report = {
        "errors": [[e.line, e.column, e.message] for e in report.errors[:SHOWN_ERRORS]],
        "error_count": len(report.errors),
        "warnings": report.warnings,
        "to_create": report.to_create,
        "to_update": report.to_update,
        "new_quartiers": report.new_quartiers,
        "preview": preview,
    }
    job.state = ImportJob.State.A_CONFIRMER if report.ok else ImportJob.State.ERREURS
    job.finished_at = None if report.ok else timezone.now()
    job.save(update_fields=["rows", "report", "state", "finished_at"])
    return job


class _Refused(Exception):
    """A row no longer passes its check at the time of writing: nothing is kept."""


def import_job_write(*, job_id: int) -> ImportJob | None:
    """Read the file again and write each row as it passes the same checks, all
    in one transaction: a row refused now (the data changed since the check)
    undoes everything."""
    job = ImportJob.objects.select_related("organisation", "created_by").filter(pk=job_id).first()
    if job is None or job.state != ImportJob.State.ECRITURE:
        return None
    report = ImportReport(kind=job.kind)
    write = WRITES[job.kind]
    try:
        with transaction.atomic(), stream_rows(_opener(job)) as (headers, rows):
            checked = CHECKS[job.kind](organisation=job.organisation, headers=headers, rows=rows, report=report)

            def clean() -> Iterator[dict]:
                for data in checked:
                    if not report.ok:
                        raise _Refused
                    yield data
                if not report.ok:
                    raise _Refused

            created, updated = write(
                organisation=job.organisation, rows=clean(), by=job.created_by, progress=_progress(job)
            )
    except _Refused:
        e = report.errors[0]
        job.state, job.error = ImportJob.State.ECHEC, f"ligne {e.line}, colonne « {e.column} » : {e.message}"[:500]
    except (ImportFileError, ValidationError) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else str(error)
        job.state, job.error = ImportJob.State.ECHEC, message[:500]
    else:
        job.state, job.created, job.updated = ImportJob.State.TERMINE, created, updated
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "created", "updated", "finished_at"])
    cache.delete(progress_key(job.pk))
    return job


@shared_task
def import_check(job_id: int) -> None:
    import_job_check(job_id=job_id)


@shared_task
def import_write(job_id: int) -> None:
    import_job_write(job_id=job_id)
