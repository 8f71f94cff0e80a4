"""Writes of the meetings app: named, keyword-only, one transaction each.

Every message about a meeting goes through the outbox (core.outbox), one row
per (person, meeting, kind): the convocation, the J-7 and J-1 reminders, a
change, a cancellation. The rows are rendered when sent, so a reminder always
shows the meeting as it is then.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone

from core import outbox
from core.models import Message, Organisation, User
from relais.models import Relais, RelaisResidence, Residence
from reunions.ics import reunion_ics
from reunions.models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Decision,
    Invitee,
    Reunion,
    ReunionSeries,
    ReunionSettings,
    default_reminder_days,
)

RSVP_SALT = "reunions.rsvp"
MINUTES_SALT = "reunions.minutes"


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


def open_actions_of(reunion: Reunion):
    """The actions still open that a meeting decided or followed up."""
    followed = AgendaItem.objects.filter(reunion=reunion, action__isnull=False).values("action_id")
    return ActionItem.objects.filter(
        Q(reunion=reunion) | Q(pk__in=followed), status=ActionItem.Status.OUVERTE
    ).select_related("owner_relais", "owner_user")


def _carry_over(previous: Reunion, reunion: Reunion) -> None:
    """Suivi des actions: every action still open goes onto the next agenda."""
    AgendaItem.objects.bulk_create(
        AgendaItem(
            reunion=reunion,
            position=position,
            title=f"Suivi : {action.title} ({action.owner}, échéance {formats.date_format(action.due_on, 'j F Y')})",
            action=action,
        )
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


def _people(reunion: Reunion) -> list[Relais | User]:
    invitees = Invitee.objects.filter(reunion=reunion, invited=True).select_related("relais", "user")
    return [i.person for i in invitees]


def _tell(reunion: Reunion, people: list[Relais | User], *, kind: str, by: User | None) -> None:
    """Send each person one message about the meeting now (after the commit)."""
    for person in people:
        outbox.message_schedule(
            organisation_id=reunion.organisation_id, recipient=person, subject=reunion, kind=kind, by=by, send_now=True
        )


def reminder_days(organisation_id: int) -> list[int]:
    """How many days before a meeting its reminders go out (J-7 and J-1 unless
    the organisation chose otherwise)."""
    chosen = ReunionSettings.objects.filter(organisation_id=organisation_id).first()
    return sorted(chosen.reminder_days if chosen else default_reminder_days(), reverse=True)


def _schedule_reminders(reunion: Reunion, people: list[Relais | User], now: datetime.datetime) -> None:
    wanted = {
        f"rappel-j{days}": when
        for days in reminder_days(reunion.organisation_id)
        if (when := reunion.starts_at - datetime.timedelta(days=days)) > now
    }
    for kind, when in wanted.items():
        for person in people:
            outbox.message_schedule(
                organisation_id=reunion.organisation_id, recipient=person, subject=reunion, kind=kind, when=when
            )
    # Reminders whose time has passed (the meeting was moved closer) or whose
    # offset is no longer chosen are not sent.
    pending = set(
        Message.objects.filter(
            subject_type=ContentType.objects.get_for_model(Reunion),
            subject_id=reunion.pk,
            kind__startswith="rappel-",
            state=Message.State.PENDING,
        ).values_list("kind", flat=True)
    )
    if stale := sorted(pending - wanted.keys()):
        outbox.message_cancel(subject=reunion, kinds=stale)


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
            _schedule_reminders(reunion, _people(reunion), now)
    return days


def invitations_send(
    *, reunion: Reunion, by: User | None, relais: Iterable[Relais] = (), users: Iterable[User] = ()
) -> int:
    """Invite people (once each) and schedule their convocation and reminders."""
    relais, users = list(relais), list(users)
    if reunion.status != Reunion.Status.PREVUE:
        raise ValidationError("On n'invite qu'à une réunion prévue.")
    if not relais and not users:
        raise ValidationError("Choisissez au moins une personne à inviter.")
    if any(r.organisation_id != reunion.organisation_id for r in relais):
        raise ValidationError("Un relais choisi n'appartient pas à votre organisation.")
    now = timezone.now()
    with transaction.atomic():
        already = set(Invitee.objects.filter(reunion=reunion).values_list("relais_id", "user_id"))
        new = [Invitee(reunion=reunion, relais=r) for r in relais if (r.pk, None) not in already]
        new += [Invitee(reunion=reunion, user=u) for u in users if (None, u.pk) not in already]
        Invitee.objects.bulk_create(new)
        people = [i.person for i in new]
        _tell(reunion, people, kind="convocation", by=by)
        _schedule_reminders(reunion, people, now)
    return len(new)


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
        people = _people(reunion)
        _schedule_reminders(reunion, people, timezone.now())
        _tell(reunion, people, kind=f"modification-{reunion.sequence}", by=by)
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
        _tell(reunion, _people(reunion), kind="annulation", by=by)
    return reunion


# Answers and attendance


def rsvp_token(invitee: Invitee | int) -> str:
    return signing.dumps(getattr(invitee, "pk", invitee), salt=RSVP_SALT)


def rsvp_url(invitee: Invitee | int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("reunions:rsvp", kwargs={"token": rsvp_token(invitee)})


def invitee_from_token(token: str) -> Invitee:
    """The invitee a link was made for; ValidationError (in French) when the link
    was forged, altered, or the meeting is over."""
    try:
        pk = signing.loads(token, salt=RSVP_SALT)
    except signing.BadSignature:
        raise ValidationError("Ce lien n'est pas valide : il a peut-être été mal copié.") from None
    invitee = Invitee.objects.select_related("reunion__organisation", "relais", "user").filter(pk=pk).first()
    if invitee is None:
        raise ValidationError("Cette invitation n'existe plus.")
    if invitee.reunion.ends_at <= timezone.now():
        raise ValidationError("Cette réunion est passée : le lien de réponse a expiré.")
    return invitee


def answer_set(*, invitee: Invitee, answer: str) -> Invitee:
    if answer not in (Invitee.Answer.PRESENT, Invitee.Answer.ABSENT, Invitee.Answer.PEUT_ETRE):
        raise ValidationError("Répondez présent, absent ou peut-être.")
    if invitee.reunion.status == Reunion.Status.ANNULEE:
        raise ValidationError("Cette réunion est annulée.")
    invitee.answer = answer
    invitee.answered_at = timezone.now()
    invitee.save(update_fields=["answer", "answered_at"])
    return invitee


def attendance_set(*, invitee: Invitee, attended: bool) -> Invitee:
    invitee.attended = attended
    invitee.save(update_fields=["attended"])
    return invitee


def participant_add(*, reunion: Reunion, relais: Relais | None = None, user: User | None = None) -> Invitee:
    """Someone who came without an invitation, ticked present on the day."""
    if (relais is None) == (user is None):
        raise ValidationError("Choisissez la personne présente.")
    if relais is not None and relais.organisation_id != reunion.organisation_id:
        raise ValidationError("Ce relais n'appartient pas à votre organisation.")
    invitee, _ = Invitee.objects.get_or_create(
        reunion=reunion, relais=relais, user=user, defaults={"invited": False, "attended": True}
    )
    if not invitee.attended:
        attendance_set(invitee=invitee, attended=True)
    return invitee


# During and after: agenda, minutes, decisions, actions


def _lines(text: str) -> list[str]:
    return [line.strip(" -•\t")[:300] for line in text.splitlines() if line.strip(" -•\t")]


def minutes_save(*, reunion: Reunion, agenda: str, minutes: str, decisions: str) -> Reunion:
    """Save the agenda (one point per line), the minutes and the decisions (one
    per line). Carried-over actions stay on the agenda whatever is typed."""
    if reunion.status == Reunion.Status.ANNULEE:
        raise ValidationError("Cette réunion est annulée : son compte-rendu ne peut plus changer.")
    with transaction.atomic():
        reunion.minutes = minutes.strip()
        reunion.save(update_fields=["minutes"])
        AgendaItem.objects.filter(reunion=reunion, action__isnull=True).delete()
        first = AgendaItem.objects.filter(reunion=reunion).count()
        AgendaItem.objects.bulk_create(
            AgendaItem(reunion=reunion, position=first + n, title=line) for n, line in enumerate(_lines(agenda))
        )
        Decision.objects.filter(reunion=reunion).delete()
        Decision.objects.bulk_create(
            Decision(reunion=reunion, position=n, text=line) for n, line in enumerate(_lines(decisions))
        )
    return reunion


def _is_member(user: User, organisation_id: int) -> bool:
    from core.models import Membership

    return Membership.objects.filter(
        user=user, organisation_id=organisation_id, role__in=("admin", "staff", "partenaire")
    ).exists()


def action_add(
    *, reunion: Reunion, by: User | None, title: str, owner: Relais | User, due_on: datetime.date
) -> ActionItem:
    """An action item, and its two reminders to the owner: three days before the
    due date, and the day after it if it is still open."""
    if reunion.status == Reunion.Status.ANNULEE:
        raise ValidationError("Cette réunion est annulée.")
    if not title.strip():
        raise ValidationError({"title": "Décrivez l'action à mener."})
    if isinstance(owner, Relais):
        if owner.organisation_id != reunion.organisation_id:
            raise ValidationError({"owner": "Ce relais n'appartient pas à votre organisation."})
    elif not _is_member(owner, reunion.organisation_id):
        raise ValidationError({"owner": "Cette personne ne fait pas partie de votre organisation."})
    with transaction.atomic():
        action = ActionItem.objects.create(
            reunion=reunion,
            title=title.strip(),
            owner_relais=owner if isinstance(owner, Relais) else None,
            owner_user=owner if isinstance(owner, User) else None,
            due_on=due_on,
            created_by=by,
        )
        for kind, day in (
            ("action-j3", due_on - datetime.timedelta(days=3)),
            ("action-retard", due_on + datetime.timedelta(days=1)),
        ):
            when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
            if when > timezone.now():
                outbox.message_schedule(
                    organisation_id=reunion.organisation_id, recipient=owner, subject=action, kind=kind, when=when
                )
    return action


def action_set_status(*, action: ActionItem, status: str) -> ActionItem:
    if status not in ActionItem.Status.values:
        raise ValidationError("Statut d'action inconnu.")
    with transaction.atomic():
        action.status = status
        action.closed_on = None if status == ActionItem.Status.OUVERTE else timezone.localdate()
        action.save(update_fields=["status", "closed_on"])
        if status != ActionItem.Status.OUVERTE:
            outbox.message_cancel(subject=action)
    return action


def minutes_publish(*, reunion: Reunion, by: User | None) -> int:
    """Publish the minutes: the meeting is held, and everyone on its list gets
    the link once (publishing again after a correction sends nothing new)."""
    with transaction.atomic():
        reunion = Reunion.objects.select_for_update().get(pk=reunion.pk)
        if reunion.status == Reunion.Status.ANNULEE:
            raise ValidationError("Cette réunion est annulée.")
        if reunion.starts_at > timezone.now():
            raise ValidationError("La réunion n'a pas encore eu lieu.")
        if not reunion.minutes.strip():
            raise ValidationError("Écrivez le compte-rendu avant de le publier.")
        reunion.status = Reunion.Status.TENUE
        reunion.minutes_published_at = reunion.minutes_published_at or timezone.now()
        reunion.save(update_fields=["status", "minutes_published_at"])
        people = [
            i.person
            for i in Invitee.objects.filter(reunion=reunion)
            .filter(Q(invited=True) | Q(attended=True))
            .select_related("relais", "user")
        ]
        _tell(reunion, people, kind="compte_rendu", by=by)
    return len(people)


def calendar_feed_renew(*, user: User, organisation: Organisation) -> CalendarFeed:
    """A new secret address for the user's calendar; the old one stops working."""
    feed, _ = CalendarFeed.objects.update_or_create(
        user=user, organisation=organisation, defaults={"token": secrets.token_urlsafe(32)}
    )
    return feed


def minutes_token(invitee: Invitee | int) -> str:
    return signing.dumps(getattr(invitee, "pk", invitee), salt=MINUTES_SALT)


def invitee_from_minutes_token(token: str) -> Invitee:
    try:
        pk = signing.loads(token, salt=MINUTES_SALT)
    except signing.BadSignature:
        raise ValidationError("Ce lien n'est pas valide : il a peut-être été mal copié.") from None
    invitee = Invitee.objects.select_related("reunion__organisation").filter(pk=pk).first()
    if invitee is None or invitee.reunion.minutes_published_at is None:
        raise ValidationError("Ce compte-rendu n'est pas disponible.")
    return invitee


def minutes_context(reunion: Reunion) -> dict:
    """What a published compte-rendu shows (three queries whatever its length)."""
    agenda = list(AgendaItem.objects.filter(reunion=reunion).select_related("action"))
    return {
        "reunion": reunion,
        "when": when_text(reunion),
        "agenda": agenda,
        "followups": [item for item in agenda if item.action_id],
        "decisions": list(Decision.objects.filter(reunion=reunion)),
        "actions": list(
            ActionItem.objects.filter(reunion=reunion).select_related("owner_relais", "owner_user").order_by("due_on")
        ),
    }


# What the messages say


def message_label(kind: str) -> str:
    """A message's kind as staff read it: « rappel-j7 » → « Rappel J-7 »."""
    prefix, _, detail = kind.partition("-")
    if prefix == "rappel":
        return f"Rappel J-{detail[1:]}"
    return {
        "convocation": "Invitation",
        "modification": "Changement d'horaire",
        "annulation": "Annulation",
        "compte_rendu": "Compte-rendu",
    }.get(prefix, kind)


def when_text(reunion: Reunion) -> str:
    start = timezone.localtime(reunion.starts_at)
    end = timezone.localtime(reunion.ends_at)
    # French typography: « mardi 3 mars 2026, de 18 h 30 à 20 h 00 », with
    # non-breaking spaces so that a time never splits across two lines.
    nb = "\u00a0"
    return f"{formats.date_format(start, 'l j F Y')}, de {start:%H}{nb}h{nb}{start:%M} à {end:%H}{nb}h{nb}{end:%M}"


def _invitee_pk(message: Message, reunion: Reunion) -> int | None:
    """The recipient's invitee id. In a worker's batch, one query finds those of
    every message of the batch about this meeting."""

    def of_batch() -> dict[tuple, int]:
        recipients = Message.objects.filter(
            pk__in=outbox.batch_ids(), subject_type=message.subject_type_id, subject_id=reunion.pk
        ).values_list("recipient_relais_id", "recipient_user_id")
        relais_ids = [r for r, _ in recipients if r]
        user_ids = [u for _, u in recipients if u]
        rows = Invitee.objects.filter(
            Q(relais_id__in=relais_ids) | Q(user_id__in=user_ids), reunion=reunion
        ).values_list("relais_id", "user_id", "pk")
        return {(r, u): pk for r, u, pk in rows}

    key = (message.recipient_relais_id, message.recipient_user_id)
    found = outbox.memo(("invitees", reunion.pk), of_batch).get(key) if outbox.batch_ids() else None
    if found is None:  # outside a batch, or not invited (any more)
        found = (
            Invitee.objects.filter(reunion=reunion, relais_id=key[0], user_id=key[1])
            .values_list("pk", flat=True)
            .first()
        )
    return found


def _rendered(template: str, context: dict, attachments=()) -> outbox.Rendered:
    subject, _, body = render_to_string(template, context).strip().partition("\n")
    return outbox.Rendered(subject=subject.strip(), body=body.strip() + "\n", attachments=list(attachments))


def _reunion_and_ics(pk: int) -> tuple[Reunion | None, bytes]:
    reunion = Reunion.objects.select_related("organisation", "residence").filter(pk=pk).first()
    if reunion is None:
        return None, b""
    return reunion, reunion_ics(reunion, method="CANCEL" if reunion.status == Reunion.Status.ANNULEE else "REQUEST")


def _render_meeting(message: Message) -> outbox.Rendered | None:
    """Convocation, reminders (rappel-j7…), change, cancellation."""
    kind, _, detail = message.kind.partition("-")
    reunion, ics = outbox.memo(("reunion", message.subject_id), lambda: _reunion_and_ics(message.subject_id))
    if reunion is None:
        return None
    cancelled = reunion.status == Reunion.Status.ANNULEE
    if cancelled != (kind == "annulation"):
        return None  # a reminder of a cancelled meeting, or a stale cancellation
    invitee = _invitee_pk(message, reunion)
    if invitee is None:
        return None
    sms = message.channel == Message.Channel.SMS
    context = {
        "kind": kind,
        "days": int(detail[1:]) if kind == "rappel" else None,
        "reunion": reunion,
        "when": when_text(reunion),
        "rsvp": rsvp_url(invitee) if not cancelled else "",
        "sms": sms,
    }
    return _rendered("emails/reunion.txt", context, [] if sms else [("reunion.ics", ics, "text/calendar")])


def _render_minutes(message: Message) -> outbox.Rendered | None:
    reunion = Reunion.objects.select_related("organisation").filter(pk=message.subject_id).first()
    if reunion is None or reunion.minutes_published_at is None:
        return None
    invitee = _invitee_pk(message, reunion)
    if invitee is None:
        return None
    url = settings.SITE_URL.rstrip("/") + reverse(
        "reunions:minutes_public", kwargs={"minutes_token": minutes_token(invitee)}
    )
    return _rendered("emails/compte_rendu.txt", {"reunion": reunion, "when": when_text(reunion), "url": url})


def _render_action(message: Message) -> outbox.Rendered | None:
    action = (
        ActionItem.objects.select_related("reunion__organisation")
        .filter(pk=message.subject_id, status=ActionItem.Status.OUVERTE)
        .first()
    )
    if action is None:
        return None  # done or abandoned since: nothing to remind
    return _rendered(
        "emails/action.txt",
        {
            "action": action,
            "late": message.kind.endswith("retard"),
            "due": formats.date_format(action.due_on, "l j F Y"),
            "organisation": action.reunion.organisation,
        },
    )


def digest_schedule(*, now: datetime.datetime | None = None) -> int:
    """The weekly digest: one message per staff member and organisation per ISO
    week (a second run of the task sends nothing more)."""
    from core.models import Membership

    now = now or timezone.now()
    year, week, _ = timezone.localdate(now).isocalendar()
    members = Membership.objects.filter(role__in=("admin", "staff")).select_related("user", "organisation")
    count = 0
    with transaction.atomic():
        for member in members:
            if outbox.message_schedule(
                organisation_id=member.organisation_id,
                recipient=member.user,
                subject=member.organisation,
                kind=f"digest-{year}-W{week:02d}",
                when=now,
            ):
                count += 1
    return count


def digest_context(organisation: Organisation, today: datetime.date) -> dict:
    """Unanswered invitations to the next fortnight's meetings, overdue actions."""
    soon = Reunion.objects.filter(
        organisation=organisation,
        status=Reunion.Status.PREVUE,
        starts_at__date__gte=today,
        starts_at__date__lte=today + datetime.timedelta(days=14),
    ).annotate(unanswered=Count("invitees", filter=Q(invitees__invited=True, invitees__answer="")))
    overdue = ActionItem.objects.filter(
        reunion__organisation=organisation, status=ActionItem.Status.OUVERTE, due_on__lt=today
    ).select_related("owner_relais", "owner_user", "reunion")
    return {
        "organisation": organisation,
        "meetings": [(r, when_text(r)) for r in soon if r.unanswered],
        "overdue": [(a, formats.date_format(a.due_on, "j F Y")) for a in overdue],
        "site": settings.SITE_URL.rstrip("/"),
    }


def _render_digest(message: Message) -> outbox.Rendered | None:
    organisation = Organisation.objects.filter(pk=message.subject_id).first()
    if organisation is None:
        return None
    context = digest_context(organisation, timezone.localdate())
    if not context["meetings"] and not context["overdue"]:
        return None  # nothing to report: no mail
    return _rendered("emails/digest.txt", context)


outbox.renderer("digest")(_render_digest)
for _kind in ("convocation", "rappel", "modification", "annulation"):
    outbox.renderer(_kind)(_render_meeting)
outbox.renderer("compte_rendu")(_render_minutes)
outbox.renderer("action")(_render_action)


def invitation_candidates(
    *, user, all_active: bool = False, quartiers=(), residences=(), relais=(), members=()
) -> tuple[list[Relais], list[User]]:
    """Who a selection designates, shown before anything is sent."""
    active = Relais.objects.for_user(user).filter(status=Relais.Status.ACTIF)
    if all_active:
        chosen = active
    else:
        condition = Q(pk__in=[r.pk for r in relais])
        if quartiers:
            condition |= Q(pk__in=active.filter(relais_links__residence__quartier__in=quartiers).values("pk"))
        if residences:
            condition |= Q(pk__in=active.filter(relais_links__residence__in=residences).values("pk"))
        chosen = Relais.objects.for_user(user).filter(condition)
    users = [m.user for m in members]
    return list(chosen.order_by("last_name", "first_name")), users


def attendance_sheet_pdf(*, reunion: Reunion, user) -> bytes:
    # WeasyPrint is imported here: it is slow to import and only this needs it.
    from weasyprint import HTML

    invitees = (
        Invitee.objects.for_user(user)
        .filter(reunion=reunion)
        .select_related("relais", "user")
        .prefetch_related(
            Prefetch("relais__relais_links", queryset=RelaisResidence.objects.select_related("residence"))
        )
    )
    rows = sorted(
        (
            {
                "last_name": (i.relais or i.user).last_name,
                "first_name": (i.relais or i.user).first_name,
                "residence": ", ".join(link.residence.name for link in i.relais.relais_links.all()) if i.relais else "",
            }
            for i in invitees
        ),
        key=lambda row: (row["last_name"].lower(), row["first_name"].lower()),
    )
    html = render_to_string(
        "reunions/emargement.html",
        {"reunion": reunion, "when": when_text(reunion), "rows": rows, "blanks": range(8)},
    )
    return HTML(string=html).write_pdf()
