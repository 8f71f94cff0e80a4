"""Writes of the meetings app: named, keyword-only, one transaction each.

Every message about a meeting goes through the outbox (relais.outbox), one row
per (person, meeting, kind): the convocation, the J-7 and J-1 reminders, a
change, a cancellation. The rows are rendered when sent, so a reminder always
shows the meeting as it is then.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone

from relais import outbox
from relais.models import Message, Organisation, Relais, RelaisResidence, Residence, User
from reunions.ics import reunion_ics
from reunions.models import Invitee, Reunion, ReunionSeries

REMINDERS = {"rappel_j7": datetime.timedelta(days=7), "rappel_j1": datetime.timedelta(days=1)}
RSVP_SALT = "reunions.rsvp"


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
    return Reunion.objects.create(
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


def _schedule_reminders(reunion: Reunion, people: list[Relais | User], now: datetime.datetime) -> None:
    for kind, before in REMINDERS.items():
        when = reunion.starts_at - before
        for person in people:
            if when > now:
                outbox.message_schedule(
                    organisation_id=reunion.organisation_id, recipient=person, subject=reunion, kind=kind, when=when
                )
    # Reminders whose time has passed (the meeting was moved closer) are not sent late.
    late = [kind for kind, before in REMINDERS.items() if reunion.starts_at - before <= now]
    if late:
        outbox.message_cancel(subject=reunion, kinds=late)


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


def rsvp_token(invitee: Invitee) -> str:
    return signing.dumps(invitee.pk, salt=RSVP_SALT)


def rsvp_url(invitee: Invitee) -> str:
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


# What the messages say


def when_text(reunion: Reunion) -> str:
    start = timezone.localtime(reunion.starts_at)
    end = timezone.localtime(reunion.ends_at)
    # French typography: « mardi 3 mars 2026, de 18 h 30 à 20 h 00 ».
    return f"{formats.date_format(start, 'l j F Y')}, de {start:%H} h {start:%M} à {end:%H} h {end:%M}"


def _render(message: Message, template_kind: str) -> outbox.Rendered | None:
    reunion = Reunion.objects.select_related("organisation", "residence").filter(pk=message.subject_id).first()
    if reunion is None:
        return None
    cancelled = reunion.status == Reunion.Status.ANNULEE
    if cancelled != (template_kind == "annulation"):
        return None  # a reminder of a cancelled meeting, or a stale cancellation
    invitee = Invitee.objects.filter(
        reunion=reunion, relais_id=message.recipient_relais_id, user_id=message.recipient_user_id
    ).first()
    if invitee is None:
        return None
    text = render_to_string(
        "emails/reunion.txt",
        {
            "kind": template_kind,
            "reunion": reunion,
            "when": when_text(reunion),
            "rsvp": rsvp_url(invitee) if not cancelled else "",
            "sms": message.channel == Message.Channel.SMS,
        },
    )
    subject, _, body = text.strip().partition("\n")
    method = "CANCEL" if cancelled else "REQUEST"
    ics = (
        []
        if message.channel == Message.Channel.SMS
        else [("reunion.ics", reunion_ics(reunion, method=method), "text/calendar")]
    )
    return outbox.Rendered(subject=subject.strip(), body=body.strip() + "\n", attachments=ics)


for _kind in ("convocation", "rappel_j7", "rappel_j1", "modification", "annulation"):
    outbox.renderer(_kind)(lambda message, _kind=_kind: _render(message, _kind))


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
