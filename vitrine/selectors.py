"""Reads of the public pages. Nobody is logged in: the scope is the published
organisation itself (`published_page`), and each read takes only what may be
shown to anyone — counts, residence and quartier names, the first name and
initial of relais who agreed to be presented to their neighbours (consent
« annuaire », `relais.models.ListedRelais`), initiatives the organisation chose
to show, and photos whose people agreed."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from core.models import Organisation
from core.search import French
from initiatives.models import Initiative, InitiativePhoto, NeighbourAttendance
from relais.models import ListedRelais, Relais, RelaisResidence, Residence
from vitrine.models import PublicPage, PublishedInitiative

DEFAULT_INTRO = (
    "Un habitant-relais est un locataire qui donne un peu de son temps à sa résidence : "
    "il accueille les nouveaux voisins, fait remonter ce qui ne va pas dans les parties communes, "
    "relaie les informations du bailleur et organise avec d'autres des moments conviviaux "
    "(fête des voisins, jardin partagé, goûters). Il n'est ni gardien ni salarié : "
    "c'est un voisin, soutenu par l'équipe de médiation."
)


def published_page(slug: str) -> PublicPage:
    """The public page of the organisation `slug`, if it is published (404 otherwise:
    an unpublished page does not exist for the public)."""
    page = PublicPage.objects.select_related("organisation").filter(organisation__slug=slug, published=True).first()
    if page is None:
        raise Http404("Cette page n'existe pas.")
    return page


def page_settings(user, organisation: Organisation) -> PublicPage:
    """The organisation's settings (unsaved defaults while it has none)."""
    return PublicPage.objects.for_user(user).filter(organisation=organisation).first() or PublicPage(
        organisation=organisation
    )


@dataclass
class Place:
    name: str
    relais: int
    names: list[str] = field(default_factory=list)


@dataclass
class Area:
    name: str
    places: list[Place]

    @property
    def relais(self) -> int:
        return sum(place.relais for place in self.places)


@dataclass
class Story:
    title: str
    starts_on: datetime.date
    kind: str
    place: str
    description: str
    participants: int | None
    photos: list[tuple[int, str]]


def listed_names(organisation_id: int, residence_ids: list[int] | None = None) -> dict[int, list[str]]:
    """Names (first name and initial) of the relais who agreed to be presented,
    by residence. One query."""
    links = RelaisResidence.objects.filter(
        relais__in=ListedRelais.objects.filter(organisation_id=organisation_id)
    ).select_related("relais")
    if residence_ids is not None:
        links = links.filter(residence_id__in=residence_ids)
    names: dict[int, list[str]] = defaultdict(list)
    for link in links.order_by(French("relais__first_name"), French("relais__last_name"), "relais_id"):
        names[link.residence_id].append(ListedRelais.listed_name.fget(link.relais))
    return names


def areas(page: PublicPage) -> list[Area]:
    """The residences where relais are active, by quartier, with how many. Two queries."""
    active = Q(relais_links__relais__status=Relais.Status.ACTIF, relais_links__relais__anonymised_at=None)
    residences = (
        Residence.objects.filter(organisation_id=page.organisation_id)
        .annotate(active=Count("relais_links", filter=active))
        .filter(active__gt=0)
        .select_related("quartier")
        .order_by(French("quartier__name"), French("name"), "pk")
    )
    names = listed_names(page.organisation_id) if page.show_names else {}
    grouped: dict[str, list[Place]] = defaultdict(list)
    for residence in residences:
        quartier = residence.quartier.name if residence.quartier else "Hors quartier"
        grouped[quartier].append(Place(residence.name, residence.active, names.get(residence.pk, [])))
    return [Area(name, places) for name, places in grouped.items()]


def _published(page: PublicPage) -> QuerySet[Initiative]:
    return Initiative.objects.filter(
        organisation_id=page.organisation_id,
        pk__in=PublishedInitiative.objects.filter(organisation_id=page.organisation_id).values("initiative_id"),
    ).select_related("kind")


def _where(initiative: Initiative, places: list[Residence]) -> str:
    """Where an event takes place, as a neighbour reads it: the place said, and
    the residences it is for."""
    return " · ".join(filter(None, [initiative.place, ", ".join(r.name for r in places)]))


def _upcoming(initiatives: QuerySet[Initiative], today: datetime.date) -> list[Initiative]:
    """The planned ones still to come, soonest first (20 at most), each with `where`. Two queries."""
    rows = list(
        initiatives.filter(status=Initiative.Status.PREVUE)
        .filter(Q(starts_on__gte=today) | Q(ends_on__gte=today))
        .prefetch_related(
            Prefetch(
                "residences", queryset=Residence.objects.only("pk", "name").order_by(French("name")), to_attr="places"
            )
        )
        .order_by("starts_on", "pk")[:20]
    )
    for row in rows:
        row.where = _where(row, row.places)
    return rows


def events(page: PublicPage, *, today: datetime.date) -> list[Initiative]:
    """Upcoming initiatives the organisation chose to show, each with `where`. Two queries."""
    return _upcoming(_published(page), today)


def stories(page: PublicPage, *, today: datetime.date) -> list[Story]:
    """Initiatives done that the organisation chose to tell, with the photos whose people agreed."""
    rows = (
        _published(page)
        .filter(status=Initiative.Status.REALISEE, starts_on__lte=today)
        .prefetch_related(
            Prefetch("photos", queryset=InitiativePhoto.objects.filter(consent=True).order_by("pk"), to_attr="shown")
        )
        .order_by("-starts_on", "-pk")[:12]
    )
    return [
        Story(
            title=row.title,
            starts_on=row.starts_on,
            kind=row.kind.name,
            place=row.place,
            description=row.description,
            participants=row.participants,
            photos=[(photo.pk, photo.caption) for photo in row.shown[:4]],
        )
        for row in rows
    ]


def public_photo(page: PublicPage, photo_id: int) -> InitiativePhoto:
    """A photo shown on the public page: consented, of an initiative done and published."""
    photo = InitiativePhoto.objects.filter(
        pk=photo_id,
        consent=True,
        initiative__organisation_id=page.organisation_id,
        initiative__status=Initiative.Status.REALISEE,
        initiative__publication__isnull=False,
    ).first()
    if photo is None:
        raise Http404("Cette photo n'existe pas.")
    return photo


def candidate_residences(organisation_id: int) -> QuerySet[Residence]:
    return Residence.objects.filter(organisation_id=organisation_id).order_by(French("name"), "pk")


def residence_sheet(user, residence_id: int) -> tuple[Residence, list[str], PublicPage]:
    """What a welcome sheet or a poster of a residence shows: the residence (in
    the user's scope), the names of its relais who agreed, the landlord's contacts."""
    residence = Residence.objects.select_related("organisation", "quartier").get_for_user(user, residence_id)
    names = listed_names(residence.organisation_id, [residence.pk]).get(residence.pk, [])
    page = PublicPage.objects.filter(organisation_id=residence.organisation_id).first() or PublicPage(
        organisation=residence.organisation
    )
    return residence, names, page


def printable_residences(user) -> QuerySet[Residence]:
    """The residences staff may print a welcome sheet or a poster for."""
    return Residence.objects.for_user(user).select_related("quartier").order_by(French("name"), "pk")


def open_event(page: PublicPage, initiative_id: int, *, today: datetime.date) -> Initiative:
    """An upcoming initiative the organisation shows on its public page (404 otherwise)."""
    if not page.show_events:
        raise Http404("Cette page n'existe pas.")
    event = next((e for e in events(page, today=today) if e.pk == initiative_id), None)
    if event is None:
        raise Http404("Ce rendez-vous n'existe pas.")
    return event


def attendances(user, *, today: datetime.date) -> list[Initiative]:
    """The upcoming published initiatives with who said they would come
    (`came`, a list) and how many in all (`expected`). Two queries."""
    rows = list(
        Initiative.objects.for_user(user)
        .filter(publication__isnull=False, status=Initiative.Status.PREVUE)
        .filter(Q(starts_on__gte=today) | Q(ends_on__gte=today))
        .prefetch_related(
            Prefetch(
                "neighbour_attendances",
                queryset=NeighbourAttendance.objects.for_user(user).order_by("pk"),
                to_attr="came",
            )
        )
        .order_by("starts_on", "pk")
    )
    for row in rows:
        row.expected = sum(a.household for a in row.came)
    return rows


def event_for_poster(user, initiative_id: int) -> tuple[Initiative, bool]:
    """An initiative of the user's scope, and whether the public page shows it
    (a poster must not point to a page that does not exist)."""
    event = Initiative.objects.select_related("organisation").get_for_user(user, initiative_id)
    event.where = _where(event, list(event.residences.order_by(French("name"))))
    return event, PublishedInitiative.objects.filter(initiative=event).exists()


@dataclass
class Member:
    """A member of a network, as the network's public page shows it: its name,
    the address of its own page, and its counts (None when it shows no places)."""

    organisation_id: int
    name: str
    slug: str
    residences: int | None
    relais: int | None
    shows_events: bool


def network_members(page: PublicPage) -> list[Member]:
    """The network's active members whose public page is published, each with
    how many residences have active relais and how many relais — counts only,
    when both the network's page and the member's show places. Two queries."""
    pages = list(
        PublicPage.objects.filter(
            published=True,
            organisation__network_links__network_id=page.organisation_id,
            organisation__network_links__left_on__isnull=True,
        )
        .select_related("organisation")
        .order_by(French("organisation__name"), "pk")
    )
    counted = [p.organisation_id for p in pages if p.show_places and page.show_places]
    counts = {
        row["residence__organisation_id"]: row
        for row in RelaisResidence.objects.filter(
            residence__organisation_id__in=counted,
            relais__organisation_id__in=counted,
            relais__status=Relais.Status.ACTIF,
            relais__anonymised_at=None,
        )
        .values("residence__organisation_id")
        .annotate(residences=Count("residence_id", distinct=True), relais=Count("relais_id", distinct=True))
        .order_by()
    }
    members = []
    for p in pages:
        row = counts.get(p.organisation_id, {"residences": 0, "relais": 0}) if p.organisation_id in counted else None
        members.append(
            Member(
                organisation_id=p.organisation_id,
                name=p.organisation.name,
                slug=p.organisation.slug,
                residences=row["residences"] if row else None,
                relais=row["relais"] if row else None,
                shows_events=p.show_events,
            )
        )
    return members


def network_events(members: list[Member], *, today: datetime.date) -> list[Initiative]:
    """The upcoming events open to all of the members shown, from those whose
    page shows its events, soonest first; each with `where` and its
    organisation (to link to its page). Two queries."""
    shown = [m.organisation_id for m in members if m.shows_events]
    return _upcoming(
        Initiative.objects.filter(organisation_id__in=shown, publication__isnull=False).select_related(
            "kind", "organisation"
        ),
        today,
    )
