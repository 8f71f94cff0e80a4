"""The rights of a person, and the retention of their data.

Erasing a person and anonymising a leaver are the same operation: the relais
row stays (the bilans of past years count it), and everything that says who the
person was goes — name, phone, e-mail, login, building, the staff's notes, the
messages sent to them, and their name wherever a text of the organisation
quotes it.
"""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from core import audit, personal_data
from core.models import AuditEvent, Organisation, SensitiveFlag, User
from privacy.models import RightsRequest
from relais.models import Relais, RelaisStatusChange

logger = logging.getLogger(__name__)

REMOVED_TEXT = "[texte retiré : donnée sensible]"

# The register of requests, and the settings.


def retention_set(*, organisation: Organisation, months: int) -> Organisation:
    """How long the data of a person who left is kept before it is anonymised."""
    if not 6 <= months <= 120:
        raise ValidationError({"retention_months": "Choisissez une durée entre 6 et 120 mois."})
    with transaction.atomic():
        organisation.retention_months = months
        organisation.save(update_fields=["retention_months"])
    return organisation


def rights_request_record(
    *,
    relais: Relais,
    kind: str,
    received_on: datetime.date,
    note: str = "",
    handled: bool,
    by: User | None,
) -> RightsRequest:
    """A request of a person about their data, in the register; `handled`: it
    was handled today, by `by`. (An erasure is recorded by `erase`.)"""
    request = RightsRequest(
        organisation_id=relais.organisation_id, relais=relais, kind=kind, received_on=received_on, note=note
    )
    if handled:
        request.handled_on, request.handled_by = timezone.localdate(), by
    with transaction.atomic():
        request.save()
    return request


def erasure_ask(*, relais: Relais) -> RightsRequest:
    """A relais asks to be erased; the team does it (`erase`). Asking again while
    the first request waits records nothing more."""
    with transaction.atomic():
        request, _ = RightsRequest.objects.get_or_create(
            organisation_id=relais.organisation_id,
            relais=relais,
            kind=RightsRequest.Kind.EFFACEMENT,
            handled_on=None,
            defaults={"received_on": timezone.localdate()},
        )
    return request


def flag_review(*, flag: SensitiveFlag, outcome: str, by: User | None) -> SensitiveFlag:
    """A flagged text reviewed: kept as it is, or replaced by a notice."""
    if outcome not in SensitiveFlag.Outcome.values:
        raise ValidationError("Choisissez de conserver ou de retirer le texte.")
    with transaction.atomic():
        if outcome == SensitiveFlag.Outcome.REMOVED:
            model = flag.content_type.model_class()
            rows = model._base_manager.filter(pk=flag.object_id)
            text = rows.values_list(flag.field, flat=True).first()
            rows.update(**{flag.field: REMOVED_TEXT})
            obj = rows.first()
            if text and hasattr(obj, "events"):
                # A remontée's answer is also kept in its history, which the relais reads.
                obj.events.filter(comment=text).update(comment=REMOVED_TEXT)
        flag.outcome = outcome
        flag.reviewed_at, flag.reviewed_by = timezone.now(), by
        flag.save(update_fields=["outcome", "reviewed_at", "reviewed_by"])
    return flag


# Erasure and anonymisation.


_ACCENTS = {
    "a": "aàâäáã",
    "c": "cç",
    "e": "eéèêë",
    "i": "iîïíì",
    "o": "oôöóò",
    "u": "uùûüú",
    "y": "yÿ",
    "n": "nñ",
}


def _letters(value: str) -> str:
    """A regular expression for a name, whatever its accents and case:
    « Hélène » also finds « HELENE » and « Helene »."""
    parts = []
    for char in value:
        base = unicodedata.normalize("NFKD", char.lower())[:1]
        if base in _ACCENTS:
            parts.append(f"[{_ACCENTS[base]}]")
        elif char.isspace() or char in "-'’":
            parts.append(r"[\s\-'’]+")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _word(expression: str) -> str:
    return rf"(?<!\w){expression}(?!\w)"


CIVILITY = r"(?:m\.|mr\.?|mme\.?|mlle\.?|monsieur|madame|mademoiselle)\s+"


def _traces(relais: Relais, *, own: bool) -> re.Pattern | None:
    """What would say who the person was, as whole words. Everywhere: their full
    name in either order, their surname after a civility or an initial (« Mme
    Lefèvre », « H. Lefèvre »), their e-mail and phone. In their own texts, their
    first or last name alone too."""
    user = relais.user if relais.user_id else None
    first, last = relais.first_name.strip(), relais.last_name.strip()
    names = [(first, last)]
    if user is not None and user.first_name and user.last_name:
        names.append((user.first_name.strip(), user.last_name.strip()))
    patterns = []
    for given, family in names:
        if len(given) + len(family) < 3:
            continue
        patterns += [_word(_letters(f"{given} {family}")), _word(_letters(f"{family} {given}"))]
        if family:
            patterns.append(_word(CIVILITY + _letters(family)))
        if given and family:
            patterns.append(_word(_letters(given[0]) + r"\.\s*" + _letters(family)))
    if own:
        patterns += [_word(_letters(n)) for n in (first, last) if len(n) >= 3]
    for value in [relais.email, relais.phone] + ([user.email] if user is not None else []):
        if value and len(value.strip()) >= 3:
            patterns.append(re.escape(value.strip()))
            digits = re.sub(r"\D", "", value)
            if len(digits) >= 8 and "@" not in value:  # a phone written with other spaces or dots
                patterns.append(r"[\s.\-]?".join(digits))
    patterns.sort(key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


def _scrub_organisation_texts(organisation_id: int, traces: re.Pattern | None) -> int:
    """Read every text of the organisation (accents and case are folded by the
    pattern, which a database LIKE cannot do the same way everywhere) and
    rewrite the rows that quote the person. Erasure is rare: reading is cheap."""
    if traces is None:
        return 0
    changed = 0
    for texts in personal_data.texts():
        model, fields = texts.model, texts.fields
        rows = model._base_manager.filter(**{texts.org_path: organisation_id}).values_list("pk", *fields)
        for pk, *values in rows.iterator():
            if any(value and traces.search(value) for value in values):
                model._base_manager.filter(pk=pk).update(
                    **{name: personal_data.scrub(value, traces) for name, value in zip(fields, values, strict=True)}
                )
                changed += 1
    return changed


def anonymise(relais: Relais, *, by: User | None, action: str) -> bool:
    """Remove everything that identifies the person; keep what the figures count.
    False when it was already done (a second click, two staff at once)."""
    with transaction.atomic():
        relais = Relais.objects.select_for_update().get(pk=relais.pk)
        if relais.anonymised_at is not None:
            return False
        own = _traces(relais, own=True)
        # Each app's own part first (their texts by the person, notes about them)…
        for part in personal_data.parts():
            if part.erase is not None:
                part.erase(relais, own)
        # …then the person's name wherever the organisation's texts quote it.
        _scrub_organisation_texts(relais.organisation_id, _traces(relais, own=False))
        user = relais.user if relais.user_id else None
        logged = Q(content_type=ContentType.objects.get_for_model(Relais), object_id=str(relais.pk))
        if user is not None:
            logged |= Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
        LogEntry.objects.filter(logged).update(object_repr=f"Personne anonymisée n°{relais.pk}", change_message="")
        today = timezone.localdate()
        fields = {}
        if relais.status != Relais.Status.SORTI:
            # Erased at their request: they leave the network today (the years already
            # counted do not change; this one counts a departure).
            RelaisStatusChange.objects.create(
                relais=relais,
                from_status=relais.status,
                to_status=Relais.Status.SORTI,
                date=today,
                exit_reason=Relais.ExitReason.AUTRE,
                changed_by=by,
            )
            fields = {"status": Relais.Status.SORTI, "status_since": today, "left_on": today}
            fields["exit_reason"] = Relais.ExitReason.AUTRE
        Relais.objects.filter(pk=relais.pk).update(
            first_name="Personne",
            last_name=f"anonymisée n°{relais.pk}",
            phone="",
            email="",
            preferred_channel=Relais.Channel.PAPER,
            user=None,
            home_seen_at=None,
            anonymised_at=timezone.now(),
            **fields,
        )
        if user is not None:
            _forget_login(user, relais)
        audit.record(action, relais, user=by)
    return True


def _forget_login(user: User, relais: Relais) -> None:
    others = user.memberships.exclude(organisation_id=relais.organisation_id, role="relais")
    if others.exists() or user.relais_profiles.exclude(pk=relais.pk).exists():
        # The login also serves elsewhere: only this organisation's relais access goes.
        user.memberships.filter(organisation_id=relais.organisation_id, role="relais").delete()
        return
    user.delete()


def erase(relais: Relais, *, by: User, received_on: datetime.date) -> RightsRequest | None:
    """Erasure on request, and the record that it was handled (which names no one)."""
    with transaction.atomic():
        if not anonymise(relais, by=by, action=AuditEvent.Action.EFFACEMENT):
            return None  # already erased: the register has its line
        pending = RightsRequest.objects.filter(relais=relais, kind=RightsRequest.Kind.EFFACEMENT, handled_on=None)
        request = pending.first() or RightsRequest(
            organisation_id=relais.organisation_id, relais=relais, kind=RightsRequest.Kind.EFFACEMENT
        )
        request.received_on = min(request.received_on or received_on, received_on)
        request.handled_on = timezone.localdate()
        request.handled_by = by
        request.note = "Données effacées ; la fiche anonyme reste comptée dans les bilans."
        request.save()
    return request


# Retention.


def months_before(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = (datetime.date(year + (month == 12), month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last))


def months_after(day: datetime.date, months: int) -> datetime.date:
    return months_before(day, -months)


def leavers(relais: models.QuerySet) -> models.QuerySet:
    return relais.filter(status=Relais.Status.SORTI, anonymised_at=None, left_on__isnull=False)


def due_for_anonymisation(organisation: Organisation, today: datetime.date) -> models.QuerySet:
    """Leavers who left more than the organisation's retention time ago."""
    limit = months_before(today, organisation.retention_months)
    return leavers(Relais.objects.filter(organisation=organisation)).filter(left_on__lt=limit)


def anonymisation_day(left_on: datetime.date, months: int) -> datetime.date:
    """The first day on which the nightly task anonymises someone who left on
    `left_on`: by the same rule as `due_for_anonymisation` (month ends included)."""
    day = months_after(left_on, months)
    while months_before(day, months) <= left_on:
        day += datetime.timedelta(days=1)
    while months_before(day - datetime.timedelta(days=1), months) > left_on:
        day -= datetime.timedelta(days=1)
    return day


def apply_retention(organisation: Organisation, today: datetime.date) -> dict:
    """Anonymise the leavers whose time ran out, and let each app blank the texts
    older than the retention time (core/personal_data.py)."""
    count = 0
    limit = months_before(today, organisation.retention_months)
    for relais in due_for_anonymisation(organisation, today):
        anonymise(relais, by=None, action=AuditEvent.Action.ANONYMISATION)
        count += 1
    # And whoever an app's own rule keeps no longer (candidates who never became relais…).
    for part in personal_data.parts():
        if part.expired is not None:
            for relais in part.expired(Relais.objects.filter(organisation=organisation), limit):
                count += anonymise(relais, by=None, action=AuditEvent.Action.ANONYMISATION)
    done = {"anonymised": count}
    for part in personal_data.parts():
        if part.retention is not None:
            done.update(part.retention(organisation, limit))
    return done


def purge_audit(today: datetime.date) -> int:
    limit = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS), datetime.time())
    )
    deleted, _ = AuditEvent.objects.filter(at__lt=limit).delete()
    return deleted
