"""The demo's regional network (reseau/): « Réseau régional des habitants-relais »,
an organisation of kind réseau whose members are Habitat du Lac, the Centre
social des Tilleuls and Rhône Habitat; its coordinator; an operational
committee held last month with guests from the members, its minutes (« point
des accompagnateurs ») and actions; a thematic meeting online to come; a
library with versioned documents; the members' key figures, computed by their
bilans; projects followed on the ground at every stage, with their
accompagnateurs, funds and histories, the next committee's « point des
accompagnateurs » made from them; the call for projects « Coups de pouce 2027 »
with three applications, two scored by three committee members, one granted;
the network's bilan of last year, its PDF ready (the bilans machinery); its
public page (the members that publish theirs: Habitat du Lac)."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db.models import F, Q
from django.utils import timezone

from bilans import services as bilans_services
from core.models import Membership, Message, Organisation, User
from core.uploads import Attachment
from devtools.builder import ActionPlan, Builder, Invited, ReunionPlan
from devtools.demo import bilans as demo_bilans
from relais.models import ListedRelais
from reseau import services
from reseau.bilan import STALE_AFTER as NETWORK_STALE_AFTER
from reseau.models import Application, Document, Fund, Project, ProjectEvent
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
    committee_members = [coordinator, *_committee_members(network)]
    _projects(network, members, [coordinator, *staff, *committee_members[1:]], today)
    next_committee = ReunionPlan(
        "comite",
        today + 45 * DAY,
        title="Comité opérationnel du réseau — hiver",
        address="Maison des associations, 12 rue Servient, Lyon",
        hour=14,
        agenda="Actions de sensibilisation : bilan des douze actions",
    )
    b.reunions([next_committee])
    services.committee_agenda_generate(reunion=next_committee.reunion, by=coordinator)
    _call(network, members, committee_members, today)
    # Its public page: the members that publish theirs (Habitat du Lac), counts and events.
    public_services.public_page_save(
        organisation=network,
        by=coordinator,
        page=PublicPage(published=True, intro=PUBLIC_INTRO, contact=PUBLIC_CONTACT, accept_candidates=False),
        initiatives=[],
    )
    for year in (today.year, today.year - 1):
        services.network_figures_refresh(network=network, year=year)
    _bilan(network, coordinator, today.year - 1)


def _bilan(network: Organisation, coordinator: User, year: int) -> None:
    """Last year's network bilan, made as the « Générer » button's task makes it."""
    # Figures older than a day are recomputed first, as the task does.
    services.network_figures_refresh(network=network, year=year, stale_before=timezone.now() - NETWORK_STALE_AFTER)
    bilan = bilans_services.bilan_open(organisation=network, year=year)
    bilans_services.bilan_save_texts(
        bilan=bilan,
        introduction=(
            "Trois organisations ont partagé leurs chiffres avec le réseau cette année : ce bilan les additionne "
            "pour le comité opérationnel, sans jamais nommer une personne."
        ),
        perspectives="Accueillir deux nouveaux membres et tenir les réunions thématiques en ligne tous les deux mois.",
        examples=[],
    )
    demo_bilans.ready(bilan, coordinator)


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


def _committee_members(network: Organisation) -> list[User]:
    """Two more people of the network's team: with its coordinator, the selection committee."""
    people = []
    for email, first, last in [
        ("karim.benali@reseau-regional.test", "Karim", "Benali"),
        ("julie.perrin@reseau-regional.test", "Julie", "Perrin"),
    ]:
        user, _ = User.objects.get_or_create(email=email, defaults={"first_name": first, "last_name": last})
        Membership.objects.get_or_create(
            user=user, organisation=network, defaults={"role": Membership.Role.COORDINATOR}
        )
        people.append(user)
    return people


def _dated(project: Project, day: datetime.date) -> None:
    """The lines the services just wrote, dated when they happened in the demo's story."""
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 30)))
    fresh = ProjectEvent.objects.filter(project=project, at__gte=timezone.now() - datetime.timedelta(minutes=10))
    fresh.update(at=at)
    Project.objects.filter(pk=project.pk, created_at__gt=at).update(created_at=at)


def _projects(network, members, people, today) -> None:
    """Five projects across the members, at several stages; some moved since
    last month's committee (they make the next one's agenda), some did not."""
    lac, tilleuls, rhone = members
    coordinator, claire, sophie, karim, julie = people

    def site(member, fallback):
        residence = member.residences.order_by("pk").first()
        return residence.name if residence else fallback

    def update(project, day, **changes):
        current = {f: getattr(project, f) for f in ("title", "site", "stage", "next_step", "blockers")}
        current["accompagnateur"] = project.accompagnateur
        services.project_update(project=project, by=coordinator, **{**current, **changes})
        project.refresh_from_db()
        _dated(project, day)

    def fund(project, day, kind, amount, months=6):
        services.fund_grant(
            project=project, by=coordinator, kind=kind, amount=amount, granted_on=day,
            starts_on=day, ends_on=day + months * 30 * DAY,
        )  # fmt: skip
        _dated(project, day)

    def create(member, day, title, place, accompagnateur):
        project = services.project_create(
            network=network, member=member, by=coordinator, title=title, site=place, accompagnateur=accompagnateur
        )
        _dated(project, day)
        return project

    garden = create(lac, today - 200 * DAY, "Jardin partagé en pied d'immeuble", site(lac, "Résidence du Lac"), claire)
    update(garden, today - 170 * DAY, stage=Project.Stage.CADRAGE, next_step="Choisir l'emplacement avec le gardien")
    fund(garden, today - 150 * DAY, Fund.Kind.MOBILISATION, 1200)
    update(garden, today - 12 * DAY, stage=Project.Stage.EN_COURS, next_step="Planter les premiers bacs avec l'école")

    local = create(lac, today - 120 * DAY, "Local commun des relais", site(lac, "Résidence du Lac"), coordinator)
    fund(local, today - 90 * DAY, Fund.Kind.CADRAGE, 2500, months=4)
    update(
        local,
        today - 6 * DAY,
        stage=Project.Stage.CADRAGE,
        next_step="Visite du local avec le service patrimoine",
        blockers="L'assurance du local n'est pas encore validée par le bailleur",
    )

    place = site(tilleuls, "Quartier des Tilleuls")
    meals = create(tilleuls, today - 300 * DAY, "Repas de quartier mensuel", place, sophie)
    update(meals, today - 280 * DAY, stage=Project.Stage.EN_COURS, next_step="Trouver une cuisine pour l'hiver")
    fund(meals, today - 270 * DAY, Fund.Kind.DYNAMIQUE, 800)
    update(meals, today - 60 * DAY, stage=Project.Stage.REALISE, next_step="")

    collective = create(rhone, today - 20 * DAY, "Collectif de relais de la Duchère", site(rhone, "La Duchère"), karim)
    update(collective, today - 15 * DAY, next_step="Réunion d'information des locataires le mois prochain")

    digital = create(rhone, today - 240 * DAY, "Ateliers numériques pour les aînés", site(rhone, "La Duchère"), julie)
    update(digital, today - 200 * DAY, stage=Project.Stage.EN_COURS, next_step="Atelier du samedi matin")
    given_up = {
        "stage": Project.Stage.ABANDONNE,
        "next_step": "",
        "blockers": "Plus de bénévole disponible le samedi ; le centre social reprend l'idée",
    }
    update(digital, today - 75 * DAY, **given_up)


def _call(network, members, committee, today) -> None:
    """« Coups de pouce 2027 »: closed ten days ago; two applications scored by
    the three committee members, one granted 1 500 €, one waiting; a third not scored yet."""
    lac, tilleuls, rhone = members
    deadline = timezone.make_aware(datetime.datetime.combine(today - 10 * DAY, datetime.time(23, 59)))
    call = services.call_create(
        network=network,
        by=committee[0],
        title="Coups de pouce 2027",
        description=(
            "Des fonds pour les projets portés par les habitants-relais et les équipes des membres : "
            "mobilisation habitante, étude de cadrage, appui à la dynamique collective."
        ),
        envelope=6000,
        deadline=deadline,
        criteria=[
            ("Implication des habitants", 3),
            ("Faisabilité et budget", 2),
            ("Effets pour la résidence ou le quartier", 2),
        ],
    )
    criteria = list(call.criteria.order_by("position"))
    applications = []
    for n, (member, title, budget, text, effects) in enumerate(
        [
            (lac, "Fête des voisins des Érables", 1800,
             "Une fête dans la cour, préparée par les relais et l'amicale des locataires.",
             "Des voisins qui se connaissent ; deux nouveaux relais dans le bâtiment B."),
            (tilleuls, "Chantier peinture de la cage d'escalier", 2400,
             "Les habitants repeignent leur cage d'escalier avec une association d'insertion.",
             "Un hall respecté ; des jeunes du quartier associés au chantier."),
            (rhone, "Boîte à livres de la Duchère", 600,
             "Une boîte à livres fabriquée par l'atelier bois du centre social, devant la résidence.",
             "Un lieu d'échange au pied de l'immeuble."),
        ]
    ):  # fmt: skip
        applications.append(
            services.application_submit(
                call=call,
                applicant=member,
                by=None,
                title=title,
                description=text,
                budget=budget,
                expected_effects=effects,
                now=deadline - (20 - 5 * n) * DAY,
            )
        )
    marks = [
        {committee[0]: [5, 4, 4], committee[1]: [4, 4, 5], committee[2]: [5, 3, 4]},
        {committee[0]: [3, 2, 4], committee[1]: [4, 3, 3], committee[2]: [2, 3, 4]},
    ]
    for application, by_member in zip(applications, marks, strict=False):
        for member, values in by_member.items():
            services.scores_set(
                application=application,
                scorer=member,
                values={c.pk: v for c, v in zip(criteria, values, strict=True)},
            )
    services.application_decide(
        application=applications[0],
        by=committee[0],
        granted=True,
        amount=1500,
        conditions="Quelques photos et un mot des relais pour le prochain comité.",
    )
    # Told when it was decided: nothing left waiting in the outbox.
    Message.objects.filter(
        subject_type=ContentType.objects.get_for_model(Application), state=Message.State.PENDING
    ).update(state=Message.State.SENT, sent_at=F("scheduled_for"), attempts=1)


def already(network: Organisation) -> bool:
    return network.member_links.filter(Q(left_on__isnull=True)).exists()
