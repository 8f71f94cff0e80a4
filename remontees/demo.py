"""The remontées of the demo network: raised at the meetings' round tables,
at every status (called by `seed_demo` after the meetings)."""

import datetime

from relais.models import Relais, Residence
from remontees.models import Remontee
from reunions.models import Invitee, Reunion

SAID = [
    ("encombrants", "difficulte", "Des encombrants s'accumulent au pied du bâtiment C depuis trois semaines."),
    ("proprete", "difficulte", "Le hall est mal nettoyé le lundi, après le week-end."),
    ("securite", "difficulte", "L'éclairage du parking est en panne, les locataires ont peur le soir."),
    ("chauffage", "difficulte", "Les radiateurs du 4e étage restent tièdes depuis la remise en route."),
    ("ascenseur", "difficulte", "L'ascenseur tombe en panne plusieurs fois par mois."),
    ("espaces_verts", "proposition", "Installer des bacs à fleurs partagés devant l'entrée."),
    ("voisinage", "proposition", "Organiser un café des voisins pour accueillir les nouveaux locataires."),
    ("stationnement", "difficulte", "Des voitures ventouses occupent les places visiteurs."),
]
ANSWERS = {
    "nouvelle": "",
    "prise_en_compte": "Transmis au responsable de secteur, visite prévue.",
    "en_cours": "Le prestataire interviendra d'ici la fin du mois.",
    "resolue": "Réparé ; merci au relais pour son signalement.",
    "non_retenue": "Pas cette année : le budget va d'abord aux ascenseurs, priorité sur tout le patrimoine.",
}


def seed(*, organisation, staff, rng, today: datetime.date) -> None:
    if Remontee.objects.filter(organisation=organisation).exists():
        return
    held = Reunion.objects.filter(organisation=organisation, status="tenue", kind="thematique").order_by("starts_at")
    statuses = list(ANSWERS)
    rows = []
    for age, reunion in enumerate(reversed(list(held))):
        speakers = (
            Relais.objects.filter(pk__in=Invitee.objects.filter(reunion=reunion, attended=True).values("relais_id"))
            .prefetch_related("residences")
            .order_by("pk")[:6]
        )
        for n, relais in enumerate(speakers):
            residence = (
                next(iter(relais.residences.all()), None) or Residence.objects.filter(organisation=organisation).first()
            )
            theme, nature, description = SAID[(n + age * 3) % len(SAID)]
            # The older the meeting, the further along its remontées are.
            status = statuses[min(len(statuses) - 1, rng.randrange(0, 3) + (0 if age == 0 else 2))]
            rows.append(
                Remontee(
                    organisation=organisation,
                    residence=residence,
                    relais=relais,
                    theme=theme,
                    nature=nature,
                    description=description,
                    status=status,
                    status_reason=ANSWERS[status],
                    source=Remontee.Source.REUNION,
                    reunion=reunion,
                    created_by=staff,
                )
            )
    Remontee.objects.bulk_create(rows)
