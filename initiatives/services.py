"""Writes of the initiatives app. One transaction each.

Logistics: approving a request locks the stock rows it touches (and the room)
with SELECT … FOR UPDATE, then counts what is already lent on each day of the
request. Two approvals racing for the same tables are serialised by the lock:
the second sees the first one's loan and is refused if the stock would be
exceeded. On SQLite the write transaction (BEGIN IMMEDIATE) serialises them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone

from core import notify, outbox
from core.models import Message, Organisation, User
from initiatives.models import (
    DEFAULT_KINDS,
    BudgetLine,
    Equipment,
    GrantRequest,
    Initiative,
    InitiativeKind,
    InitiativePhoto,
    InitiativeStatusChange,
    LogisticsLine,
    LogisticsRequest,
    NeighbourAttendance,
    Organiser,
    Partner,
    Room,
)
from relais.models import Quartier, Relais, Residence


def kinds_ensure(organisation: Organisation) -> None:
    if not InitiativeKind.objects.filter(organisation=organisation).exists():
        InitiativeKind.objects.bulk_create(
            InitiativeKind(organisation=organisation, name=name, position=n) for n, name in enumerate(DEFAULT_KINDS)
        )


def _same_org(organisation: Organisation, **objects) -> dict[str, str]:
    errors = {}
    for field, value in objects.items():
        values = value if isinstance(value, list | tuple | set) else [value]
        if any(v is not None and v.organisation_id != organisation.pk for v in values):
            errors[field] = "Un élément choisi n'appartient pas à votre organisation."
    return errors


def initiative_save(
    *,
    organisation: Organisation,
    by: User | None,
    kind: InitiativeKind,
    title: str,
    starts_on: datetime.date,
    initiative: Initiative | None = None,
    description: str = "",
    ends_on: datetime.date | None = None,
    residences: Iterable[Residence] = (),
    quartier: Quartier | None = None,
    place: str = "",
    organisers: Iterable[Relais] = (),
    partners: Iterable[Partner] = (),
    status: str | None = None,
) -> Initiative:
    """Create an initiative, or change one."""
    residences, organisers, partners = list(residences), list(organisers), list(partners)
    errors = _same_org(
        organisation, kind=kind, residences=residences, quartier=quartier, organisers=organisers, partners=partners
    )
    if ends_on and ends_on < starts_on:
        errors["ends_on"] = "La date de fin doit suivre la date de début."
    if not (residences or quartier or place.strip()):
        errors["place"] = "Indiquez où : une ou plusieurs résidences, un quartier ou un lieu."
    if status is not None and status not in Initiative.Status.values:
        errors["status"] = "Statut inconnu."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        created = initiative is None
        initiative = initiative or Initiative(organisation=organisation, created_by=by)
        was = "" if initiative.pk is None else initiative.status
        was_on = initiative.starts_on
        initiative.kind, initiative.title, initiative.description = kind, title.strip(), description.strip()
        initiative.starts_on, initiative.ends_on = starts_on, ends_on
        initiative.quartier, initiative.place = quartier, place.strip()
        if status is not None:
            initiative.status = status
        initiative.save()
        _status_changed(initiative, was, by)
        if not created and (was_on != starts_on or was != initiative.status):
            neighbour_reminders_follow(initiative)
        initiative.residences.set(residences)
        initiative.organisers.set(organisers)
        initiative.partners.set(partners)
        if created and initiative.status == Initiative.Status.IDEE:
            # A proposal waits for the team's answer.
            notify.tell_staff(organisation_id=organisation.pk, subject=initiative, what="proposee", network=True, by=by)
    return initiative


NEIGHBOUR_REMINDER = "rappel_voisin"
# A neighbour's reminder goes at this hour (Europe/Paris), the day before the event.
NEIGHBOUR_REMINDER_HOUR = 10


def neighbour_reminders() -> QuerySet[Message]:
    """The outbox's rows of the neighbours' reminders (to bare addresses)."""
    return Message.objects.filter(
        subject_type=ContentType.objects.get_for_model(NeighbourAttendance),
        kind=NEIGHBOUR_REMINDER,
        recipient_user=None,
        recipient_relais=None,
    )


def neighbour_reminder_at(starts_on: datetime.date) -> datetime.datetime:
    """When a neighbour who asked for it is reminded of an event: 10:00 the day before."""
    eve = starts_on - datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(eve, datetime.time(NEIGHBOUR_REMINDER_HOUR)))


def neighbour_reminders_follow(
    initiative: Initiative, attendances: Iterable[NeighbourAttendance] | None = None
) -> None:
    """The neighbours' reminders follow the event: each one due at 10:00 the day
    before it while it is planned and that time is still ahead; cancelled
    otherwise (the event cancelled, or moved so close that the time has passed)."""
    if attendances is None:
        attendances = NeighbourAttendance.objects.filter(initiative=initiative).exclude(remind_to="")
    when = neighbour_reminder_at(initiative.starts_on)
    due = initiative.status == Initiative.Status.PREVUE and when > timezone.now()
    for attendance in attendances:
        if not attendance.remind_to:
            continue
        if due:
            # An event cancelled then planned again: its neighbours are reminded after all.
            neighbour_reminders().filter(subject_id=attendance.pk, state=Message.State.CANCELLED).update(
                state=Message.State.PENDING, queued_at=None
            )
            channel = Message.Channel.EMAIL if "@" in attendance.remind_to else Message.Channel.SMS
            outbox.message_schedule(
                organisation_id=initiative.organisation_id,
                recipient=outbox.Address(channel, attendance.remind_to),
                subject=attendance,
                kind=NEIGHBOUR_REMINDER,
                when=when,
            )
        else:
            outbox.message_cancel(subject=attendance, kinds=[NEIGHBOUR_REMINDER])


def neighbour_attendance_add(
    *, initiative: Initiative, name: str, household: int, remind_to: str = ""
) -> NeighbourAttendance:
    """A neighbour without an account says they will come to an initiative open
    to all (the public page's « Je viendrai »), and may leave an address (an
    e-mail, or a mobile number in E.164, as the form cleaned it) to be reminded
    once, at 10:00 the day before (too late for that: the address is not kept).
    The caller has checked that the initiative is shown to the public; the
    count feeds its report."""
    if neighbour_reminder_at(initiative.starts_on) <= timezone.now():
        remind_to = ""
    with transaction.atomic():
        attendance = NeighbourAttendance.objects.create(
            organisation_id=initiative.organisation_id,
            initiative=initiative,
            name=name.strip(),
            household=household,
            remind_to=remind_to.strip(),
        )
        neighbour_reminders_follow(initiative, [attendance])
    return attendance


def neighbour_attendance_remove(*, attendance: NeighbourAttendance) -> None:
    """A neighbour who will not come after all (they told the team): their row
    goes, and their reminder with it."""
    with transaction.atomic():
        outbox.message_cancel(subject=attendance, kinds=[NEIGHBOUR_REMINDER])
        # Nothing will be sent: the outbox's copy of the address goes with the row.
        neighbour_reminders().filter(subject_id=attendance.pk).update(address="")
        attendance.delete()


def initiative_report(
    *,
    initiative: Initiative,
    participants: int,
    children: int | None = None,
    adults: int | None = None,
    seniors: int | None = None,
    newcomers: int | None = None,
    went_well: str = "",
    went_badly: str = "",
    by: User | None = None,
    photo: ContentFile | None = None,
    caption: str = "",
    consent: bool = False,
) -> Initiative:
    """After the event: who came and what we learnt, and a photo (`consent`: the
    people recognisable on it agreed). The initiative is done."""
    if initiative.status == Initiative.Status.ANNULEE:
        raise ValidationError("Cette initiative est annulée.")
    split = [n for n in (children, adults, seniors) if n is not None]
    errors = {}
    if sum(split) > participants:
        errors["children"] = (
            f"Enfants, adultes et seniors font {sum(split)} personnes : plus que les {participants} participants."
        )
    if newcomers is not None and newcomers > participants:
        errors["newcomers"] = "Il ne peut pas y avoir plus de nouvelles têtes que de participants."
    if errors:
        raise ValidationError(errors)
    initiative.participants, initiative.children, initiative.adults = participants, children, adults
    initiative.seniors, initiative.newcomers = seniors, newcomers
    initiative.went_well, initiative.went_badly = went_well.strip(), went_badly.strip()
    was, initiative.status = initiative.status, Initiative.Status.REALISEE
    with transaction.atomic():
        initiative.save()
        _status_changed(initiative, was, by)
        if photo:
            photo_add(initiative=initiative, image=photo, by=by, caption=caption, consent=consent)
    return initiative


def initiative_tell(
    *,
    organisation: Organisation,
    by: User | None,
    relais: Relais | None,
    kind: InitiativeKind,
    title: str,
    starts_on: datetime.date,
    residence: Residence,
    description: str = "",
    **report,
) -> Initiative:
    """A relais tells about an event that already took place: the initiative is
    recorded as they organised it, then reported, as one write. It reaches staff
    as any initiative done (their catalogue, the bilan), created by the relais."""
    if starts_on > timezone.localdate():
        raise ValidationError({"starts_on": "Cette date est à venir : proposez plutôt l'initiative."})
    with transaction.atomic():
        initiative = initiative_save(
            organisation=organisation,
            by=by,
            kind=kind,
            title=title,
            starts_on=starts_on,
            description=description,
            residences=[residence],
            organisers=[relais] if relais else [],
            status=Initiative.Status.PREVUE,
        )
        return initiative_report(initiative=initiative, by=by, **report)


def photo_add(*, initiative: Initiative, image: ContentFile, by: User | None, caption: str = "", consent: bool = False):
    photo = InitiativePhoto(initiative=initiative, caption=caption.strip(), consent=consent, uploaded_by=by)
    photo.image.save(image.name, image, save=False)
    photo.save()
    return photo


STATUSES_SET_BY_HAND = (Initiative.Status.PREVUE, Initiative.Status.ANNULEE, Initiative.Status.IDEE)


def initiative_set_status(*, initiative: Initiative, status: str, by: User | None = None) -> Initiative:
    """Confirm an idea, cancel an initiative, or set it back to an idea (it is
    « réalisée » by its report)."""
    if status not in STATUSES_SET_BY_HAND:
        raise ValidationError("Statut inconnu.")
    with transaction.atomic():
        was, initiative.status = initiative.status, status
        initiative.save(update_fields=["status"])
        _status_changed(initiative, was, by)
        if was != status:
            neighbour_reminders_follow(initiative)
    return initiative


def _status_changed(initiative: Initiative, was: str, by: User | None) -> None:
    """One line of the initiative's history when its status moved (the bilan reads it)."""
    if was != initiative.status:
        InitiativeStatusChange.objects.create(
            initiative=initiative, from_status=was, to_status=initiative.status, at=timezone.now(), by=by
        )


def _tell_organisers(initiative: Initiative, subject, kind: str, by: User | None) -> None:
    for relais in initiative.organisers.all():
        outbox.message_schedule(
            organisation_id=initiative.organisation_id,
            recipient=relais,
            subject=subject,
            kind=kind,
            by=by,
            send_now=True,
        )


# Logistics


def equipment_stock_set(
    *, organisation: Organisation, name: str, quantity: int, today: datetime.date | None = None
) -> Equipment:
    """How many of an item there are to lend: a new item, or a new count for one
    of the same name (whatever its case). Never fewer than are lent on a day to
    come: ValidationError with those days and quantities."""
    with transaction.atomic():
        # The same lock as an approval's: no loan is approved while the count changes.
        item = Equipment.objects.select_for_update().filter(organisation=organisation, name__iexact=name).first()
        if item is None:
            return Equipment.objects.create(organisation=organisation, name=name, quantity=quantity)
        over = _lent_beyond(item, quantity, today or timezone.localdate())
        if over:
            raise ValidationError(
                {
                    "quantity": f"Le stock de « {item} » ne peut pas descendre à {quantity} : "
                    f"{' ; '.join(over)}. Réduisez ou refusez d'abord ces prêts, ou attendez leur retour."
                }
            )
        item.quantity = quantity
        item.save(update_fields=["quantity"])
    return item


def _lent_beyond(item: Equipment, quantity: int, today: datetime.date) -> list[str]:
    """The days from today on when approved loans of `item` exceed `quantity`,
    in runs of days with the same count: « 40 prêtés le 12 juin 2027 »."""
    lent = LogisticsLine.objects.filter(
        equipment=item, request__status=LogisticsRequest.Status.APPROUVEE, request__ends_on__gte=today
    ).values_list("request__starts_on", "request__ends_on", "granted")
    per_day: dict[datetime.date, int] = defaultdict(int)
    for starts_on, ends_on, granted in lent:
        for day in _days(max(starts_on, today), ends_on):
            per_day[day] += granted or 0
    runs: list[list] = []  # [first day, last day, count]
    for day in sorted(d for d, count in per_day.items() if count > quantity):
        if runs and runs[-1][1] + datetime.timedelta(days=1) == day and runs[-1][2] == per_day[day]:
            runs[-1][1] = day
        else:
            runs.append([day, day, per_day[day]])

    def when(first: datetime.date, last: datetime.date) -> str:
        if first == last:
            return f"le {formats.date_format(first, 'j F Y')}"
        start = "j" if (first.year, first.month) == (last.year, last.month) else "j F Y"
        return f"du {formats.date_format(first, start)} au {formats.date_format(last, 'j F Y')}"

    return [f"{count} déjà prêté{'s' if count > 1 else ''} {when(first, last)}" for first, last, count in runs]


def room_add(*, organisation: Organisation, name: str) -> Room:
    """A room to lend; one of the same name (whatever its case) is kept as it is."""
    with transaction.atomic():
        room = Room.objects.filter(organisation=organisation, name__iexact=name).first()
        return room or Room.objects.create(organisation=organisation, name=name)


def logistics_request(
    *,
    initiative: Initiative,
    by: User | None,
    starts_on: datetime.date,
    ends_on: datetime.date,
    lines: Iterable[tuple[Equipment, int]] = (),
    room: Room | None = None,
    room_starts_at: datetime.datetime | None = None,
    room_ends_at: datetime.datetime | None = None,
    note: str = "",
) -> LogisticsRequest:
    lines = [(equipment, quantity) for equipment, quantity in lines if quantity]
    errors = _same_org(initiative.organisation, lines=[e for e, _ in lines], room=room)
    if ends_on < starts_on:
        errors["ends_on"] = "La date de retour doit suivre la date de prêt."
    if not lines and room is None:
        errors["__all__"] = "Demandez au moins un matériel ou une salle."
    for equipment, quantity in lines:
        if quantity < 0 or quantity > equipment.quantity:
            errors[f"qty_{equipment.pk}"] = f"{equipment} : entre 1 et {equipment.quantity} (le stock)."
    if room is not None and not (room_starts_at and room_ends_at and room_ends_at > room_starts_at):
        errors["room_ends_at"] = "Indiquez l'heure de début et de fin de la réservation de la salle."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = LogisticsRequest.objects.create(
            initiative=initiative,
            starts_on=starts_on,
            ends_on=ends_on,
            room=room,
            room_starts_at=room_starts_at if room else None,
            room_ends_at=room_ends_at if room else None,
            note=note.strip(),
            requested_by=by,
        )
        LogisticsLine.objects.bulk_create(
            LogisticsLine(request=request, equipment=equipment, quantity=quantity) for equipment, quantity in lines
        )
        notify.tell_staff(
            organisation_id=initiative.organisation_id, subject=request, what="demandee", network=True, by=by
        )
    return request


def _days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def _check_stock(request: LogisticsRequest, granted: dict[int, int]) -> None:
    """Raise if lending `granted` (equipment id → quantity) would exceed the stock
    on any day, counting the requests already approved. Call with the equipment
    rows locked."""
    stock = {e.pk: e for e in Equipment.objects.filter(pk__in=granted)}
    lent = (
        LogisticsLine.objects.filter(
            equipment_id__in=granted,
            request__status=LogisticsRequest.Status.APPROUVEE,
            request__starts_on__lte=request.ends_on,
            request__ends_on__gte=request.starts_on,
        )
        .exclude(request=request)
        .values_list("equipment_id", "request__starts_on", "request__ends_on", "granted")
    )
    per_day: dict[tuple[int, datetime.date], int] = defaultdict(int)
    for equipment_id, starts_on, ends_on, quantity in lent:
        for day in _days(max(starts_on, request.starts_on), min(ends_on, request.ends_on)):
            per_day[equipment_id, day] += quantity or 0
    for equipment_id, quantity in granted.items():
        equipment = stock[equipment_id]
        for day in _days(request.starts_on, request.ends_on):
            already = per_day[equipment_id, day]
            if already + quantity > equipment.quantity:
                left = max(equipment.quantity - already, 0)
                raise ValidationError(
                    f"{equipment} : il en reste {left} sur {equipment.quantity} le "
                    f"{formats.date_format(day, 'j F Y')} ({already} déjà prêté{'s' if already > 1 else ''}). "
                    "Réduisez la quantité ou refusez."
                )


def _check_room(request: LogisticsRequest) -> None:
    clash = (
        LogisticsRequest.objects.filter(
            room_id=request.room_id,
            status=LogisticsRequest.Status.APPROUVEE,
            room_starts_at__lt=request.room_ends_at,
            room_ends_at__gt=request.room_starts_at,
        )
        .exclude(pk=request.pk)
        .select_related("initiative")
        .first()
    )
    if clash is not None:
        start = timezone.localtime(clash.room_starts_at)
        raise ValidationError(
            f"La salle « {request.room} » est déjà réservée le {formats.date_format(start, 'j F Y')} "
            f"à partir de {start:%H} h {start:%M} pour « {clash.initiative} »."
        )


def logistics_decide(
    *,
    request: LogisticsRequest,
    by: User | None,
    approve: bool,
    granted: dict[int, int] | None = None,
    reason: str = "",
) -> LogisticsRequest:
    """Approve (possibly adjusting the quantities) or refuse with a reason. The
    organisers are told once."""
    reason = reason.strip()
    with transaction.atomic():
        request = (
            LogisticsRequest.objects.select_for_update(of=("self",))
            .select_related("initiative", "room")
            .get(pk=request.pk)
        )
        if request.status != LogisticsRequest.Status.DEMANDEE:
            raise ValidationError("Cette demande a déjà reçu une réponse.")
        lines = list(request.lines.select_related("equipment"))
        if approve:
            granted = {line.equipment_id: (granted or {}).get(line.equipment_id, line.quantity) for line in lines}
            if any(q < 0 or q > line.quantity for line, q in zip(lines, granted.values(), strict=True)):
                raise ValidationError("On accorde au plus la quantité demandée.")
            granted = {k: v for k, v in granted.items() if v}
            if not granted and request.room_id is None:
                raise ValidationError("Rien n'est accordé : refusez plutôt la demande, en disant pourquoi.")
            # The lock that makes overbooking impossible: the stock rows (in a
            # fixed order, against deadlocks) and the room.
            list(Equipment.objects.select_for_update().filter(pk__in=granted).order_by("pk"))
            if request.room_id:
                list(Room.objects.select_for_update().filter(pk=request.room_id))
                _check_room(request)
            _check_stock(request, granted)
            for line in lines:
                line.granted = granted.get(line.equipment_id, 0)
            LogisticsLine.objects.bulk_update(lines, ["granted"])
            request.status = LogisticsRequest.Status.APPROUVEE
        else:
            if not reason:
                raise ValidationError({"reason": "Dites pourquoi la demande est refusée : les relais le liront."})
            request.status = LogisticsRequest.Status.REFUSEE
        request.decision_reason, request.decided_by, request.decided_at = reason, by, timezone.now()
        request.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
        _tell_organisers(request.initiative, request, "logistique", by)
    return request


# Small grants


def grant_request(
    *,
    initiative: Initiative,
    by: User | None,
    objectives: str,
    expected_participants: int,
    amount_requested: Decimal,
    budget: Iterable[tuple[str, Decimal]] = (),
) -> GrantRequest:
    budget = list(budget)
    errors = {}
    if not objectives.strip():
        errors["objectives"] = "Dites ce que vous voulez faire."
    if amount_requested <= 0:
        errors["amount_requested"] = "Le montant demandé doit être positif."
    if budget and sum(a for _, a in budget) < amount_requested:
        errors["budget"] = "Le budget total est inférieur au montant demandé."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        grant = GrantRequest.objects.create(
            initiative=initiative,
            objectives=objectives.strip(),
            expected_participants=expected_participants,
            amount_requested=amount_requested,
            requested_by=by,
        )
        BudgetLine.objects.bulk_create(BudgetLine(grant=grant, label=label, amount=amount) for label, amount in budget)
        notify.tell_staff(
            organisation_id=initiative.organisation_id, subject=grant, what="demandee", network=True, by=by
        )
    return grant


def grant_decide(
    *,
    grant: GrantRequest,
    by: User | None,
    granted: bool,
    decided_on: datetime.date,
    amount_granted: Decimal | None = None,
    conditions: str = "",
    refusal_reason: str = "",
) -> GrantRequest:
    """The committee's decision; the organisers are told once."""
    with transaction.atomic():
        grant = GrantRequest.objects.select_for_update(of=("self",)).select_related("initiative").get(pk=grant.pk)
        if grant.status != GrantRequest.Status.DEMANDEE:
            raise ValidationError("Le comité a déjà décidé pour cette demande.")
        if granted:
            if not amount_granted or amount_granted <= 0:
                raise ValidationError({"amount_granted": "Indiquez le montant accordé."})
            if amount_granted > grant.amount_requested:
                raise ValidationError({"amount_granted": "On ne peut pas accorder plus que le montant demandé."})
            grant.status, grant.amount_granted, grant.conditions = (
                GrantRequest.Status.ACCORDEE,
                amount_granted,
                conditions,
            )
        else:
            if not refusal_reason.strip():
                raise ValidationError({"refusal_reason": "Dites pourquoi le comité refuse : les relais le liront."})
            grant.status, grant.refusal_reason = GrantRequest.Status.REFUSEE, refusal_reason.strip()
        grant.decided_on, grant.decided_by = decided_on, by
        grant.save()
        _tell_organisers(grant.initiative, grant, "subvention", by)
    return grant


# What the messages say


def _render_decision(message: Message) -> outbox.Rendered | None:
    model = LogisticsRequest if message.kind == "logistique" else GrantRequest
    decision = model.objects.select_related("initiative__organisation").filter(pk=message.subject_id).first()
    if decision is None:
        return None
    lines = list(decision.lines.select_related("equipment")) if model is LogisticsRequest else []
    text = render_to_string(
        "emails/initiative_decision.txt",
        {"kind": message.kind, "decision": decision, "initiative": decision.initiative, "lines": lines},
    )
    subject, _, body = text.strip().partition("\n")
    return outbox.Rendered(subject=subject.strip(), body=body.strip() + "\n")


outbox.renderer("logistique")(_render_decision)
outbox.renderer("subvention")(_render_decision)


def organiser_minutes_set(*, initiative: Initiative, minutes: dict[int, int]) -> int:
    """The time each organiser gave to an initiative (engagement/), by relais id;
    someone who is not an organiser is ignored. Returns how many changed."""
    with transaction.atomic():
        rows = {o.relais_id: o for o in Organiser.objects.select_for_update().filter(initiative=initiative)}
        changed = []
        for relais_id, value in minutes.items():
            row = rows.get(relais_id)
            if row is not None and value is not None and row.minutes != value:
                row.minutes = value
                changed.append(row)
        Organiser.objects.bulk_update(changed, ["minutes"])
    return len(changed)
