"""The relais' space in the demo (called by `seed_demo`): the guide written by
the team, a year of activity logged by the relais from their phones, what the
relais listed in the directory like to do, and the team's announcements (read
and unread)."""

import datetime

from devtools.builder import Builder
from devtools.demo import history
from espace.models import Announcement
from espace.services import guide_save
from relais.models import ListedRelais, Relais
from relais.services import relais_likes_set
from reunions.models import ReunionSeries

MISSIONS = """Être le lien entre les habitants de votre résidence et Habitat du Lac.
Faire remonter ce qui ne va pas (et ce qui va bien) avec l'application ou la fiche contact.
Accueillir les nouveaux locataires et rendre visite aux voisins isolés.
Participer aux réunions du réseau, trois ou quatre fois par an.
Un relais n'est ni un gardien, ni un agent d'Habitat du Lac : il ne règle pas les conflits à la place des voisins."""

# Published as the charter's first version by devtools/demo/parcours.py.
CHARTER = """Je respecte la vie privée de mes voisins : je ne note ni leur nom, ni ce qu'ils me confient.
Je fais remonter les problèmes de la résidence, pas les reproches contre une personne.
Je suis bénévole : je donne le temps que je peux, et je peux faire une pause quand je veux."""

CONTACTS = """Ascenseur en panne : 04 79 00 11 22 (24 h/24, 7 j/7).
Fuite d'eau, panne de chauffage le soir ou le week-end : 04 79 00 33 44.
Encombrants, propreté des parties communes : votre chargée de proximité, Claire Fontaine, 06 12 34 56 78.
Une question sur un loyer ou un dossier : l'accueil, du lundi au vendredi de 9 h à 17 h."""

LIKES = [
    "Cuisiner pour les repas partagés",
    "Bricoler, réparer les vélos des enfants",
    "Jardiner : les jardinières du bâtiment B",
    "Accueillir les nouveaux voisins",
    "Aider aux démarches en ligne",
    "Organiser la fête des voisins",
    "Coudre et apprendre aux autres",
    "Jouer aux cartes avec les anciens",
]
# (days ago, title, body, audience, share read)
ANNOUNCEMENTS = [
    (
        75,
        "Nouveau prestataire de nettoyage",
        "À partir du 1er du mois, l'entreprise Net'Hall nettoie les parties communes. "
        "Signalez-nous tout oubli avec l'application : nous faisons le point avec elle chaque mois.",
        "tous",
        0.9,
    ),
    (
        30,
        "Travaux de chauffage dans le quartier",
        "Les chaudières des résidences du quartier sont remplacées en novembre. Une coupure d'une demi-journée "
        "est prévue dans chaque résidence ; l'affiche précisera le jour. Merci de prévenir vos voisins âgés.",
        "quartier",
        0.6,
    ),
    (
        3,
        "Plénière annuelle : réservez la date",
        "La réunion plénière de l'année aura lieu dans la salle commune. Nous y présenterons le bilan et les "
        "projets de l'an prochain : venez nombreux, et amenez un voisin qui voudrait devenir relais !",
        "tous",
        0.2,
    ),
]
# (days ago, kind, households, theme)
LOG = [
    (300, "porte_a_porte", 18, "accueil"),
    (260, "visite", 2, "isolement"),
    (210, "aide", 1, "demarches"),
    (170, "porte_a_porte", 24, "proprete"),
    (120, "visite", 3, "accueil"),
    (90, "aide", 2, "logement"),
    (45, "porte_a_porte", 15, "tranquillite"),
    (20, "visite", 1, "isolement"),
    (6, "aide", 1, "demarches"),
]


def seed(b: Builder) -> None:
    """The first twelve active relais each logged part of the year, on the days
    they were relais."""
    rng = b.rng
    guide_save(
        organisation=b.organisation,
        by=b.by,
        missions=MISSIONS,
        contacts=CONTACTS,
        reception_phone="04 79 00 00 00",
        emergency_phone="04 79 00 33 44",
    )
    entries = []
    for n, relais in enumerate(b.active(b.today)[:12]):
        for days, kind, households, theme in LOG[n % 3 :: 2]:
            day = b.today - datetime.timedelta(days=days + rng.randrange(0, 5))
            if b.plan_of(relais).status_on(day) == Relais.Status.ACTIF:
                entries.append((relais, day, kind, max(1, households + rng.randrange(-2, 3)), theme))
    # Two years before: the same rhythm, by the relais active then.
    first, last = history(b.today)
    for years_back in (1, 2):
        for n, relais in enumerate(b.active(last)[:12]):
            for days, kind, households, theme in LOG[n % 3 :: 2]:
                day = b.today - datetime.timedelta(days=days + 365 * years_back + rng.randrange(0, 5))
                if first <= day <= last and b.plan_of(relais).status_on(day) == Relais.Status.ACTIF:
                    entries.append((relais, day, kind, max(1, households + rng.randrange(-2, 3)), theme))
    b.activities(entries)
    seed_likes(b)
    seed_announcements(b)


def seed_likes(b: Builder) -> None:
    """Most relais listed in the directory said what they like to do."""
    for n, relais in enumerate(ListedRelais.objects.filter(organisation=b.organisation).order_by("pk")):
        if n % 4 != 3:
            relais_likes_set(relais=relais, likes=LIKES[n % len(LIKES)])


def seed_announcements(b: Builder) -> None:
    """Three announcements to the network, the oldest read by most, the last
    unread by most (the relais who logs in among them); and one to the
    invitees of the year's thematic meetings when they form a series."""
    own = Relais.objects.filter(organisation=b.organisation, user__isnull=False).select_related("user").first()
    home = b.home(own) if own else None
    for days, title, body, audience, read in ANNOUNCEMENTS:
        target = {"audience": audience}
        if audience == Announcement.Audience.QUARTIER:
            target["quartier"] = home.quartier if home and home.quartier else b.organisation.quartiers.first()
        b.announce(day=b.today - datetime.timedelta(days=days), title=title, body=body, read=read, **target)
    series = ReunionSeries.objects.filter(organisation=b.organisation).first()
    if series is not None:
        b.announce(
            day=b.today - datetime.timedelta(days=10),
            title=f"{series.title} : les documents",
            body="Vous trouverez le programme des prochaines réunions dans votre espace.",
            audience=Announcement.Audience.SERIE,
            series=series,
            read=0.5,
        )
