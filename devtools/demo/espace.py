"""The relais' space in the demo (called by `seed_demo`): the guide written by
the team, and a year of activity logged by the relais from their phones."""

import datetime

from devtools.builder import Builder
from devtools.demo import history
from espace.services import guide_save
from relais.models import Relais

MISSIONS = """Être le lien entre les habitants de votre résidence et Habitat du Lac.
Faire remonter ce qui ne va pas (et ce qui va bien) avec l'application ou la fiche contact.
Accueillir les nouveaux locataires et rendre visite aux voisins isolés.
Participer aux réunions du réseau, trois ou quatre fois par an.
Un relais n'est ni un gardien, ni un agent d'Habitat du Lac : il ne règle pas les conflits à la place des voisins."""

CHARTER = """Je respecte la vie privée de mes voisins : je ne note ni leur nom, ni ce qu'ils me confient.
Je fais remonter les problèmes de la résidence, pas les reproches contre une personne.
Je suis bénévole : je donne le temps que je peux, et je peux faire une pause quand je veux."""

CONTACTS = """Ascenseur en panne : 04 79 00 11 22 (24 h/24, 7 j/7).
Fuite d'eau, panne de chauffage le soir ou le week-end : 04 79 00 33 44.
Encombrants, propreté des parties communes : votre chargée de proximité, Claire Fontaine, 06 12 34 56 78.
Une question sur un loyer ou un dossier : l'accueil, du lundi au vendredi de 9 h à 17 h."""

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
        charter=CHARTER,
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
