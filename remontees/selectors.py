"""Reads for the remontées' pages, scoped to the user asking; each owns its
select_related, so that a page's query count does not grow with its rows."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import Truncator

from core.access import access_for
from core.models import SensitiveFlag
from core.waiting import Waiting, WaitingGroup, first_rows
from relais.models import Residence
from remontees.models import HandOff, Remontee, RemonteeEvent, Service
from reunions.models import Reunion

OPEN = (Remontee.Status.NOUVELLE, Remontee.Status.PRISE_EN_COMPTE, Remontee.Status.EN_COURS)


def board(user) -> QuerySet[Remontee]:
    """Every remontée with its theme, residence, relais and who follows it, newest first."""
    return (
        Remontee.objects.for_user(user)
        .select_related("theme", "residence", "relais", "assignee")
        .order_by("-created_at", "-pk")
    )


def status_counts(user) -> dict[str, int]:
    """How many remontées in each status. COUNT(*): read from the
    (organisation, status) index alone."""
    rows = Remontee.objects.for_user(user).values_list("status").annotate(n=Count("*"))
    return dict(rows.values_list("status", "n"))


def raised_at(user, reunion: Reunion) -> QuerySet[Remontee]:
    """What a meeting's round table raised so far, in the order it was said."""
    return (
        Remontee.objects.for_user(user)
        .filter(reunion=reunion)
        .select_related("relais", "residence", "theme")
        .order_by("created_at")
    )


def events(user, remontee: Remontee) -> QuerySet[RemonteeEvent]:
    """A remontée's history: each step and who took it."""
    return RemonteeEvent.objects.for_user(user).filter(remontee=remontee).select_related("by")


def relais_remontees(user) -> QuerySet[Remontee]:
    """A relais' own remontées, newest first."""
    return Remontee.objects.for_user(user).select_related("theme", "residence").order_by("-created_at")[:50]


def residence_page(user, residence: Residence) -> dict[str, list[Remontee]]:
    """« Vous avez dit, nous avons fait » : what was raised for a residence, by
    what became of it, each with its current answer. `residence` has come
    through its door (`Residence.objects.get_for_user`): staff read its
    remontées through their scoping; a relais of that residence reads all of
    them, as the tenants of the hall will (no names: theme, text, answer), except
    a text flagged as sensitive and not reviewed yet."""
    access = access_for(user)
    if access.is_relais:
        pending_review = SensitiveFlag.objects.filter(
            content_type=ContentType.objects.get_for_model(Remontee), object_id=OuterRef("pk"), outcome=""
        )
        rows = Remontee.objects.filter(organisation_id=access.organisation_id).exclude(Exists(pending_review))
    else:
        rows = Remontee.objects.for_user(user)
    rows = rows.filter(residence=residence).select_related("theme").order_by("status", "-created_at")
    return {
        "done": [r for r in rows if r.is_resolved],
        "ongoing": [r for r in rows if not r.is_closed],
        "declined": [r for r in rows if r.status == Remontee.Status.NON_RETENUE],
    }


def residence_latest(user, residence: Residence, *, limit: int = 10) -> tuple[list[Remontee], int]:
    """The latest remontées of a residence, and how many it has in all (two queries)."""
    rows = Remontee.objects.for_user(user).filter(residence=residence)
    return list(rows.select_related("theme").order_by("-created_at", "-pk")[:limit]), rows.count()


# What waits for staff (the inbox, inbox/)


def _last_step() -> Subquery:
    """The kind of a remontée's last step, leaving aside who follows it."""
    return Subquery(
        RemonteeEvent.objects.filter(remontee=OuterRef("pk"))
        .exclude(kind=RemonteeEvent.Kind.ATTRIBUEE)
        .order_by("-at", "-pk")
        .values("kind")[:1]
    )


def waiting(user, *, limit: int = 10) -> list[WaitingGroup]:
    """New remontées, and those a relais reopened that nobody has answered since."""
    S = Remontee.Status
    rows = (
        Remontee.objects.for_user(user)
        .annotate(last_step=_last_step())
        .filter(
            Q(status=S.NOUVELLE)
            # In this order (PostgreSQL tests them as written, Q(**kwargs) would
            # sort them): « en cours », reopened once (index event_reopened), and
            # only then the last step of each of these few.
            | (
                Q(status=S.EN_COURS)
                & Q(pk__in=RemonteeEvent.objects.filter(kind=RemonteeEvent.Kind.ROUVERTE).values("remontee_id"))
                & Q(last_step=RemonteeEvent.Kind.ROUVERTE)
            )
        )
        .select_related("theme", "residence", "assignee")
        .order_by("created_at", "pk")
    )
    groups = []
    for kind, label, condition in (
        ("remontee-nouvelle", "Remontées nouvelles", Q(status=S.NOUVELLE)),
        ("remontee-rouverte", "Remontées rouvertes par le relais", ~Q(status=S.NOUVELLE)),
    ):
        total, found = first_rows(rows.filter(condition), limit)
        groups.append(
            WaitingGroup(
                kind=kind,
                label=label,
                total=total,
                items=[
                    Waiting(
                        model="remontees.remontee",
                        pk=r.pk,
                        title=f"{r.theme} — {r.residence}",
                        detail=Truncator(r.description).chars(120),
                        since=r.created_at,
                        url=reverse("remontees:detail", args=[r.pk]),
                        assignee=r.assignee,
                    )
                    for r in found
                ],
            )
        )
    return groups + waiting_handoffs(user, limit=limit)


def handoffs_of(user, remontee: Remontee) -> list[HandOff]:
    """A remontée's hand-offs to services, oldest first (staff: with the internal note)."""
    return list(HandOff.objects.for_user(user).filter(remontee=remontee).select_related("service"))


def services_directory(user) -> list[Service]:
    """The organisation's services, each with how many hand-offs wait for it."""
    return list(
        Service.objects.for_user(user).annotate(
            pending=Count("handoffs", filter=Q(handoffs__outcome=HandOff.Outcome.EN_ATTENTE))
        )
    )


def service_delays(user) -> list[dict]:
    """Per service: hand-offs, how many done, the average days from the remontée
    to its first answer and to its resolution (« résolue — à confirmer » counts
    as résolue from the day the service said « fait »). One query."""
    rows = (
        HandOff.objects.for_user(user)
        .exclude(outcome=HandOff.Outcome.RETIREE)
        .values_list(
            "service__name",
            "outcome",
            "remontee__created_at",
            "remontee__answered_at",
            "remontee__closed_at",
            "remontee__status",
        )
        .order_by("service__name")
    )
    found: dict[str, dict] = {}
    for name, outcome, created, answered, closed, status in rows:
        line = found.setdefault(name, {"service": name, "handoffs": 0, "done": 0, "answer": [], "resolution": []})
        line["handoffs"] += 1
        line["done"] += outcome == HandOff.Outcome.FAIT
        if answered:
            line["answer"].append((answered - created).total_seconds() / 86400)
        if closed and status in (Remontee.Status.A_CONFIRMER, Remontee.Status.RESOLUE):
            line["resolution"].append((closed - created).total_seconds() / 86400)
    for line in found.values():
        for key in ("answer", "resolution"):
            values = line.pop(key)
            line[f"{key}_days"] = round(sum(values) / len(values), 1) if values else None
    return list(found.values())


def _handoff_items(rows) -> list[Waiting]:
    return [
        Waiting(
            model="remontees.remontee",
            pk=h.remontee_id,
            title=f"{h.remontee.theme} — {h.remontee.residence}",
            detail=f"{h.service}, attendu pour le {formats.date_format(h.due_on, 'j F Y')}"
            if h.outcome == HandOff.Outcome.EN_ATTENTE
            else f"{h.service} : « {Truncator(h.answer).chars(100)} »",
            since=h.due_on if h.outcome == HandOff.Outcome.EN_ATTENTE else h.answered_at,
            url=reverse("remontees:detail", args=[h.remontee_id]),
            assignee=h.remontee.assignee,
        )
        for h in rows
    ]


def waiting_handoffs(user, *, limit: int = 10, today=None) -> list[WaitingGroup]:
    """Hand-offs overdue at a service, and remontées a service sent back as not
    its own that nobody has handed on or answered since."""
    today = today or timezone.localdate()
    base = HandOff.objects.for_user(user).select_related(
        "service", "remontee__theme", "remontee__residence", "remontee__assignee"
    )
    overdue_total, overdue = first_rows(
        base.filter(outcome=HandOff.Outcome.EN_ATTENTE, due_on__lt=today).order_by("due_on", "pk"), limit
    )
    later = HandOff.objects.filter(remontee=OuterRef("remontee"), created_at__gt=OuterRef("created_at"))
    returned_total, returned = first_rows(
        base.filter(outcome=HandOff.Outcome.HORS_RESSORT, remontee__status__in=OPEN)
        .exclude(Exists(later))
        .order_by("answered_at", "pk"),
        limit,
    )
    return [
        WaitingGroup("remontee-retard", "Remontées en retard chez un service", overdue_total, _handoff_items(overdue)),
        WaitingGroup(
            "remontee-renvoyee", "Remontées renvoyées par un service", returned_total, _handoff_items(returned)
        ),
    ]
