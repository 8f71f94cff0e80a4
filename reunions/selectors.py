"""Reads for the meetings' pages, messages and documents. Each owns its
select_related/annotations, so that a page's query count does not grow with its
rows; lists are scoped to the user asking (`for_user`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone

from core.consents import contact_address
from core.french import plural
from core.models import Consent, Membership, Message, User
from core.waiting import Waiting, WaitingGroup, first_rows
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


def meetings_export(user) -> QuerySet[Reunion]:
    """Every meeting, newest first, with its invitations, answers and attendance (ticked or not)."""
    return (
        _meetings(user)
        .annotate(
            n_attended=Count("invitees", filter=Q(invitees__attended=True)),
            n_ticked=Count("invitees", filter=Q(invitees__attended__isnull=False)),
        )
        .order_by("-starts_at", "-pk")
    )


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
                Q(state__in=(Message.State.FAILED, Message.State.UNCERTAIN))
                | Q(state=Message.State.PENDING, attempts__gt=0)
            ).select_related("recipient_relais", "recipient_user")[:50]
        ],
    }


def open_actions_of(reunion: Reunion) -> QuerySet[ActionItem]:
    """The actions still open that a meeting decided or followed up."""
    followed = AgendaItem.objects.filter(reunion=reunion, action__isnull=False).values("action_id")
    return ActionItem.objects.filter(
        Q(reunion=reunion) | Q(pk__in=followed), status=ActionItem.Status.OUVERTE
    ).select_related("owner_relais", "owner_user")


def minutes_context(reunion: Reunion, *, reader: Invitee | None = None) -> dict:
    """What a compte-rendu shows (a handful of queries whatever its length).

    `reader`: the invitee reading the published page through their link. Each
    action's owner is then named as the consents allow (`owner_label`): a
    relais who did not consent to be presented (« annuaire ») is « un·e relais
    de <résidence> » to partners and to other relais; staff, and the relais
    themselves, see the name. Without a reader (staff's own pages): names."""
    agenda = list(
        AgendaItem.objects.filter(reunion=reunion).select_related("action__owner_relais", "action__owner_user")
    )
    actions = list(
        ActionItem.objects.filter(reunion=reunion).select_related("owner_relais", "owner_user").order_by("due_on")
    )
    _label_owners([*actions, *(item.action for item in agenda if item.action_id)], reunion, reader)
    return {
        "reunion": reunion,
        "when": when_text(reunion),
        "agenda": agenda,
        "followups": [item for item in agenda if item.action_id],
        "decisions": list(Decision.objects.filter(reunion=reunion)),
        "actions": actions,
    }


def invitee_of(user, reunion: Reunion) -> Invitee | None:
    """The invitation through which a relais reads a meeting (None: not invited)."""
    return Invitee.objects.filter(reunion=reunion, relais__user=user).select_related("relais").first()


def _label_owners(actions: list[ActionItem], reunion: Reunion, reader: Invitee | None) -> None:
    names_everyone = reader is None or (
        reader.user_id is not None
        and Membership.objects.filter(
            user_id=reader.user_id,
            organisation_id=reunion.organisation_id,
            role__in=(Membership.Role.STAFF, Membership.Role.ADMIN),
        ).exists()
    )
    relais_ids = {a.owner_relais_id for a in actions if a.owner_relais_id}
    hidden = set()
    if not names_everyone and relais_ids:
        named = Consent.objects.filter(relais_id__in=relais_ids, scope=Consent.Scope.ANNUAIRE, withdrawn_on=None)
        hidden = relais_ids - set(named.values_list("relais_id", flat=True)) - {reader.relais_id}
    residence_of: dict[int, str] = {}
    if hidden:
        links = RelaisResidence.objects.filter(relais_id__in=hidden).order_by("pk")
        for relais_id, name in links.values_list("relais_id", "residence__name"):
            residence_of.setdefault(relais_id, name)
    for action in actions:
        if action.owner_relais_id in hidden:
            where = residence_of.get(action.owner_relais_id)
            action.owner_label = f"un·e relais de {where}" if where else "un·e relais"
        else:
            action.owner_label = str(action.owner)


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


# Reminders


def reminder_days(organisation_id: int) -> list[int]:
    """How many days before a meeting its reminders go out (J-7 and J-1 unless
    the organisation chose otherwise)."""
    chosen = ReunionSettings.objects.filter(organisation_id=organisation_id).first()
    return sorted(chosen.reminder_days if chosen else default_reminder_days(), reverse=True)


def reminder_days_of(user, organisation_id: int) -> list[int]:
    """The reminder offsets shown on the settings page."""
    current = ReunionSettings.objects.for_user(user).first()
    return current.reminder_days if current else reminder_days(organisation_id)


# The relais' own meetings, and calendars


def open_invitations(user) -> QuerySet[Invitee]:
    """A relais' invitations to meetings not over yet."""
    return Invitee.objects.for_user(user).filter(relais__user=user, reunion__ends_at__gte=timezone.now())


def my_reunions(user) -> list[tuple[Invitee, str]]:
    """The relais' next twenty invitations, each with its time in words."""
    rows = (
        open_invitations(user)
        .select_related("reunion__residence", "reunion__organisation")
        .order_by("reunion__starts_at")[:20]
    )
    return [(i, when_text(i.reunion)) for i in rows]


def my_past_reunions(user, *, now: datetime.datetime) -> list[Invitee]:
    """The relais' last thirty meetings held (the cancelled ones left out), each
    saying whether its compte-rendu is published: what « Mes réunions » keeps."""
    return list(
        Invitee.objects.for_user(user)
        .filter(relais__user=user, reunion__ends_at__lt=now)
        .exclude(reunion__status=Reunion.Status.ANNULEE)
        .select_related("reunion__organisation")
        .order_by("-reunion__starts_at")[:30]
    )


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


# What waits for staff (the inbox, inbox/)

# A meeting past for longer than this no longer asks for its attendance or minutes:
# neither is required for a meeting to count as held.
CLOSING_DAYS = 60


def waiting(user, *, limit: int = 10, now: datetime.datetime | None = None) -> list[WaitingGroup]:
    """Meetings to come with nobody invited yet, meetings held lately whose
    attendance or minutes are missing; actions past their due date."""
    now = now or timezone.now()
    meetings = (
        Reunion.objects.for_user(user)
        .exclude(status=Reunion.Status.ANNULEE)
        .filter(starts_at__gte=now - datetime.timedelta(days=CLOSING_DAYS))
        .annotate(
            invited_count=Count("invitees", filter=Q(invitees__invited=True)),
            attended_count=Count("invitees", filter=Q(invitees__attended__isnull=False)),
        )
        .filter(
            Q(starts_at__gte=now, invited_count=0)
            | Q(ends_at__lt=now, attended_count=0)
            | Q(ends_at__lt=now, minutes_published_at__isnull=True)
        )
        .order_by("starts_at", "pk")
    )
    meetings_total, found = first_rows(meetings, limit)
    actions_total, actions = first_rows(
        ActionItem.objects.for_user(user)
        .filter(status=ActionItem.Status.OUVERTE, due_on__lt=timezone.localdate(now))
        .select_related("reunion", "owner_relais", "owner_user")
        .order_by("due_on", "pk"),
        limit,
    )

    def need(r: Reunion) -> tuple[str, str]:
        if r.starts_at >= now:
            return "personne n'est encore invité", reverse("reunions:reunion_invite", args=[r.pk])
        if not r.attended_count:
            missing = "présences à saisir" + (" et compte-rendu à publier" if not r.minutes_published_at else "")
            return missing, reverse("reunions:attendance", args=[r.pk])
        return "compte-rendu à publier", reverse("reunions:minutes", args=[r.pk])

    return [
        WaitingGroup(
            kind="reunion",
            label="Réunions à préparer ou à clore",
            total=meetings_total,
            items=[
                Waiting(
                    model="reunions.reunion",
                    pk=r.pk,
                    title=r.title,
                    detail=f"{when_text(r)} : {what}",
                    since=r.starts_at,
                    url=url,
                )
                for r in found
                for what, url in [need(r)]
            ],
        ),
        WaitingGroup(
            kind="action",
            label="Actions en retard",
            total=actions_total,
            items=[
                Waiting(
                    model="reunions.actionitem",
                    pk=a.pk,
                    title=a.title,
                    detail=f"{a.owner}, prévue pour le {formats.date_format(a.due_on, 'j F Y')} "
                    f"(réunion « {a.reunion.title} »)",
                    since=a.due_on,
                    url=reverse("reunions:reunion_detail", args=[a.reunion_id]),
                )
                for a in actions
            ],
        ),
    ]
