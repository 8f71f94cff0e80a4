"""Writes and heavy output of the bilan: its texts, its PDF, and the generation
that a Celery worker runs in its own queue.

The generation's Celery task is at the end of this module, beside the service
that queues it and the one it runs (as pretix keeps a task with its service,
and core/outbox.py its own): neither has to import the other from inside a
function."""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from bilans.kinds import kind_of
from bilans.models import Bilan
from core.access import WRITERS, compute_access
from core.models import Membership, Organisation, User
from core.pdf import logo_data_uri
from remontees.models import Remontee

logger = logging.getLogger(__name__)

FIRST_YEAR = 2000


def bilan_open(*, organisation: Organisation, year: int) -> Bilan:
    """The bilan of a year, made on first use (its texts start empty)."""
    this_year = timezone.localdate().year
    if not FIRST_YEAR <= year <= this_year:
        raise ValidationError(f"Choisissez une année entre {FIRST_YEAR} et {this_year}.")
    bilan, _ = Bilan.objects.get_or_create(organisation=organisation, year=year)
    return bilan


def bilan_save_texts(
    *,
    bilan: Bilan,
    introduction: str,
    perspectives: str,
    examples: Iterable[Remontee],
    logo=None,
    period: str | None = None,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    colour: str | None = None,
) -> Bilan:
    """The bilan's texts, examples and logo; with `period`, the period it counts
    (`starts_on` and `ends_on` for a free one) and with `colour`, its document's colour."""
    examples = list(examples)
    if any(r.organisation_id != bilan.organisation_id for r in examples):
        raise ValidationError("Un exemple choisi n'appartient pas à l'organisation.")
    if period is not None and period not in Bilan.Period.values:
        raise ValidationError({"period": "Période inconnue."})
    if period == Bilan.Period.LIBRE and not (starts_on and ends_on and starts_on <= ends_on):
        raise ValidationError({"starts_on": "Une période libre a une date de début et une date de fin, dans l'ordre."})
    with transaction.atomic():
        bilan.introduction = introduction.strip()
        bilan.perspectives = perspectives.strip()
        fields = ["introduction", "perspectives"]
        if period is not None:
            bilan.period = period
            bilan.starts_on, bilan.ends_on = (starts_on, ends_on) if period == Bilan.Period.LIBRE else (None, None)
            fields += ["period", "starts_on", "ends_on"]
        if colour:
            bilan.colour = colour.lower()
            fields.append("colour")
        bilan.save(update_fields=fields)
        bilan.examples.set(examples)
        if logo is not None:
            organisation = bilan.organisation
            old = organisation.logo.name if organisation.logo else ""
            organisation.logo.save(f"{organisation.slug}.jpg", logo, save=False)
            organisation.save(update_fields=["logo"])
            if old and old != organisation.logo.name:
                organisation.logo.storage.delete(old)
    return bilan


def bilan_pdf(bilan: Bilan, user: User | None = None) -> bytes:
    """The PDF of a bilan, as its kind makes it (bilans/kinds.py); `user`: whom
    the kind's reads are scoped for (the requester, their access pinned)."""
    # WeasyPrint is imported here: it is slow to import and only the PDFs need it.
    from weasyprint import HTML

    kind = kind_of(bilan)
    context = kind.context(bilan, user)
    context["logo"] = logo_data_uri(bilan.organisation)
    context["generated_on"] = timezone.localdate()
    html = render_to_string(kind.pdf_template, context)
    return HTML(string=html).write_pdf()


def team_reader(organisation: Organisation) -> User | None:
    """The first active member of the organisation's own team, their access in it
    pinned: whom a PDF made outside a request (`manage.py bilan`) is read for."""
    membership = (
        Membership.objects.filter(organisation=organisation, role__in=WRITERS, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        return None
    user = membership.user
    user._access_cache = compute_access(user, organisation.pk)
    return user


def bilan_request(*, bilan: Bilan, by: User) -> Bilan:
    """Queue the PDF's generation; a newer request overtakes an older one still waiting."""
    with transaction.atomic():
        bilan = Bilan.objects.select_for_update().get(pk=bilan.pk)
        bilan.token = Bilan.new_token()
        bilan.state = Bilan.State.EN_ATTENTE
        bilan.error = ""
        bilan.requested_by = by
        bilan.requested_at = timezone.now()
        bilan.save(update_fields=["token", "state", "error", "requested_by", "requested_at"])
        token = str(bilan.token)
        kind = kind_of(bilan)
        # A kind that prepares at length (a network recomputing its members) has its own limits.
        limits = {
            name: value
            for name, value in (("soft_time_limit", kind.soft_time_limit), ("time_limit", kind.time_limit))
            if value
        }
        # A broker out of reach is logged, not raised: the request stays « en attente »
        # until it is shown as stuck, and can be made again.
        transaction.on_commit(lambda: generate_bilan.apply_async((bilan.pk, token), **limits), robust=True)
    return bilan


def _claim(bilan_id: int, token: str, state: str, **fields) -> Bilan | None:
    """Move the row to `state` if this request is still the current one."""
    with transaction.atomic():
        bilan = Bilan.objects.select_for_update().select_related("organisation").filter(pk=bilan_id).first()
        if bilan is None or str(bilan.token) != token:
            return None
        bilan.state = state
        for name, value in fields.items():
            setattr(bilan, name, value)
        bilan.save(update_fields=["state", *fields])
        return bilan


def bilan_generate(*, bilan_id: int, token: str) -> Bilan | None:
    """Make the PDF and keep it; run by the worker. Returns None when there is nothing to do:
    the row is gone, or a newer request took over."""
    bilan = _claim(bilan_id, token, Bilan.State.EN_COURS)
    if bilan is None:
        return None
    # Permissions are checked again: the requester may have lost their role since.
    requester = bilan.requested_by
    access = compute_access(requester, bilan.organisation_id) if requester else None
    if access is None or access.organisation_id != bilan.organisation_id or access.role not in WRITERS:
        return _claim(bilan_id, token, Bilan.State.ECHEC, error="La personne qui l'a demandé n'y a plus accès.")
    # The kind's reads are scoped for the requester in this organisation, as the
    # request's middleware would pin it.
    requester._access_cache = access
    started = time.monotonic()
    kind = kind_of(bilan)
    if kind.prepare is not None:
        kind.prepare(bilan, requester)
    pdf = bilan_pdf(bilan, requester)
    seconds = round(time.monotonic() - started, 2)
    with transaction.atomic():
        current = Bilan.objects.select_for_update().select_related("organisation").filter(pk=bilan_id).first()
        if current is None or str(current.token) != token:
            return None
        old = current.file.name if current.file else ""
        current.file.save(current.filename, ContentFile(pdf), save=False)
        current.state = Bilan.State.PRET
        current.error = ""
        current.generated_at = timezone.now()
        current.generation_seconds = seconds
        current.save(update_fields=["file", "state", "error", "generated_at", "generation_seconds"])
        if old and old != current.file.name:
            # Regenerating replaces the file; once the new one is saved.
            transaction.on_commit(lambda: current.file.storage.delete(old))
    logger.info("Bilan %s of %s made in %.2f s", current.year, current.organisation.slug, seconds)
    return current


def bilan_failed(*, bilan_id: int, token: str, error: str) -> None:
    _claim(bilan_id, token, Bilan.State.ECHEC, error=error[:500])


# The task.

# Routed to the `bilans` queue by CELERY_TASK_ROUTES (config/settings.py).
# A bilan of a large organisation takes seconds; a minute of CPU means something
# is wrong. The soft limit lets the task write the failure on the row.
SOFT_TIME_LIMIT = 120
TIME_LIMIT = 150


class BilanTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Also after a hard time limit or a lost worker: the row must not stay « en cours ».
        bilan_id, token = (list(args) + [kwargs.get("bilan_id"), kwargs.get("token")])[:2]
        if bilan_id and token:
            bilan_failed(bilan_id=bilan_id, token=token, error="La génération n'a pas abouti.")


# acks_late: a worker stopped mid-task gives it back; but not when the process
# died on this task (reject_on_worker_lost=False): a bilan that kills its worker
# (memory) must fail once, not be handed out again forever.
# The name is the one it had in bilans/tasks.py: the route (`bilans.tasks.*`) and
# the requests already queued under it keep working.
@shared_task(
    name="bilans.tasks.generate_bilan",
    base=BilanTask,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=False,
)
def generate_bilan(bilan_id: int, token: str) -> None:
    """Runs in the `bilans` queue, served by a worker with concurrency 1 and a
    bounded number of tasks per process (WeasyPrint keeps the whole document in
    memory; a fresh process gives it back)."""
    try:
        bilan_generate(bilan_id=bilan_id, token=token)
    except SoftTimeLimitExceeded:
        bilan_failed(bilan_id=bilan_id, token=token, error="La génération a pris trop de temps.")
    except Exception as error:
        logger.exception("Bilan %s failed", bilan_id)
        bilan_failed(bilan_id=bilan_id, token=token, error=f"{type(error).__name__} : {error}")
