"""The remontées of the demo network: raised at the meetings' round tables,
at every status (called by `seed_demo` after the meetings)."""

import datetime

from django.utils import timezone

from relais.models import Relais
from remontees import services
from remontees.models import Remontee, RemonteeEvent, Theme
from reunions.models import Invitee, Reunion

SAID = [
    (
        "Propreté et encombrants",
        "difficulte",
        "Des encombrants s'accumulent au pied du bâtiment C depuis trois semaines.",
    ),
    ("Nettoyage (prestataire)", "difficulte", "Le hall est mal nettoyé le lundi, après le week-end."),
    ("Sécurité / tranquillité", "difficulte", "L'éclairage du parking est en panne, les locataires ont peur le soir."),
    ("Chauffage et eau chaude", "difficulte", "Les radiateurs du 4e étage restent tièdes depuis la remise en route."),
    ("Ascenseur", "difficulte", "L'ascenseur tombe en panne plusieurs fois par mois."),
    ("Espaces verts", "proposition", "Installer des bacs à fleurs partagés devant l'entrée."),
    ("Voisinage", "proposition", "Organiser un café des voisins pour accueillir les nouveaux locataires."),
    ("Autre", "difficulte", "Des voitures ventouses occupent les places visiteurs."),
]
ANSWERS = {
    "nouvelle": "",
    "prise_en_compte": "Transmis au responsable de secteur, visite prévue.",
    "en_cours": "Le prestataire interviendra d'ici la fin du mois.",
    "resolue": "Réparé ; merci au relais pour son signalement.",
    "non_retenue": "Pas cette année : le budget va d'abord aux ascenseurs, priorité sur tout le patrimoine.",
}


def seed(*, organisation, staff, rng, today: datetime.date) -> None:
    """Remontées raised at the round tables of the meetings held, and from the
    relais' phones over the last weeks: the older, the further along. Each has
    its history (who answered, when), so the delays mean something."""
    if Remontee.objects.filter(organisation=organisation).exists():
        return
    themes = {t.name: t for t in Theme.objects.filter(organisation=organisation)}
    held = Reunion.objects.filter(organisation=organisation, status="tenue", kind="thematique").order_by("starts_at")
    raised = []  # (relais, when, source, reunion)
    for reunion in held:
        speakers = Relais.objects.filter(
            pk__in=Invitee.objects.filter(reunion=reunion, attended=True).values("relais_id")
        ).order_by("pk")[:6]
        raised += [(relais, reunion.starts_at, Remontee.Source.REUNION, reunion) for relais in speakers]
    active = list(organisation.relais.filter(status=Relais.Status.ACTIF, user__isnull=False).order_by("pk"))
    active += list(organisation.relais.filter(status=Relais.Status.ACTIF).order_by("pk")[:5])
    for days, relais in zip([40, 25, 12, 6, 2, 1], active, strict=False):
        when = timezone.now() - datetime.timedelta(days=days, hours=rng.randrange(1, 8))
        raised.append((relais, when, Remontee.Source.ESPACE, None))
    statuses = list(ANSWERS)
    for n, (relais, when, source, reunion) in enumerate(raised):
        residence = relais.residences.order_by("pk").first() or organisation.residences.order_by("pk").first()
        theme, nature, description = SAID[n % len(SAID)]
        age = (timezone.now() - when).days
        # The older, the further along: every status appears.
        status = statuses[min(4, n % 5 if age > 60 else n % 3)]
        remontee = services.remontee_create(
            organisation=organisation,
            by=staff if source == Remontee.Source.REUNION else relais.user,
            residence=residence,
            relais=relais,
            theme=themes[theme],
            nature=nature,
            description=description,
            source=source,
            reunion=reunion,
        )
        answered = when + datetime.timedelta(days=rng.randrange(1, 20)) if status != "nouvelle" else None
        closed = (
            answered + datetime.timedelta(days=rng.randrange(5, 40)) if status in ("resolue", "non_retenue") else None
        )
        Remontee.objects.filter(pk=remontee.pk).update(
            created_at=when,
            status=status,
            status_reason=ANSWERS[status],
            assignee=staff if status != "nouvelle" else None,
            answered_at=answered,
            closed_at=closed,
        )
        RemonteeEvent.objects.filter(remontee=remontee).update(at=when)
        if answered:
            for step, at in (
                [(status, closed or answered)] if closed is None else [("prise_en_compte", answered), (status, closed)]
            ):
                event = RemonteeEvent.objects.create(
                    remontee=remontee,
                    kind=RemonteeEvent.Kind.STATUT,
                    status=step,
                    comment=ANSWERS[step],
                    by=staff,
                )
                RemonteeEvent.objects.filter(pk=event.pk).update(at=at)
