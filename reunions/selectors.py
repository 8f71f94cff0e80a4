"""Reads for the meetings' pages, messages and documents. Each owns its
select_related/annotations, so that a page's query count does not grow with its
rows; lists are scoped to the user asking (`for_user`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import formats, timezone

from core.consents import contact_address
from core.french import plural
from core.models import Consent, Message, Organisation, User
from relais.models import Relais, RelaisResidence
from reunions.models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Decision,
    Invitee,
    Reunion,
    ReunionSettings,
    default_reminder_days,
)
from reunions.wording import message_label, when_text

# The list of meetings


def _meetings(user) -> QuerySet[Reunion]:
    return Reunion.objects.for_user(user).annotate(
        n_invited=Count("invitees", filter=Q(invitees__invited=True)),
        n_present=Count("invitees", filter=Q(invitees__answer=Invitee.Answer.PRESENT)),
        n_attended=Count("invitees", filter=Q(invitees__attended=True)),
        n_walk_ins=Count("invitees", filter=Q(invitees__invited=False)),
    )


def upcoming_meetings(user, *, now: datetime.datetime) -> QuerySet[Reunion]:
    return _meetings(user).filter(ends_at__gte=now).order_by("starts_at")


def past_meetings(user, *, now: datetime.datetime) -> QuerySet[Reunion]:
    return _meetings(user).filter(ends_at__lt=now).order_by("-starts_at")


# One meeting


def presences(user, reunion: Reunion) -> dict:
    """The invitees of a meeting, their answers and who came."""
    invitees = list(
        Invitee.objects.for_user(user)
        .filter(reunion=reunion)
        .select_related("relais", "user")
        .order_by("relais__last_name", "user__last_name")
    )
    answers = {value: sum(1 for i in invitees if i.answer == value) for value, _ in Invitee.Answer.choices}
    return {
        "reunion": reunion,
        "invitees": invitees,
        "answers": answers,
        "unanswered": sum(1 for i in invitees if i.invited and not i.answer),
        "present": sum(1 for i in invitees if i.attended),
        "invited": sum(1 for i in invitees if i.invited),
        "walk_ins": sum(1 for i in invitees if not i.invited),
        # What makes sense now: inviting before the end, ticking from the day on.
        "can_invite": reunion.status == Reunion.Status.PREVUE and not reunion.is_over(),
        "attendance_open": reunion.status != Reunion.Status.ANNULEE and reunion.attendance_open(),
    }


def sending(user, reunion: Reunion) -> dict:
    """What became of the messages about a meeting: how many went out or wait,
    and the failures staff must see (a mail server down, a wrong address)."""
    rows = Message.objects.for_user(user).filter(
        subject_type=ContentType.objects.get_for_model(Reunion), subject_id=reunion.pk
    )
    return {
        "sent": rows.aggregate(
            sent=Count("pk", filter=Q(state=Message.State.SENT)),
            pending=Count("pk", filter=Q(state=Message.State.PENDING)),
        ),
        "failures": [
            (m, message_label(m.kind))
            for m in rows.filter(
                Q(state=Message.State.FAILED) | Q(state=Message.State.PENDING, attempts__gt=0)
            ).select_related("recipient_relais", "recipient_user")[:50]
        ],
    }


def open_actions_of(reunion: Reunion) -> QuerySet[ActionItem]:
    """The actions still open that a meeting decided or followed up."""
    followed = AgendaItem.objects.filter(reunion=reunion, action__isnull=False).values("action_id")
    return ActionItem.objects.filter(
        Q(reunion=reunion) | Q(pk__in=followed), status=ActionItem.Status.OUVERTE
    ).select_related("owner_relais", "owner_user")


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


@dataclass
class Channels:
    """Who an invitation reaches, by channel: e-mail (with the .ics), SMS, or a
    letter staff print and hand over (no message is sent to them)."""

    email: list = field(default_factory=list)
    sms: list = field(default_factory=list)
    paper: list = field(default_factory=list)
    already: int = 0

    @property
    def total(self) -> int:
        return len(self.email) + len(self.sms) + len(self.paper)

    def text(self, *, sent: bool = False) -> str:
        """« 17 personnes invitées : 12 par e-mail, 3 par SMS, 2 sur papier (…) »."""
        parts = [
            plural(len(self.email), "par e-mail", "par e-mail") if self.email else "",
            plural(len(self.sms), "par SMS", "par SMS") if self.sms else "",
            f"{len(self.paper)} sur papier (rien ne leur est envoyé : invitation à imprimer et remettre)"
            if self.paper
            else "",
        ]
        noun = ("personne invitée", "personnes invitées") if sent else ("personne à inviter", "personnes à inviter")
        head = plural(self.total, *noun)
        detail = ", ".join(p for p in parts if p)
        already = ""
        if self.already:
            already = f" ({plural(self.already, 'personne déjà invitée', 'personnes déjà invitées')} : rien de plus)"
        return f"{head} : {detail}.{already}" if detail else f"{head}.{already}"


def _consents_of(relais: list[Relais]) -> dict[int, set[str]]:
    """The consents in force of each relais, in one query."""
    scopes: dict[int, set[str]] = {}
    rows = Consent.objects.filter(relais__in=relais, withdrawn_on=None).values_list("relais_id", "scope")
    for relais_id, scope in rows:
        scopes.setdefault(relais_id, set()).add(scope)
    return scopes


def invitation_channels(reunion: Reunion, *, relais: list[Relais], users: list[User]) -> Channels:
    """How each person not yet invited will be reached (two queries: those
    already invited, and the consents of the relais chosen)."""
    already = set(Invitee.objects.filter(reunion=reunion).values_list("relais_id", "user_id"))
    scopes = _consents_of(relais)
    channels = Channels()
    for person in relais:
        if (person.pk, None) in already:
            channels.already += 1
            continue
        address = contact_address(person, scopes.get(person.pk, set()))
        {"email": channels.email, "sms": channels.sms}.get(address[0] if address else "", channels.paper).append(person)
    for person in users:
        if (None, person.pk) in already:
            channels.already += 1
        else:
            channels.email.append(person)
    return channels


def paper_invitees(user, reunion: Reunion) -> list[Invitee]:
    """The invitees no message reaches (paper, or no consent): their letters to print."""
    invitees = (
        Invitee.objects.for_user(user)
        .filter(reunion=reunion, invited=True, relais__isnull=False)
        .select_related("relais")
        .prefetch_related(
            Prefetch("relais__relais_links", queryset=RelaisResidence.objects.select_related("residence"))
        )
    )
    relais = [i.relais for i in invitees]
    scopes = _consents_of(relais)
    return [i for i in invitees if contact_address(i.relais, scopes.get(i.relais_id, set())) is None]


def attendance_rows(user, reunion: Reunion) -> list[dict]:
    """The lines of the feuille d'émargement: each invitee and their residences, by name."""
    invitees = (
        Invitee.objects.for_user(user)
        .filter(reunion=reunion)
        .select_related("relais", "user")
        .prefetch_related(
            Prefetch("relais__relais_links", queryset=RelaisResidence.objects.select_related("residence"))
        )
    )
    return sorted(
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


# Reminders and the weekly digest


def reminder_days(organisation_id: int) -> list[int]:
    """How many days before a meeting its reminders go out (J-7 and J-1 unless
    the organisation chose otherwise)."""
    chosen = ReunionSettings.objects.filter(organisation_id=organisation_id).first()
    return sorted(chosen.reminder_days if chosen else default_reminder_days(), reverse=True)


def reminder_days_of(user, organisation_id: int) -> list[int]:
    """The reminder offsets shown on the settings page."""
    current = ReunionSettings.objects.for_user(user).first()
    return current.reminder_days if current else reminder_days(organisation_id)


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


# The relais' own meetings, and calendars


def open_invitations(user) -> QuerySet[Invitee]:
    """A relais' invitations to meetings not over yet."""
    return Invitee.objects.for_user(user).filter(relais__user=user, reunion__ends_at__gte=timezone.now())


def my_reunions(user) -> list[tuple[Invitee, str]]:
    """The relais' next twenty invitations, each with its time in words."""
    rows = open_invitations(user).select_related("reunion__residence").order_by("reunion__starts_at")[:20]
    return [(i, when_text(i.reunion)) for i in rows]


def calendar_feed_of(user) -> CalendarFeed | None:
    return CalendarFeed.objects.for_user(user).filter(user=user).first()


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The feed a secret address opens (the address is the door)."""
    return CalendarFeed.objects.select_related("user", "organisation").filter(token=token).first()


def feed_reunions(user, *, since: datetime.datetime) -> QuerySet[Reunion]:
    """What a calendar feed lists: what its owner may see, through the same scoping as the pages."""
    return (
        Reunion.objects.for_user(user)
        .filter(ends_at__gte=since)
        .select_related("organisation", "residence")
        .order_by("starts_at")[:500]
    )
