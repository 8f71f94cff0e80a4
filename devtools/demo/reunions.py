"""The meetings of the demo network (called by `seed_demo`)."""

import datetime

from django.utils import timezone

from relais.models import Relais
from reunions import services
from reunions.models import ActionItem, Invitee, Reunion

PLAN = [
    (-330, Reunion.Kind.PLENIERE, "Réunion plénière annuelle", "bilan de l'année, perspectives", "tenue"),
    (-200, Reunion.Kind.THEMATIQUE, "Thématique : propreté et encombrants", "encombrants, nettoyage", "tenue"),
    (-110, Reunion.Kind.THEMATIQUE, "Thématique : sécurité et tranquillité", "sécurité, éclairage", "tenue"),
    (-60, Reunion.Kind.COMITE, "Comité du réseau", "fonds de participation", "annulee"),
    (-20, Reunion.Kind.FORMATION, "Formation : le rôle du relais", "accueil des nouveaux relais", "tenue"),
    (9, Reunion.Kind.THEMATIQUE, "Thématique : chauffage et eau chaude", "chauffage, prestataire", "prevue"),
    (45, Reunion.Kind.PLENIERE, "Réunion plénière annuelle", "bilan de l'année, perspectives", "prevue"),
]


def seed(*, organisation, staff, rng, today: datetime.date) -> None:
    """Last year's plenary and this year's thematic meetings: some held, with
    answers and attendance, one cancelled, some to come. Nothing is sent: the
    invitees are recorded as if the invitations had gone out."""
    if Reunion.objects.filter(organisation=organisation).exists():
        return
    tz = timezone.get_current_timezone()

    def at(days: int, hour: int) -> datetime.datetime:
        day = today + datetime.timedelta(days=days)
        return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)

    common_room = organisation.residences.filter(has_common_room=True).order_by("pk").first()
    active = list(organisation.relais.filter(status=Relais.Status.ACTIF).order_by("pk"))
    for days, kind, title, themes, status in PLAN:
        reunion = services.reunion_plan(
            organisation=organisation,
            by=staff,
            kind=kind,
            title=title,
            themes=themes,
            starts_at=at(days, 18),
            ends_at=at(days, 20),
            residence=common_room,
        )
        invited = active if kind == Reunion.Kind.PLENIERE else rng.sample(active, k=min(18, len(active)))
        rows = []
        for person in invited:
            answer = rng.choices(["present", "absent", "peut_etre", ""], weights=[6, 2, 1, 2])[0]
            attended = (answer == "present" and rng.random() < 0.9) if status == "tenue" else None
            answered_at = reunion.starts_at - datetime.timedelta(days=3) if answer else None
            rows.append(
                Invitee(reunion=reunion, relais=person, answer=answer, attended=attended, answered_at=answered_at)
            )
        Invitee.objects.bulk_create(rows)
        if status != Reunion.Status.PREVUE:
            Reunion.objects.filter(pk=reunion.pk).update(status=status)
        if status == Reunion.Status.TENUE:
            _minutes(reunion, staff=staff, relais=[r.relais for r in rows if r.attended], rng=rng, today=today)
    _follow_up(organisation, staff=staff, today=today)


MINUTES = {
    Reunion.Kind.PLENIERE: (
        "Accueil et tour des présents\nBilan de l'année\nLes projets de l'an prochain\nQuestions diverses",
        "Le bailleur a présenté le bilan de l'année : les remontées ont reçu une réponse en 24 jours en "
        "moyenne, et douze initiatives ont réuni plus de 400 habitants. Les relais souhaitent davantage de "
        "visites de courtoisie aux nouveaux locataires.",
        "Un temps d'accueil des nouveaux relais chaque trimestre\nLe fonds de participation passe à 3 000 €",
        ["Préparer le livret d'accueil des nouveaux locataires", "Réserver la salle de la plénière suivante"],
    ),
    Reunion.Kind.THEMATIQUE: (
        "Tour de table des résidences\nRéponses du bailleur\nPropositions des relais",
        "Chaque relais a présenté la situation de sa résidence. Le bailleur a répondu point par point et "
        "a expliqué les priorités de l'année sur l'ensemble du patrimoine.",
        "Une visite commune relais – gardien dans chaque résidence concernée\nUn point d'étape à la réunion suivante",
        ["Transmettre la liste des halls à nettoyer en priorité", "Relancer le prestataire sur les encombrants"],
    ),
    Reunion.Kind.FORMATION: (
        "Le rôle du relais\nQui appeler pour quoi\nÉchanges",
        "Formation animée par l'équipe de médiation : la charte du relais, la fiche contact, les limites du rôle.",
        "Une fiche « qui appeler » affichée dans chaque hall",
        ["Imprimer la fiche « qui appeler » pour chaque résidence"],
    ),
}


def _minutes(reunion, *, staff, relais, rng, today) -> None:
    """A held meeting's agenda, minutes, decisions and actions, published (no
    message goes out: the demo records, it does not send)."""
    agenda, minutes, decisions, actions = MINUTES.get(reunion.kind, MINUTES[Reunion.Kind.THEMATIQUE])
    services.minutes_save(reunion=reunion, agenda=agenda, minutes=minutes, decisions=decisions)
    Reunion.objects.filter(pk=reunion.pk).update(minutes_published_at=reunion.ends_at + datetime.timedelta(days=2))
    held_on = timezone.localdate(reunion.starts_at)
    for number, title in enumerate(actions):
        owner = relais[number % len(relais)] if relais and number % 2 else staff
        due = held_on + datetime.timedelta(days=rng.choice([20, 30, 45]))
        # Old meetings' actions are done; a recent meeting's second action is
        # still open, and late: the next meeting's agenda follows it up; the
        # last meeting's actions are under way.
        age = (today - held_on).days
        done = age > 150 or (number == 0 and age > 60)
        status = ActionItem.Status.FAITE if done else ActionItem.Status.OUVERTE
        ActionItem.objects.create(
            reunion=reunion,
            title=title,
            owner_relais=owner if isinstance(owner, Relais) else None,
            owner_user=None if isinstance(owner, Relais) else owner,
            due_on=due,
            status=status,
            closed_on=due if status == ActionItem.Status.FAITE else None,
            created_by=staff,
        )


def _follow_up(organisation, *, staff, today) -> None:
    """The next thematic meeting follows the last one held: its agenda starts
    with the actions still open (suivi des actions)."""
    held = Reunion.objects.filter(organisation=organisation, kind=Reunion.Kind.THEMATIQUE, status="tenue")
    upcoming = Reunion.objects.filter(organisation=organisation, kind=Reunion.Kind.THEMATIQUE, status="prevue")
    last, following = held.order_by("-starts_at").first(), upcoming.order_by("starts_at").first()
    if last and following:
        Reunion.objects.filter(pk=following.pk).update(previous=last)
        services._carry_over(last, following)
        services.minutes_save(
            reunion=following,
            agenda="Tour de table des résidences\nLe nouveau prestataire de chauffage",
            minutes="",
            decisions="",
        )
