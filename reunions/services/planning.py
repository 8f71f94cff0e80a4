"""Planning meetings: one or a series, moved, cancelled, and how long before
them the reminders go out."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.models import Organisation, User
from relais.models import Residence
from reunions.models import AgendaItem, Reunion, ReunionSeries, ReunionSettings
from reunions.selectors import open_actions_of
from reunions.services.invitations import people_invited, people_tell, reminders_schedule


def _check(*, organisation: Organisation, starts_at, ends_at, residence, address: str, online_url: str) -> None:
    errors = {}
    if ends_at <= starts_at:
        errors["ends_at"] = "La fin de la réunion doit suivre son début."
    if not (residence or address or online_url):
        errors["address"] = "Indiquez un lieu : une salle commune, une adresse ou un lien de visioconférence."
    if residence is not None and residence.organisation_id != organisation.pk:
        errors["residence"] = "Cette résidence n'appartient pas à votre organisation."
    if errors:
        raise ValidationError(errors)


def reunion_plan(
    *,
    organisation: Organisation,
    by: User | None,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    themes: str = "",
    residence: Residence | None = None,
    address: str = "",
    online_url: str = "",
    series: ReunionSeries | None = None,
    previous: Reunion | None = None,
) -> Reunion:
    _check(
        organisation=organisation,
        starts_at=starts_at,
        ends_at=ends_at,
        residence=residence,
        address=address,
        online_url=online_url,
    )
    if previous is not None and previous.organisation_id != organisation.pk:
        raise ValidationError("La réunion précédente n'appartient pas à votre organisation.")
    with transaction.atomic():
        reunion = Reunion.objects.create(
            organisation=organisation,
            kind=kind,
            title=title,
            themes=themes,
            starts_at=starts_at,
            ends_at=ends_at,
            residence=residence,
            address=address,
            online_url=online_url,
            organiser=by,
            series=series,
            previous=previous,
        )
        if previous is not None:
            _carry_over(previous, reunion)
    return reunion


def _carry_over(previous: Reunion, reunion: Reunion) -> None:
    """Suivi des actions: every action still open goes onto the next agenda.
    The item points at the action; who owns it and when it is due are read
    from the action when the agenda is shown (as the reader may see them),
    never copied into its title."""
    AgendaItem.objects.bulk_create(
        AgendaItem(reunion=reunion, position=position, title=f"Suivi : {action.title}"[:300], action=action)
        for position, action in enumerate(open_actions_of(previous).order_by("due_on", "pk"))
    )


def series_plan(
    *,
    organisation: Organisation,
    by: User | None,
    title: str,
    kind: str,
    occurrences: Iterable[tuple[datetime.datetime, datetime.datetime]],
    **place,
) -> ReunionSeries:
    """Plan several meetings at once: « Réunion thématique 1/4 »…"""
    occurrences = sorted(occurrences)
    if not occurrences:
        raise ValidationError("Ajoutez au moins une date à la série.")
    with transaction.atomic():
        series = ReunionSeries.objects.create(organisation=organisation, title=title, created_by=by)
        for number, (starts_at, ends_at) in enumerate(occurrences, start=1):
            reunion_plan(
                organisation=organisation,
                by=by,
                kind=kind,
                title=f"{title} ({number}/{len(occurrences)})",
                starts_at=starts_at,
                ends_at=ends_at,
                series=series,
                **place,
            )
    return series


def reminder_days_set(*, organisation: Organisation, days: list[int]) -> list[int]:
    """Choose the reminder offsets; the meetings to come follow at once."""
    days = sorted(set(days), reverse=True)
    if not days or len(days) > 4 or any(not 1 <= d <= 60 for d in days):
        raise ValidationError("Choisissez de un à quatre rappels, chacun entre 1 et 60 jours avant la réunion.")
    now = timezone.now()
    with transaction.atomic():
        ReunionSettings.objects.update_or_create(organisation=organisation, defaults={"reminder_days": days})
        for reunion in Reunion.objects.filter(
            organisation=organisation, status=Reunion.Status.PREVUE, starts_at__gt=now
        ):
            reminders_schedule(reunion, people_invited(reunion), now)
    return days


def reunion_move(
    *, reunion: Reunion, starts_at: datetime.datetime, ends_at: datetime.datetime, by: User | None
) -> Reunion:
    """Move one meeting: its reminders follow, and its invitees are told."""
    with transaction.atomic():
        reunion = Reunion.objects.select_for_update().get(pk=reunion.pk)
        if reunion.status != Reunion.Status.PREVUE:
            raise ValidationError("Seule une réunion prévue peut être déplacée.")
        _check(
            organisation=reunion.organisation,
            starts_at=starts_at,
            ends_at=ends_at,
            residence=reunion.residence,
            address=reunion.address,
            online_url=reunion.online_url,
        )
        reunion.starts_at, reunion.ends_at = starts_at, ends_at
        reunion.sequence += 1
        reunion.save(update_fields=["starts_at", "ends_at", "sequence"])
        people = people_invited(reunion)
        reminders_schedule(reunion, people, timezone.now())
        people_tell(reunion, people, kind=f"modification-{reunion.sequence}", by=by)
    return reunion


def reunion_cancel(*, reunion: Reunion, by: User | None) -> Reunion:
    """Cancel one meeting: pending messages are cancelled, invitees are told."""
    with transaction.atomic():
        reunion = Reunion.objects.select_for_update().get(pk=reunion.pk)
        if reunion.status != Reunion.Status.PREVUE:
            raise ValidationError("Seule une réunion prévue peut être annulée.")
        reunion.status = Reunion.Status.ANNULEE
        reunion.sequence += 1
        reunion.save(update_fields=["status", "sequence"])
        outbox.message_cancel(subject=reunion)
        people_tell(reunion, people_invited(reunion), kind="annulation", by=by)
    return reunion
