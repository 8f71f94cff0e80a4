"""The demo's regional network (reseau/): « Réseau régional des habitants-relais »,
an organisation of kind réseau whose members are Habitat du Lac, the Centre
social des Tilleuls and Rhône Habitat; its coordinator; an operational
committee held last month with guests from the members, its minutes (« point
des accompagnateurs ») and actions; a thematic meeting online to come; a
library with versioned documents; the members' key figures, computed by their
bilans; its public page (the members that publish theirs: Habitat du Lac)."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.db.models import Q

from core.models import Organisation, User
from core.uploads import Attachment
from devtools.builder import ActionPlan, Builder, Invited, ReunionPlan
from relais.models import ListedRelais
from reseau import services
from reseau.models import Document
from reunions.models import Invitee
from vitrine import services as public_services
from vitrine.models import PublicPage

DAY = datetime.timedelta(days=1)

PUBLIC_INTRO = (
    "Dans la région, des locataires donnent un peu de leur temps à leur résidence : ils accueillent les "
    "nouveaux voisins, font remonter ce qui ne va pas et organisent des moments conviviaux. Les bailleurs "
    "et les centres sociaux du réseau les soutiennent et se retrouvent pour partager ce qui marche."
)
PUBLIC_CONTACT = "Coordination du réseau : coordination@reseau-regional.test"


def _pdf(title: str) -> Attachment:
    """A one-page PDF saying its title (enough for the demo's downloads)."""
    body = f"BT /F1 18 Tf 60 760 Td ({title}) Tj ET".encode("latin-1", "replace")
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
        b"4 0 obj<</Length " + str(len(body)).encode() + b">>stream\n" + body + b"\nendstream endobj\n"
        b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    slug = "".join(c if c.isalnum() else "-" for c in title.lower())[:40]
    return Attachment(ContentFile(pdf, name=f"{slug}.pdf"), "application/pdf", f"{slug}.pdf")


def seed(
    network: Organisation,
    members: list[Organisation],
    *,
    coordinator: User,
    staff: list[User],
    relais_user: User,
    today,
) -> None:
    joined = datetime.date(today.year - 2, 1, 1)
    for member in members:
        services.network_member_add(network=network, member=member, joined_on=joined)
    b = Builder(network, by=coordinator, today=today, serial=300)
    # The relais who logs in is among the guests (if she agreed to be presented): her « Mes réunions » shows them.
    listed = ListedRelais.objects.filter(organisation__in=members[:2])
    guests = list(listed.filter(user=relais_user)) + list(
        listed.exclude(user=relais_user).order_by("organisation", "pk")[:3]
    )
    committee = ReunionPlan(
        "comite",
        today - 30 * DAY,
        "tenue",
        title="Comité opérationnel du réseau",
        address="Maison des associations, 12 rue Servient, Lyon",
        hour=14,
        invitees=[Invited(r, "present", n != 3) for n, r in enumerate(guests)],
        agenda="Point des accompagnateurs\nActions de sensibilisation sur les territoires\nKit de sensibilisation",
        minutes=(
            "Point des différents accompagnateurs ayant une démarche en cours : trois démarches avancent, "
            "une attend la validation du bailleur.\n"
            "Douze actions de sensibilisation sont prévues sur les territoires d'ici l'été.\n"
            "Le kit de sensibilisation est mis à jour (version 2) : il est dans la bibliothèque."
        ),
        decisions="Deux sessions de sélection des projets proposés\nRéunions thématiques en ligne tous les deux mois",
        actions=[ActionPlan("Diffuser le kit de sensibilisation aux relais", guests[0], today + 20 * DAY)]
        if guests
        else [],
    )
    b.reunions([committee])
    # Staff of the members were invited too (the meetings' own invitations).
    reunion = committee.reunion
    Invitee.objects.bulk_create(
        [Invitee(reunion=reunion, user=u, answer="present", attended=True) for u in staff], ignore_conflicts=True
    )
    # A thematic meeting to come, online; its convocations recorded as sent (the
    # demo leaves nothing waiting in the outbox when `make run` starts).
    thematic = ReunionPlan(
        "thematique",
        today + 24 * DAY,
        title="Réunion thématique en ligne : garder l'élan des collectifs",
        address="En visioconférence (le lien est dans la convocation)",
        invitees=[Invited(r) for r in guests[:2]],
    )
    b.reunions([thematic])
    Invitee.objects.bulk_create([Invitee(reunion=thematic.reunion, user=u) for u in staff], ignore_conflicts=True)
    _library(network, members, coordinator, reunion)
    # Its public page: the members that publish theirs (Habitat du Lac), counts and events.
    public_services.public_page_save(
        organisation=network,
        by=coordinator,
        page=PublicPage(published=True, intro=PUBLIC_INTRO, contact=PUBLIC_CONTACT, accept_candidates=False),
        initiatives=[],
    )
    for year in (today.year, today.year - 1):
        services.network_figures_refresh(network=network, year=year)


def _library(network, members, coordinator, committee) -> None:
    kit = services.document_create(
        organisation=network,
        by=coordinator,
        title="Kit de sensibilisation",
        kind=Document.Kind.KIT,
        audience=Document.Audience.RELAIS,
        description="Affiches, déroulé d'un porte-à-porte et fiche « être relais » pour équiper le réseau.",
        file=_pdf("Kit de sensibilisation - version 1"),
        reunions=[committee],
    )
    services.version_add(
        document=kit, by=coordinator, file=_pdf("Kit de sensibilisation - version 2"), note="Affiches refaites"
    )
    services.document_create(
        organisation=network,
        by=coordinator,
        title="Charte des habitants-relais",
        kind=Document.Kind.CHARTE,
        audience=Document.Audience.RELAIS,
        file=_pdf("Charte des habitants-relais"),
    )
    services.document_create(
        organisation=network,
        by=coordinator,
        title="Être relais, en trois minutes",
        kind=Document.Kind.VIDEO,
        audience=Document.Audience.PUBLIC,
        link="https://video.example/etre-relais",
    )
    services.document_create(
        organisation=network,
        by=coordinator,
        title="Guide de l'accompagnateur",
        kind=Document.Kind.GUIDE,
        audience=Document.Audience.RESEAU,
        file=_pdf("Guide de l'accompagnateur"),
    )
    services.document_create(
        organisation=members[0],
        by=None,
        title="Affiche « Votre relais » (modèle)",
        kind=Document.Kind.AFFICHE,
        audience=Document.Audience.RESEAU,
        file=_pdf("Affiche Votre relais"),
    )
    services.document_create(
        organisation=members[0],
        by=None,
        title="Procédure interne des remontées",
        kind=Document.Kind.GUIDE,
        audience=Document.Audience.ORGANISATION,
        file=_pdf("Procedure interne"),
    )


def already(network: Organisation) -> bool:
    return network.member_links.filter(Q(left_on__isnull=True)).exists()
