"""The public page of the demo network (called by `seed_demo`, after the
initiatives): Habitat du Lac publishes it, with its upcoming events and the
stories of events done, the names of the relais who agreed to be presented,
the landlord's contacts, and the version framed on its own site; two households
said they would come to the next event, one asking to be reminded (pending in the
outbox until 10:00 the day before); a neighbour offered to become a relais through the form two days ago and waits in
« À traiter »."""

import datetime

from devtools.builder import Builder, clock
from initiatives import services as initiatives_services
from initiatives.models import Initiative
from vitrine import services
from vitrine.models import PublicPage

INTRO = (
    "Un habitant-relais est un locataire d'Habitat du Lac qui donne un peu de son temps à sa résidence : "
    "il accueille les nouveaux voisins, fait remonter ce qui ne va pas dans les parties communes et "
    "organise avec d'autres des moments conviviaux.\n\n"
    "Il n'est ni gardien ni salarié : c'est un voisin, soutenu par l'équipe de médiation, "
    "qui le réunit plusieurs fois par an."
)

CONTACT = """Accueil d'Habitat du Lac : 4 quai des Pêcheurs, 74000 Annecy
Du lundi au vendredi, de 9 h à 12 h 30 et de 13 h 30 à 17 h
Téléphone : 04 50 00 00 00"""


def seed(b: Builder) -> None:
    organisation, today = b.organisation, b.today
    # What a landlord would choose: what comes, and the stories of the past year.
    shown = Initiative.objects.filter(
        organisation=organisation,
        status__in=[Initiative.Status.PREVUE, Initiative.Status.REALISEE],
        starts_on__gte=today - datetime.timedelta(days=365),
    ).order_by("pk")
    with clock(b.at(today - datetime.timedelta(days=20))):
        services.public_page_save(
            organisation=organisation,
            by=b.by,
            page=PublicPage(
                published=True,
                intro=INTRO,
                show_names=True,
                contact=CONTACT,
                embed_origins="https://www.habitat-du-lac.test",
            ),
            initiatives=list(shown),
        )
    # Two households said they would come to the next event open to all.
    upcoming = shown.filter(status=Initiative.Status.PREVUE, starts_on__gte=today).order_by("starts_on").first()
    if upcoming is not None:
        with clock(b.at(today - datetime.timedelta(days=1), hour=20)):
            initiatives_services.neighbour_attendance_add(initiative=upcoming, name="Famille Benhamou", household=4)
            # Jo asked to be reminded: the e-mail waits in the outbox for 10:00 the day before.
            initiatives_services.neighbour_attendance_add(
                initiative=upcoming, name="Jo du 3e", household=1, remind_to="jo.du.3e@example.test"
            )
    residence = organisation.residences.order_by("name", "pk").first()
    # Her confirmation went out when she sent the form.
    with clock(b.at(today - datetime.timedelta(days=2), hour=19)), b.recorded():
        services.candidate_apply(
            organisation=organisation,
            first_name="Inès",
            last_name="Garnier",
            residence=residence,
            email="ines.garnier@example.test",
            phone="",
        )
