"""What the relais' home page reads: a fixed handful of queries, whatever the
number of meetings, remontées or messages (the page is read on prepaid data)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Expression, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.urls import reverse
from django.utils import timezone

from core.access import access_for
from core.models import Message
from espace.models import Activity, Announcement, AnnouncementAttachment, AnnouncementRecipient
from initiatives.models import Initiative
from parcours.selectors import Checklist, relais_and_checklist
from relais.models import Relais, RelaisResidence, Residence
from remontees.models import Remontee
from reunions.models import Invitee, Reunion, ReunionSeries
from reunions.wording import when_text

# What each kind of message tells the relais, and where to look; reminders and
# digests are not news.
NEWS = {
    "convocation": ("Vous êtes invité·e à une réunion", "reunions:my_reunions"),
    "modification": ("Une réunion a changé d'horaire ou de lieu", "reunions:my_reunions"),
    "annulation": ("Une réunion est annulée", "reunions:my_reunions"),
    "compte_rendu": ("Le compte-rendu d'une réunion est publié", "reunions:my_reunions"),
    "suivi": ("L'équipe a répondu sur une de vos remontées", "remontees:detail"),
    "logistique": ("Réponse à votre demande de matériel ou de salle", "initiatives:mine"),
    "subvention": ("Décision du comité sur votre demande de subvention", "initiatives:mine"),
}


@dataclass
class News:
    text: str
    url: str
    at: datetime.datetime


@dataclass
class Home:
    relais: Relais | None
    residences: list[Residence]
    invitations: list[Invitee]
    remontees: list[Remontee]
    initiatives: list[Initiative]
    news: list[News] = field(default_factory=list)
    # Announcements sent to the relais and not read yet: shown until they say so.
    announcements: list[AnnouncementRecipient] = field(default_factory=list)
    first_visit: bool = False
    seen_before: datetime.datetime | None = None
    # When the newest message listed was made (None: none): what
    # `espace.services.home_seen` compares with the moment kept.
    newest: datetime.datetime | None = None
    # The onboarding checklist while it is not complete (parcours/).
    checklist: Checklist | None = None


_LAST_VISIT = object()


def relais_home(user, *, since=_LAST_VISIT, first_visit: bool = False) -> Home:
    """`since`: list the news after this moment (by default, the last visit);
    `first_visit`: that moment was the relais' first visit (no « rien de nouveau »).
    Reads only: the view then marks the home seen (`espace.services.home_seen`)."""
    now = timezone.now()
    # The relais, with the day of each onboarding step (parcours), in one query.
    rows = Relais.objects.for_user(user).select_related("organisation__guide")
    relais, checklist = relais_and_checklist(user, rows)
    residences = list(Residence.objects.for_user(user).select_related("quartier"))
    invitations = list(
        Invitee.objects.for_user(user)
        .filter(relais__user=user, reunion__ends_at__gte=now)
        .exclude(reunion__status=Reunion.Status.ANNULEE)
        .select_related("reunion__residence")
        .order_by("reunion__starts_at")[:3]
    )
    remontees = list(
        Remontee.objects.for_user(user)
        .exclude(status__in=[Remontee.Status.RESOLUE, Remontee.Status.NON_RETENUE])
        .select_related("theme", "residence")
        .order_by("-created_at")[:5]
    )
    initiatives = list(
        Initiative.objects.for_user(user)
        .filter(Q(status__in=[Initiative.Status.IDEE, Initiative.Status.PREVUE]) | Q(starts_on__gte=now.date()))
        .select_related("kind")
        .order_by("starts_on")[:5]
    )
    today = timezone.localdate()
    for initiative in initiatives:
        initiative.reportable = not initiative.relais_report_refusal(today)
    for invitee in invitations:
        invitee.when = when_text(invitee.reunion)
    home = Home(relais, residences, invitations, remontees, initiatives)
    home.announcements = list(my_announcements(user).filter(read_at=None)[:5])
    if relais is None:
        return home
    home.checklist = checklist if checklist is not None and not checklist.complete else None
    home.seen_before = relais.home_seen_at
    seen = relais.home_seen_at if since is _LAST_VISIT else since
    home.first_visit = seen is None or first_visit
    messages = []
    if seen is not None:
        messages = list(
            Message.objects.for_user(user)
            .filter(created_at__gt=seen)
            .exclude(kind__startswith="rappel")
            .order_by("-created_at")
            .values_list("kind", "subject_id", "created_at")[:10]
        )
        for kind, subject_id, at in messages:
            prefix = kind.split("-")[0]
            if prefix in NEWS:
                text, url_name = NEWS[prefix]
                url = reverse(url_name, args=[subject_id]) if url_name == "remontees:detail" else reverse(url_name)
                home.news.append(News(text, url, at))
    # The newest first: if it is not newer than a moment, no message is.
    home.newest = messages[0][2] if messages else None
    return home


def my_activity(user):
    """What a relais logged, the latest first."""
    return Activity.objects.for_user(user)[:10]


def team_activity(user):
    """What the relais logged, newest first, with who logged it (for staff)."""
    return Activity.objects.for_user(user).select_related("relais").order_by("-date", "-created_at")


def activity_summary(user, *, since: datetime.date) -> dict:
    """Counts of the activity this user may see, logged since a date: by kind, households met."""
    rows = Activity.objects.for_user(user).filter(date__gte=since)
    by_kind = {
        row["kind"]: (row["n"], row["households"] or 0)
        for row in rows.values("kind").annotate(n=Count("pk"), households=Sum("households"))
    }
    return {
        "since": since,
        "by_kind": [(label, *by_kind[value]) for value, label in Activity.Kind.choices if value in by_kind],
        "total": sum(n for n, _ in by_kind.values()),
        "households": sum(h for _, h in by_kind.values()),
    }


# Announcements


def announcement_audience(
    user,
    *,
    audience: str,
    quartier=None,
    residence=None,
    series: ReunionSeries | None = None,
) -> QuerySet[Relais]:
    """The relais an announcement would reach, as this staff member may address
    them (staff limited to some quartiers reach their quartiers' relais only):
    the active relais of the organisation, of a quartier or of a residence, or
    those invited to a series of meetings who have not left."""
    relais = Relais.objects.for_user(user).filter(anonymised_at=None)
    if audience == Announcement.Audience.SERIE:
        invited = Invitee.objects.filter(reunion__series=series, relais__isnull=False).values("relais_id")
        return relais.filter(pk__in=invited).exclude(status=Relais.Status.SORTI)
    relais = relais.filter(status=Relais.Status.ACTIF)
    if audience == Announcement.Audience.QUARTIER:
        return relais.filter(pk__in=Relais.objects.filter(relais_links__residence__quartier=quartier).values("pk"))
    if audience == Announcement.Audience.RESIDENCE:
        return relais.filter(pk__in=Relais.objects.filter(relais_links__residence=residence).values("pk"))
    if audience == Announcement.Audience.TOUS:
        return relais
    return relais.none()


def announcements(user) -> QuerySet[Announcement]:
    """Staff's list: newest first, with how many received and read each."""
    return (
        Announcement.objects.for_user(user)
        .select_related("quartier", "residence", "series")
        .annotate(
            n_recipients=Count("recipients", distinct=True),
            n_read=Count("recipients", filter=Q(recipients__read_at__isnull=False), distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


def my_announcements(user) -> QuerySet[AnnouncementRecipient]:
    """A relais' announcements, newest first, unread ones flagged by `read_at`."""
    return (
        AnnouncementRecipient.objects.for_user(user)
        .filter(relais__user=user, announcement__sent_at__isnull=False)
        .select_related("announcement")
        .order_by("-announcement__sent_at", "-pk")
    )


def announcement_page(user, announcement: Announcement) -> dict:
    """One announcement: its attachments; for staff, who received it by which
    channel and how many read it; for a relais, their own row (read or not)."""
    context = {
        "announcement": announcement,
        "attachments": list(AnnouncementAttachment.objects.for_user(user).filter(announcement=announcement)),
    }
    rows = AnnouncementRecipient.objects.for_user(user).filter(announcement=announcement)
    if access_for(user).is_relais:
        context["mine"] = rows.filter(relais__user=user).first()
        return context
    by_channel = dict(rows.values_list("channel").annotate(n=Count("pk")))
    channels = AnnouncementRecipient.Channel.choices
    context["by_channel"] = [(label, by_channel.get(value, 0)) for value, label in channels]
    context["read"] = rows.filter(read_at__isnull=False).count()
    context["total"] = sum(by_channel.values())
    return context


def announcement_on_paper(user, announcement: Announcement) -> list[AnnouncementRecipient]:
    """Those to hand the announcement to on paper, with their residences, by name."""
    return list(
        AnnouncementRecipient.objects.for_user(user)
        .filter(announcement=announcement, channel=AnnouncementRecipient.Channel.PAPIER)
        .select_related("relais")
        .prefetch_related(
            Prefetch("relais__relais_links", queryset=RelaisResidence.objects.select_related("residence"))
        )
        .order_by("relais__last_name", "relais__first_name")
    )


# Facts of the activity log for parcours (registered in EspaceConfig.ready()):
# expressions on Relais rows.


def first_activity() -> Expression:
    """The day of the relais' first activity logged (the onboarding step)."""
    return Subquery(Activity.objects.filter(relais=OuterRef("pk")).order_by("date", "pk").values("date")[:1])


def tenth_activity() -> Expression:
    """The day of their tenth (the milestone), NULL before it."""
    return Subquery(Activity.objects.filter(relais=OuterRef("pk")).order_by("date", "pk").values("date")[9:10])
