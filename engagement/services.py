"""Writes of engagement: visits, the organisation's settings, attestations
(one in the request, all of a year in a Celery task with its progress) and
the « appel prévu » of the relais at risk."""

from __future__ import annotations

import datetime
import logging
import time
from decimal import Decimal

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.access import WRITERS, compute_access
from core.models import Organisation, User
from engagement import pdf
from engagement.models import Attestation, AttestationRun, EngagementSettings, LastSeen
from engagement.selectors import attestation_data, attestation_relais, reason_label
from relais.models import ContactLog, Relais
from relais.services import contact_log_add

logger = logging.getLogger(__name__)

FIRST_YEAR = 2000
# Attestations made per round of the batch: their data read in a few queries,
# the progress written once per round.
CHUNK = 25


def visit_record(*, user: User, organisation_id: int | None, today: datetime.date | None = None) -> int:
    """A relais opened their pages today: at most one write a day per relais
    (a conditional UPDATE, then the first visit inserted). Returns rows written."""
    today = today or timezone.localdate()
    ids = list(Relais.objects.filter(user=user, organisation_id=organisation_id).values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        written = LastSeen.objects.filter(relais_id__in=ids, seen_on__lt=today).update(seen_on=today)
        known = set(LastSeen.objects.filter(relais_id__in=ids).values_list("relais_id", flat=True))
        new = [LastSeen(relais_id=pk, seen_on=today) for pk in ids if pk not in known]
        LastSeen.objects.bulk_create(new, ignore_conflicts=True)
    return written + len(new)


def settings_for(organisation: Organisation) -> EngagementSettings:
    found = EngagementSettings.objects.filter(organisation=organisation).first()
    return found or EngagementSettings(organisation=organisation)


def settings_save(
    *,
    organisation: Organisation,
    by: User,
    hour_value: Decimal | None,
    hour_value_source: str,
    signatory_name: str,
    signatory_role: str,
) -> EngagementSettings:
    hour_value_source = hour_value_source.strip()
    if hour_value is not None and not (Decimal("0") < hour_value <= Decimal("1000")):
        raise ValidationError({"hour_value": "Indiquez une valeur entre 0,01 € et 1 000 € de l'heure."})
    if hour_value is not None and not hour_value_source:
        raise ValidationError(
            {"hour_value_source": "Dites d'où vient cette valeur : elle est écrite à côté du chiffre."}
        )
    with transaction.atomic():
        chosen, _ = EngagementSettings.objects.select_for_update().get_or_create(organisation=organisation)
        chosen.hour_value = hour_value
        chosen.hour_value_source = hour_value_source
        chosen.signatory_name = signatory_name.strip()
        chosen.signatory_role = signatory_role.strip()
        chosen.updated_by = by
        chosen.save()
    return chosen


def _check_year(year: int) -> None:
    this_year = timezone.localdate().year
    if not FIRST_YEAR <= year <= this_year:
        raise ValidationError({"year": f"Choisissez une année entre {FIRST_YEAR} et {this_year}."})


def _check_signatory(name: str, role: str) -> tuple[str, str]:
    name, role = name.strip(), role.strip()
    if not name or not role:
        raise ValidationError(
            {"signatory_name": "L'attestation est signée : indiquez le nom et la fonction du signataire."}
        )
    return name, role


def _issue(
    *,
    relais: Relais,
    year: int,
    data,
    organisation: Organisation,
    signatory: tuple[str, str],
    signed_on: datetime.date,
    by: User | None,
    content: bytes | None = None,
) -> Attestation:
    """Keep one attestation (made from `data`), replacing the year's earlier one."""
    with transaction.atomic():
        attestation = Attestation.objects.select_for_update().filter(relais=relais, year=year).first()
        old = ""
        if attestation is None:
            attestation = Attestation(organisation=organisation, relais=relais, year=year)
        else:
            old = attestation.file.name if attestation.file else ""
            attestation.version += 1
        attestation.signatory_name, attestation.signatory_role = signatory
        attestation.signed_on = signed_on
        attestation.minutes = data.minutes
        attestation.issued_at = timezone.now()
        attestation.issued_by = by
        if content is None:
            content = pdf.attestation_pdf(attestation, data, organisation)
        attestation.file.save(attestation.filename, ContentFile(content), save=False)
        attestation.save()
        if old and old != attestation.file.name:
            storage = attestation.file.storage
            transaction.on_commit(lambda: storage.delete(old))
    return attestation


def attestation_issue(*, relais: Relais, year: int, by: User, signatory_name: str, signatory_role: str) -> Attestation:
    """Issue (or re-issue) one relais' attestation, in the request: one small document."""
    _check_year(year)
    signatory = _check_signatory(signatory_name, signatory_role)
    data = attestation_data(relais.organisation, year, [relais.pk])[relais.pk]
    return _issue(
        relais=relais,
        year=year,
        data=data,
        organisation=relais.organisation,
        signatory=signatory,
        signed_on=timezone.localdate(),
        by=by,
    )


def attestation_run_request(
    *, organisation: Organisation, year: int, by: User, signatory_name: str, signatory_role: str
) -> AttestationRun:
    """Queue the making of every attestation of a year (the relais who gave time
    or were active in it); a newer request overtakes one still running."""
    _check_year(year)
    name, role = _check_signatory(signatory_name, signatory_role)
    with transaction.atomic():
        AttestationRun.objects.filter(
            organisation=organisation, state__in=[AttestationRun.State.EN_ATTENTE, AttestationRun.State.EN_COURS]
        ).update(state=AttestationRun.State.ECHEC, error="Remplacée par une demande plus récente.")
        run = AttestationRun.objects.create(
            organisation=organisation,
            year=year,
            signatory_name=name,
            signatory_role=role,
            requested_by=by,
            total=len(attestation_relais(organisation, year)),
        )
        run_id, token = run.pk, str(run.token)
        # A broker out of reach is logged, not raised: the run stays « en attente »
        # until it shows as stuck, and can be asked again.
        transaction.on_commit(lambda: generate_attestations.delay(run_id, token), robust=True)
    return run


def _claim(run_id: int, token: str, **fields) -> AttestationRun | None:
    """Write on the run if this request is still the current one."""
    with transaction.atomic():
        run = AttestationRun.objects.select_for_update().select_related("organisation").filter(pk=run_id).first()
        if (
            run is None
            or str(run.token) != token
            or run.state in (AttestationRun.State.PRET, AttestationRun.State.ECHEC)
        ):
            return None
        for name, value in fields.items():
            setattr(run, name, value)
        run.save(update_fields=list(fields))
        return run


def attestation_run_generate(*, run_id: int, token: str) -> AttestationRun | None:
    """Make every attestation of the run, CHUNK at a time, writing the progress
    after each round; run by the worker."""
    run = _claim(run_id, token, state=AttestationRun.State.EN_COURS)
    if run is None:
        return None
    requester = run.requested_by
    access = compute_access(requester, run.organisation_id) if requester else None
    if access is None or access.organisation_id != run.organisation_id or access.role not in WRITERS:
        return _claim(
            run_id, token, state=AttestationRun.State.ECHEC, error="La personne qui l'a demandé n'y a plus accès."
        )
    started = time.monotonic()
    organisation = run.organisation
    ids = attestation_relais(organisation, run.year)
    _claim(run_id, token, total=len(ids), done=0)
    signed_on = timezone.localdate()
    relais_by_id = Relais.objects.in_bulk(ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        data = attestation_data(organisation, run.year, chunk)
        documents = pdf.attestation_pdfs(
            [(relais_by_id[pk], data[pk]) for pk in chunk],
            organisation,
            run.year,
            (run.signatory_name, run.signatory_role),
            signed_on,
        )
        for pk, content in zip(chunk, documents, strict=True):
            _issue(
                relais=relais_by_id[pk],
                year=run.year,
                data=data[pk],
                organisation=organisation,
                signatory=(run.signatory_name, run.signatory_role),
                signed_on=signed_on,
                by=requester,
                content=content,
            )
        with transaction.atomic():
            updated = AttestationRun.objects.filter(pk=run_id, token=token, state=AttestationRun.State.EN_COURS).update(
                done=F("done") + len(chunk)
            )
        if not updated:
            return None  # overtaken: the newer run makes them again
    seconds = round(time.monotonic() - started, 2)
    run = _claim(run_id, token, state=AttestationRun.State.PRET, finished_at=timezone.now(), seconds=seconds)
    logger.info(
        "%s attestations %s of %s made in %.2f s", len(ids), run.year if run else "", organisation.slug, seconds
    )
    return run


def attestation_run_failed(*, run_id: int, token: str, error: str) -> None:
    _claim(run_id, token, state=AttestationRun.State.ECHEC, error=error[:500])


def call_planned(*, relais: Relais, by: User, reasons: list[str], today: datetime.date | None = None) -> ContactLog:
    """« Appel prévu »: the exchange logged in one click, with why."""
    today = today or timezone.localdate()
    note = "Appel prévu : " + ", ".join(reason_label(r) for r in reasons) if reasons else "Appel prévu"
    return contact_log_add(relais=relais, kind=ContactLog.Kind.APPEL, date=today, note=note, by=by)


# The task, beside the service it runs (as bilans/services.py does).

# Routed to the `bilans` queue by CELERY_TASK_ROUTES (`engagement.tasks.*`): the
# worker that makes the PDFs, one job at a time, recycling its process.
SOFT_TIME_LIMIT = 600
TIME_LIMIT = 660


class AttestationTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Also after a hard time limit or a lost worker: the run must not stay « en cours ».
        run_id, token = (list(args) + [kwargs.get("run_id"), kwargs.get("token")])[:2]
        if run_id and token:
            attestation_run_failed(run_id=run_id, token=token, error="La génération n'a pas abouti.")


@shared_task(
    name="engagement.tasks.generate_attestations",
    base=AttestationTask,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=False,
)
def generate_attestations(run_id: int, token: str) -> None:
    try:
        attestation_run_generate(run_id=run_id, token=token)
    except SoftTimeLimitExceeded:
        attestation_run_failed(run_id=run_id, token=token, error="La génération a pris trop de temps.")
    except Exception as error:
        logger.exception("Attestations run %s failed", run_id)
        attestation_run_failed(run_id=run_id, token=token, error=f"{type(error).__name__} : {error}")
