"""Reads of the network's pages, each through the one scoping mechanism
(`for_user`): a network's coordination reads its own rows and its members'
shared aggregates; a member's staff read what the network and the other members
shared; a relais reads the documents meant for relais and the network's meetings
they are invited to (reunions' own pages)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, FloatField, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Cast, NullIf
from django.http import Http404
from django.urls import reverse

from core.access import access_for
from core.forms import is_id
from core.models import Membership, NetworkMembership, Organisation, User
from core.search import French, search_q
from reseau.models import (
    Application,
    Call,
    Document,
    DocumentVersion,
    GuestRelais,
    GuestStaff,
    MemberApplication,
    MemberFigures,
    MemberProject,
    NetworkReunion,
    Project,
    RelaisDocument,
    RelaisVersion,
    Score,
    SharedDocument,
    SharedVersion,
    fresh_members,
)
from reunions.models import Invitee

PAGE_SIZE = 25


def my_networks(user) -> list[Organisation]:
    """The networks of the request's organisation (itself, when it is one)."""
    access = access_for(user)
    if access.organisation is None:
        return []
    if access.organisation.is_network:
        return [access.organisation]
    links = (
        NetworkMembership.objects.for_user(user)
        .filter(member_id=access.organisation_id, left_on__isnull=True)
        .select_related("network")
    )
    return [link.network for link in links]


def network_of(user, network_id) -> Organisation:
    """A network the request's organisation is (or belongs to): 404 otherwise."""
    access = access_for(user)
    if (
        access.organisation is not None
        and access.organisation.is_network
        and str(network_id) == str(access.organisation_id)
    ):
        return access.organisation
    link = None
    if is_id(str(network_id)):  # an id beyond 64 bits is not found (not a 500)
        link = (
            NetworkMembership.objects.for_user(user)
            .filter(network_id=int(network_id), member_id=access.organisation_id, left_on__isnull=True)
            .select_related("network")
            .first()
        )
    if link is None:
        raise Http404("Ce réseau n'existe pas ou ne vous est pas accessible.")
    return link.network


def own_link(user, network: Organisation) -> NetworkMembership | None:
    """The request's organisation's membership of that network (its sharing choice)."""
    access = access_for(user)
    return (
        NetworkMembership.objects.for_user(user)
        .filter(network=network, member_id=access.organisation_id, left_on__isnull=True)
        .first()
    )


def members(user, network: Organisation) -> list[NetworkMembership]:
    return list(
        NetworkMembership.objects.for_user(user)
        .filter(network=network, left_on__isnull=True)
        .select_related("member")
        .order_by(French("member__name"))
    )


# The dashboard: members side by side on the bilan's key figures.


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str = ""
    # A share: (part, whole) fields added up over the members, then divided.
    ratio: tuple[str, str] | None = None
    # The header of a narrow column (the network bilan's table of 200 members).
    short: str = ""


COLUMNS = [
    Column("relais_active", "Relais actifs", short="Relais actifs"),
    Column("coverage", "Résidences couvertes", "%", ("covered", "residences"), short="Résid. couvertes"),
    Column("reunions_held", "Réunions tenues", short="Réunions tenues"),
    Column(
        "within",
        "Remontées répondues sous 30 jours",
        "%",
        ("remontees_answered_within", "remontees_answerable"),
        short="Répondues < 30 j",
    ),  # fmt: skip
    Column("initiatives_done", "Initiatives réalisées", short="Initiatives"),
    Column("participants", "Participants", short="Participants"),
]
SORTS = {c.key for c in COLUMNS} | {"name"}
SUMMED = ["relais_active", "residences", "covered", "reunions_held", "remontees_answerable",
          "remontees_answered_within", "initiatives_done", "participants"]  # fmt: skip


def _percent(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _shares(queryset: QuerySet[MemberFigures]) -> QuerySet[MemberFigures]:
    def share(part: str, whole: str):
        return 100.0 * Cast(part, FloatField()) / NullIf(Cast(whole, FloatField()), 0.0)

    return queryset.annotate(
        coverage=share("covered", "residences"), within=share("remontees_answered_within", "remontees_answerable")
    )


def _values(row) -> dict:
    """The columns' values of a figures row (or of totals)."""
    get = (lambda k: row.get(k) or 0) if isinstance(row, dict) else (lambda k: getattr(row, k))
    out = {}
    for column in COLUMNS:
        if column.ratio:
            out[column.key] = _percent(get(column.ratio[0]), get(column.ratio[1]))
        else:
            out[column.key] = get(column.key)
    return out


def _member_ids(user, network: Organisation) -> QuerySet:
    return NetworkMembership.objects.for_user(user).filter(network=network, left_on__isnull=True).values("member_id")


def _figures(user, network: Organisation) -> QuerySet[MemberFigures]:
    """The figures the user may read of the network's current members (only those who share them)."""
    return MemberFigures.objects.for_user(user).filter(organisation__in=_member_ids(user, network))


def _rows(shown: list[MemberFigures], before: QuerySet[MemberFigures]) -> list[dict]:
    """Each member shown with its columns, this year and the one before (one query for the year before)."""
    then = {row.organisation_id: row for row in before.filter(organisation_id__in=[r.organisation_id for r in shown])}
    rows = []
    for row in shown:
        previous = then.get(row.organisation_id)
        now, was = _values(row), _values(previous) if previous else {}
        rows.append(
            {
                "organisation": row.organisation,
                "computed_at": row.computed_at,
                "cells": [{"now": now[c.key], "before": was.get(c.key), "unit": c.unit} for c in COLUMNS],
            }
        )
    return rows


def _totals(figures: QuerySet[MemberFigures], year: int) -> list[dict]:
    """The network's column values of a year and the one before: sums, and shares of sums."""
    now = _values(figures.filter(year=year).aggregate(**{k: Sum(k) for k in SUMMED}))
    then = _values(figures.filter(year=year - 1).aggregate(**{k: Sum(k) for k in SUMMED}))
    return [
        {
            "now": now[c.key],
            "before": then[c.key],
            "delta": None if now[c.key] is None or then[c.key] is None else round(now[c.key] - then[c.key], 1),
            "unit": c.unit,
            "label": c.label,
        }
        for c in COLUMNS
    ]


def dashboard(user, network: Organisation, *, year: int, sort: str = "", page: str | int | None = 1) -> dict:
    """A page of members with this year's and last year's figures, sorted in SQL;
    the network's totals over every member who shares (sums; shares are the sum
    of parts over the sum of wholes). Six queries whatever the number of members."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in SORTS:
        key, descending = "relais_active", True
    figures = _figures(user, network)
    this_year = _shares(figures.filter(year=year)).select_related("organisation")
    order = French("organisation__name") if key == "name" else F(key)
    order = order.desc(nulls_last=True) if descending else order.asc(nulls_last=True)
    paginator = Paginator(this_year.order_by(order, "organisation_id"), PAGE_SIZE)
    current: Page = paginator.get_page(page)
    rows = _rows(list(current.object_list), figures.filter(year=year - 1))
    not_sharing = (
        NetworkMembership.objects.for_user(user)
        .filter(network=network, left_on__isnull=True, shares_figures=False)
        .select_related("member")
        .order_by(French("member__name"))
    )
    sort = ("-" if descending else "") + key

    def header(column_key: str, label: str) -> dict:
        # Figures sort from the largest first; names from A to Z.
        first = column_key if column_key == "name" else f"-{column_key}"
        state = "" if key != column_key else ("descending" if descending else "ascending")
        flipped = column_key if sort == f"-{column_key}" else f"-{column_key}"
        return {"label": label, "sort": flipped if state else first, "state": state}

    return {
        "columns": COLUMNS,
        "headers": [header(c.key, c.label) for c in COLUMNS],
        "name_header": header("name", "Membre"),
        "rows": rows,
        "page": current,
        "sort": sort,
        "totals": _totals(figures, year),
        "not_sharing": [link.member for link in not_sharing],
        "year": year,
        "count": paginator.count,
    }


def network_totals(user, network: Organisation, *, year: int) -> dict:
    """The network's figures of a year, as the dashboard adds them up (for the tests and the bilan)."""
    figures = _figures(user, network).filter(year=year)
    sums = figures.aggregate(**{k: Sum(k) for k in SUMMED})
    return {**{k: sums[k] or 0 for k in SUMMED}, **_values(sums)}


# The network's bilan (a Bilan of the network, made by the bilans machinery: reseau/bilan.py)


def network_bilan(user, network: Organisation, *, year: int) -> dict:
    """Every member who shares its figures, by name, with this year's and last
    year's columns; the network's totals; how many members do not share (never
    who: their choice is theirs). Five queries whatever the number of members."""
    figures = _figures(user, network)
    shown = list(
        _shares(figures.filter(year=year)).select_related("organisation").order_by(French("organisation__name"), "pk")
    )
    links = NetworkMembership.objects.for_user(user).filter(network=network, left_on__isnull=True)
    counts = links.aggregate(members=Count("pk"), not_sharing=Count("pk", filter=Q(shares_figures=False)))
    totals = _totals(figures, year)
    return {
        "columns": COLUMNS,
        "rows": _rows(shown, figures.filter(year=year - 1)),
        "totals": totals,
        "tiles": [t for t in totals if t["now"] is not None or t["before"] is not None],
        "members_count": counts["members"],
        "not_sharing_count": counts["not_sharing"],
        "computed_from": min((row.computed_at for row in shown), default=None),
    }


def figures_fresh(user, network: Organisation, *, year: int, since) -> tuple[int, int]:
    """How many members sharing their figures have those of `year` and the year
    before computed since `since`, of how many (two queries)."""
    sharing = NetworkMembership.objects.for_user(user).filter(
        network=network, left_on__isnull=True, shares_figures=True
    )
    return fresh_members(_figures(user, network), year=year, since=since).count(), sharing.count()


# The network's meetings


def network_meetings(user, network: Organisation) -> QuerySet:
    """The meetings of a network, as its members' staff read them (and its coordination)."""
    return NetworkReunion.objects.for_user(user).filter(organisation=network).order_by("-starts_at")


def guest_choices(user, network: Organisation, reunion=None) -> dict:
    """Whom a network's coordination may invite: the members' staff and partners,
    and the relais of members who agreed to be presented (names only); those
    already invited to `reunion` left out (counted)."""
    member_ids = (
        NetworkMembership.objects.for_user(user).filter(network=network, left_on__isnull=True).values("member_id")
    )
    staff = (
        GuestStaff.objects.for_user(user)
        .filter(organisation__in=member_ids)
        .select_related("user", "organisation")
        .order_by(French("organisation__name"), "user__last_name", "user__first_name")
    )
    relais = (
        GuestRelais.objects.for_user(user)
        .filter(organisation__in=member_ids)
        .select_related("organisation")
        .order_by(French("organisation__name"), "last_name", "first_name")
    )
    invited = {"relais": set(), "users": set()}
    if reunion is not None:
        for relais_id, user_id in (
            Invitee.objects.for_user(user).filter(reunion=reunion).values_list("relais_id", "user_id")
        ):
            invited["relais" if relais_id else "users"].add(relais_id or user_id)
    return {
        "staff": [m for m in staff if m.user_id not in invited["users"]],
        "relais": [r for r in relais if r.pk not in invited["relais"]],
        "already": len(invited["relais"]) + len(invited["users"]),
    }


# The library


def _current_versions():
    return Prefetch("versions", queryset=DocumentVersion.objects.order_by("-number"), to_attr="all_versions")


def library(user, *, search: str = "") -> dict:
    """Documents one may read: one's organisation's (staff), those the network and
    its other members share (staff), those meant for relais (relais)."""
    access = access_for(user)
    if access.is_relais:
        documents = RelaisDocument.objects.for_user(user)
    elif access.is_staff:
        own = Document.objects.for_user(user).values("pk")
        shared = SharedDocument.objects.for_user(user).values("pk")
        documents = Document.objects.filter(Q(pk__in=own) | Q(pk__in=shared))
    else:
        documents = RelaisDocument.objects.for_user(user)  # partners: what is meant for relais and the public
    if search:
        documents = documents.filter(search_q(search, "title", "description"))
    documents = documents.select_related("organisation").prefetch_related(_current_versions())
    return {"documents": list(documents.order_by("-updated_at", "-pk")[:200])}


def document_for(user, pk) -> tuple[Document, bool]:
    """A document one may read, and whether one may change it (one's own organisation's)."""
    access = access_for(user)
    if access.is_staff:
        try:
            return Document.objects.get_for_user(user, pk), True
        except Http404:
            pass
        return SharedDocument.objects.get_for_user(user, pk), False
    return RelaisDocument.objects.get_for_user(user, pk), False


def versions_of(document: Document) -> list[DocumentVersion]:
    return list(document.versions.select_related("uploaded_by").order_by("-number"))


def version_for(user, pk) -> DocumentVersion:
    """A version's file, read as its document is."""
    access = access_for(user)
    if access.is_staff:
        try:
            return DocumentVersion.objects.select_related("document").get_for_user(user, pk)
        except Http404:
            return SharedVersion.objects.select_related("document").get_for_user(user, pk)
    return RelaisVersion.objects.select_related("document").get_for_user(user, pk)


def _readable_documents(user) -> QuerySet[Document]:
    return (RelaisDocument if access_for(user).is_relais else Document).objects.for_user(user)


def documents_of_meeting(user, reunion_id: int) -> list[Document]:
    """The documents attached to a meeting one may read."""
    return list(_readable_documents(user).filter(reunions=reunion_id).prefetch_related(_current_versions()))


def documents_of_announcement(user, announcement) -> list[dict]:
    """The library's documents attached to an announcement, as links to their
    current version, for whoever reads it (a relais: those meant for relais).
    Two queries however many documents (espace's page shows them: reseau/apps.py)."""
    documents = _readable_documents(user).filter(annonces=announcement.pk).prefetch_related(_current_versions())
    links = []
    for document in documents.order_by("title", "pk"):
        current = document.all_versions[0] if document.all_versions else None
        if current is not None:
            note = "vidéo" if current.link else f"version {current.number}"
            links.append(
                {"title": document.title, "url": reverse("reseau:version_file", args=[current.pk]), "note": note}
            )
    return links


# Projects followed on the ground: the network's coordination reads its
# network's projects (its own rows); a member's staff read their own.


def _projects(user) -> QuerySet[Project]:
    access = access_for(user)
    if access.organisation is not None and access.organisation.is_network:
        return Project.objects.for_user(user)
    return MemberProject.objects.for_user(user)


def projects(user, *, stage: str = "", member: str = "", page: str | int | None = 1) -> dict:
    """A page of projects, filtered by stage and member; three queries whatever the rows."""
    rows = _projects(user).select_related("member", "accompagnateur")
    if stage in Project.Stage.values:
        rows = rows.filter(stage=stage)
    if member and is_id(member):
        rows = rows.filter(member_id=int(member))
    paginator = Paginator(rows.order_by(French("title"), "pk"), PAGE_SIZE)
    return {"page": paginator.get_page(page), "count": paginator.count}


def project_members(user) -> list[Organisation]:
    """The members one may filter the projects by (the network's, for its coordination)."""
    access = access_for(user)
    if access.organisation is None:
        return []
    if not access.organisation.is_network:
        return [access.organisation]
    links = NetworkMembership.objects.for_user(user).filter(network=access.organisation, left_on__isnull=True)
    return [link.member for link in links.select_related("member").order_by(French("member__name"))]


def project_for(user, pk, *, write: bool = False) -> Project:
    """A project one may read (404 otherwise); to change it, the coordination's (403 for a member's staff)."""
    access = access_for(user)
    if access.organisation is not None and access.organisation.is_network:
        return Project.objects.select_related("member", "accompagnateur").get_for_user(user, pk, write=write)
    project = MemberProject.objects.select_related("member", "accompagnateur").get_for_user(user, pk)
    if write:
        raise PermissionDenied("Seule la coordination du réseau modifie un projet.")
    return project


def project_history(project: Project) -> dict:
    return {
        "events": list(project.events.select_related("by").order_by("-at", "-pk")),
        "funds": list(project.funds.order_by("granted_on", "pk")),
    }


def accompagnateurs(user, network: Organisation, members: list[Organisation]) -> list[User]:
    """Whom a project may be followed by: the network's team, and the staff of
    its members (read as the coordination reads them, `GuestStaff`)."""
    staff = (Membership.Role.ADMIN, Membership.Role.STAFF)
    team = (*staff, Membership.Role.COORDINATOR)
    own = Membership.objects.for_user(user).filter(organisation=network, role__in=team).values("user_id")
    guests = GuestStaff.objects.for_user(user).filter(organisation__in=[m.pk for m in members], role__in=staff)
    guests = guests.values("user_id")
    return list(
        User.objects.filter(Q(pk__in=own) | Q(pk__in=guests), is_active=True).order_by("last_name", "first_name", "pk")
    )


# Calls for projects


def calls(user) -> list[Call]:
    """The calls of one's networks (a member's staff) or of one's network (its coordination)."""
    return list(Call.objects.for_user(user).select_related("organisation").order_by("-deadline", "-pk")[:100])


def call_for(user, pk, *, write: bool = False) -> Call:
    return Call.objects.select_related("organisation").get_for_user(user, pk, write=write)


def weighted_average(criteria, scores) -> float | None:
    """The mean of the committee's scores on each criterion, averaged with the
    criteria's weights over the criteria scored (None before any score)."""
    by_criterion: dict[int, list[int]] = {}
    for score in scores:
        by_criterion.setdefault(score.criterion_id, []).append(score.value)
    total = weights = 0
    for criterion in criteria:
        values = by_criterion.get(criterion.pk)
        if values:
            total += criterion.weight * sum(values) / len(values)
            weights += criterion.weight
    return round(total / weights, 2) if weights else None


def call_page(user, call: Call) -> dict:
    """The call, its criteria, the envelope's use and the applications one may
    read (all of them for the coordination, with their weighted average; one's
    own for a member). Five queries whatever the number of applications."""
    access = access_for(user)
    runs = access.organisation_id == call.organisation_id and access.can_write
    criteria = list(call.criteria.order_by("position", "pk"))
    model = Application if runs else MemberApplication
    applications = list(
        model.objects.for_user(user).filter(call=call).select_related("applicant").order_by("submitted_at", "pk")
    )
    scores: dict[int, list[Score]] = {}
    if runs:
        for score in Score.objects.for_user(user).filter(application__call=call):
            scores.setdefault(score.application_id, []).append(score)
    for application in applications:
        application.average = weighted_average(criteria, scores.get(application.pk, []))
        application.scorers = len({s.scorer_id for s in scores.get(application.pk, [])})
    return {"call": call, "criteria": criteria, "applications": applications, "runs": runs, **envelope_use(call)}


def envelope_use(call: Call) -> dict:
    """What the decisions granted of the call's envelope, and what remains."""
    granted = call.applications.aggregate(total=Sum("granted_amount"))["total"] or 0
    return {
        "granted": granted,
        "remaining": call.envelope - granted,
        "used_percent": round(100 * granted / call.envelope) if call.envelope else 0,
    }


def application_for(user, pk) -> tuple[Application, bool]:
    """An application one may read, and whether one sits on its committee (the network's team)."""
    access = access_for(user)
    if access.organisation is not None and access.organisation.is_network:
        application = Application.objects.select_related("call", "applicant").get_for_user(user, pk)
        return application, access.can_write
    return MemberApplication.objects.select_related("call", "applicant").get_for_user(user, pk), False


def scoring(user, application: Application) -> dict:
    """The criteria with the reader's own scores and everyone's, and the weighted average."""
    criteria = list(application.call.criteria.order_by("position", "pk"))
    scores = list(Score.objects.for_user(user).filter(application=application).select_related("scorer"))
    mine = {s.criterion_id: s.value for s in scores if s.scorer_id == user.pk}
    scorers: dict[int, dict] = {}
    for s in scores:
        scorers.setdefault(s.scorer_id, {"name": s.scorer.get_full_name() or s.scorer.email, "values": {}})
        scorers[s.scorer_id]["values"][s.criterion_id] = s.value
    rows = [
        {"criterion": c, "mine": mine.get(c.pk), "values": [p["values"].get(c.pk) for p in scorers.values()]}
        for c in criteria
    ]
    return {
        "criteria": criteria,
        "rows": rows,
        "scorers": [p["name"] for p in scorers.values()],
        "average": weighted_average(criteria, scores),
        "mine": mine,
    }
