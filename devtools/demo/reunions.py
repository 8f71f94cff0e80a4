"""The meetings of the demo network: last year's plenary and this year's
thematic meetings, some held with answers, attendance, minutes and actions, one
cancelled, some to come; the next thematic meeting follows up the last one held."""

import datetime

from devtools.builder import ActionPlan, Builder, ReunionPlan
from devtools.demo import history
from reunions.models import ActionItem, Reunion

DAY = datetime.timedelta(days=1)
PLAN = [
    (-330, Reunion.Kind.PLENIERE, "Réunion plénière annuelle", "bilan de l'année, perspectives", "tenue"),
    (-200, Reunion.Kind.THEMATIQUE, "Thématique : propreté et encombrants", "encombrants, nettoyage", "tenue"),
    (-110, Reunion.Kind.THEMATIQUE, "Thématique : sécurité et tranquillité", "sécurité, éclairage", "tenue"),
    (-60, Reunion.Kind.COMITE, "Comité du réseau", "fonds de participation", "annulee"),
    (-20, Reunion.Kind.FORMATION, "Formation : le rôle du relais", "accueil des nouveaux relais", "tenue"),
    (9, Reunion.Kind.THEMATIQUE, "Thématique : chauffage et eau chaude", "chauffage, prestataire", "prevue"),
    (45, Reunion.Kind.PLENIERE, "Réunion plénière annuelle", "bilan de l'année, perspectives", "prevue"),
]
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


def seed(b: Builder) -> None:
    """The plenaries invite every relais active that day, the others eighteen
    of them. The invitations are recorded as sent when each meeting was planned."""
    common_room = b.organisation.residences.filter(has_common_room=True).order_by("pk").first()
    plans = []
    for days, kind, title, themes, status in PLAN:
        day = b.today + days * DAY
        active = b.active(min(day, b.today))
        invited = active if kind == Reunion.Kind.PLENIERE else b.rng.sample(active, k=min(18, len(active)))
        plan = ReunionPlan(
            kind=kind,
            day=day,
            status=status,
            title=title,
            themes=themes,
            residence=common_room,
            invitees=b.invite(invited, held=status == Reunion.Status.TENUE),
        )
        if status == Reunion.Status.TENUE:
            _minutes(b, plan)
        plans.append(plan)
    # The next thematic meeting follows the last one held: its agenda starts
    # with the actions still open (suivi des actions).
    thematic = [p for p in plans if p.kind == Reunion.Kind.THEMATIQUE]
    following = min((p for p in thematic if p.status == Reunion.Status.PREVUE), key=lambda p: p.day)
    following.previous = max((p for p in thematic if p.status == Reunion.Status.TENUE), key=lambda p: p.day)
    following.agenda = "Tour de table des résidences\nLe nouveau prestataire de chauffage"
    # Two years before: about six meetings a year, a few cancelled.
    first, last = history(b.today)
    b.reunions(plans + b.plan_reunions(6, first=first, last=last, address=common_room.name if common_room else ""))
    # A convocation to that meeting was with the mail server when its worker
    # stopped: the meeting's page shows it « envoi incertain », with « Renvoyer ».
    b.interrupted_hand_off(following.reunion, "convocation")


def _minutes(b: Builder, plan: ReunionPlan) -> None:
    """A held meeting's agenda, minutes, decisions and actions. Old meetings'
    actions are done; a recent meeting's second action is still open, and late:
    the next meeting's agenda follows it up; the last meeting's are under way."""
    plan.agenda, plan.minutes, plan.decisions, actions = MINUTES.get(plan.kind, MINUTES[Reunion.Kind.THEMATIQUE])
    present = [i.relais for i in plan.invitees if i.attended]
    age = (b.today - plan.day).days
    for number, title in enumerate(actions):
        due = plan.day + b.rng.choice([20, 30, 45]) * DAY
        done = age > 150 or (number == 0 and age > 60)
        plan.actions.append(
            ActionPlan(
                title=title,
                owner=present[number % len(present)] if present and number % 2 else b.by,
                due_on=due,
                status=ActionItem.Status.FAITE if done else ActionItem.Status.OUVERTE,
                closed_on=due if done else None,
            )
        )
