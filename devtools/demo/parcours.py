"""The relais' way in and along, in the demo (called by `seed_demo`): a charter
in two versions (the second, two months old, not yet signed by all: the relais
who logs in signed only the first, so her home asks her to sign it), the guide
read by most, two relais who joined lately with a checklist half done, the
trainings with their sessions (the path of new relais completed by those who
came to both), and the thanks: milestones noticed, one thanked, the others
waiting for the team."""

import datetime

from devtools.builder import Builder, RelaisPlan, ReunionPlan, Step
from devtools.demo.espace import CHARTER
from parcours import services
from parcours.models import CharterSignature, GuideReading, Milestone, TrainingModule
from relais.models import Relais
from relais.services import contact_log_add
from reunions.models import Reunion

DAY = datetime.timedelta(days=1)
CHARTER_V2 = CHARTER + "\nJe préviens l'équipe si je m'absente longtemps ou si j'arrête : quelqu'un prendra le relais."
MODULES = [
    (
        "Le rôle du relais",
        "Savoir ce que fait un relais et ce qu'il ne fait pas.\nConnaître la charte et la fiche contact.",
        150,
        1,
    ),
    (
        "Qui appeler pour quoi",
        "Orienter un voisin vers le bon service.\nFaire remonter un problème avec l'application.",
        120,
        2,
    ),
    ("Animer un temps convivial", "Préparer une fête des voisins, un repas partagé, un atelier.", 180, None),
]


def seed(b: Builder) -> None:
    newcomers = _newcomers(b)
    v1, v2 = _charter(b)
    people = [r for r in b.active(b.today) if r not in newcomers]
    _signatures(b, people, v1, v2)
    _readings(b, people)
    _training(b)
    _newcomers_steps(b, newcomers, v2)
    _thanks(b)


def _newcomers(b: Builder) -> list[Relais]:
    """Two relais who joined lately, in residences that have relais already."""
    homes = [b.home(r) for r in b.active(b.today)[:2]]
    plans = [
        RelaisPlan(
            "Inès",
            "Ferreira",
            [Step(Relais.Status.ACTIF, b.today - 34 * DAY)],
            homes=[(homes[0], "Esc. 3")],
            email="ines.ferreira@exemple.test",
            consents=["email", "annuaire"],
        ),
        RelaisPlan(
            "Mamadou",
            "Sylla",
            [Step(Relais.Status.CANDIDAT, b.today - 12 * DAY)],
            homes=[(homes[1], "")],
            phone="06 11 22 33 44",
            channel="sms",
            consents=["sms"],
        ),
    ]
    return b.relais(plans)


def _charter(b: Builder):
    v1 = services.charter_publish(organisation=b.organisation, text=CHARTER, by=b.by, now=b.at(b.today - 400 * DAY, 11))
    v2 = services.charter_publish(
        organisation=b.organisation, text=CHARTER_V2, by=b.by, now=b.at(b.today - 60 * DAY, 11)
    )
    return v1, v2


def _after(b: Builder, start: datetime.date, days: int) -> datetime.date:
    return min(start + b.rng.randrange(1, days) * DAY, b.today - DAY)


def _signatures(b: Builder, people: list[Relais], v1, v2) -> None:
    """Most signed the first version; a little over half the second. The
    relais who logs in signed the first only: her home asks for the second."""
    rows = []
    v1_day, v2_day = b.today - 400 * DAY, b.today - 60 * DAY
    for n, relais in enumerate(people):
        joined = b.plan_of(relais).joined
        if n % 7 == 6 and relais.user_id is None:
            continue  # never signed: the board shows them stuck at the charter
        if joined < v2_day:
            rows.append(CharterSignature(version=v1, relais=relais, signed_at=b.at(_after(b, max(joined, v1_day), 40))))
        if (n % 5 in (0, 1, 2) or joined >= v2_day) and relais.user_id is None:
            rows.append(CharterSignature(version=v2, relais=relais, signed_at=b.at(_after(b, max(joined, v2_day), 50))))
    b.insert(CharterSignature, rows)


def _readings(b: Builder, people: list[Relais]) -> None:
    since = b.today - 400 * DAY
    rows = [
        GuideReading(relais=r, read_at=b.at(_after(b, max(b.plan_of(r).joined, since), 30), 20))
        for n, r in enumerate(people)
        if n % 9 != 8
    ]
    b.insert(GuideReading, rows)


def _training(b: Builder) -> None:
    """The modules; the demo's training meeting of three weeks ago is the first
    module's session, a second session eight days ago the second's, with those
    who came the first time (most came again: they completed the path)."""
    modules = [
        TrainingModule.objects.create(
            organisation=b.organisation, title=title, objectives=goals, duration_minutes=minutes, path_position=place
        )
        for title, goals, minutes, place in MODULES
    ]
    first = (
        Reunion.objects.filter(organisation=b.organisation, kind=Reunion.Kind.FORMATION, status=Reunion.Status.TENUE)
        .order_by("-starts_at")
        .first()
    )
    if first is None:
        return
    services.session_link(module=modules[0], reunion=first)
    came = [i.relais for i in first.invitees.filter(attended=True, relais__isnull=False).order_by("pk")]
    common_room = first.residence
    second = ReunionPlan(
        kind=Reunion.Kind.FORMATION,
        day=b.today - 8 * DAY,
        status=Reunion.Status.TENUE,
        title="Formation : qui appeler pour quoi",
        themes="orientation des voisins, fiche contact",
        residence=common_room,
        invitees=b.invite(came, held=True, came=0.9),
        agenda="Qui appeler pour quoi\nLa fiche contact du relais",
        minutes=(
            "Tour des situations fréquentes (fuite, ascenseur, voisinage, démarches) et de qui appeler pour "
            "chacune. Chaque relais repart avec la fiche contact de sa résidence, à afficher chez soi."
        ),
        decisions="Chaque relais affiche la fiche contact dans son hall d'ici la fin du mois.",
    )
    upcoming = ReunionPlan(
        kind=Reunion.Kind.FORMATION,
        day=b.today + 20 * DAY,
        title="Formation : le rôle du relais (nouveaux relais)",
        themes="accueil des nouveaux relais",
        residence=common_room,
        invitees=b.invite([r for r in b.active(b.today) if r not in came][:8], held=False),
    )
    b.reunions([second, upcoming])
    services.session_link(module=modules[1], reunion=second.reunion)
    services.session_link(module=modules[0], reunion=upcoming.reunion)


def _newcomers_steps(b: Builder, newcomers: list[Relais], v2) -> None:
    """Inès read the guide, signed the charter and met the team: three steps of
    five; Mamadou, a candidate, read the guide only."""
    ines, mamadou = newcomers
    b.insert(
        GuideReading,
        [
            GuideReading(relais=ines, read_at=b.at(b.today - 30 * DAY, 19)),
            GuideReading(relais=mamadou, read_at=b.at(b.today - 10 * DAY, 21)),
        ],
    )
    b.insert(CharterSignature, [CharterSignature(version=v2, relais=ines, signed_at=b.at(b.today - 29 * DAY, 9))])
    contact_log_add(
        relais=ines, kind="visite", date=b.today - 28 * DAY, note="Visite d'accueil avec la gardienne.", by=b.by
    )


def _thanks(b: Builder) -> None:
    """The milestones of the last month, prepared as the daily task does; the
    first one thanked (sent through the outbox), the others waiting."""
    services.milestones_prepare(organisation=b.organisation, today=b.today)
    waiting = list(Milestone.objects.filter(organisation=b.organisation).order_by("reached_on", "pk"))
    if waiting:
        with b.recorded():
            services.milestone_send(milestone=waiting[0], by=b.by)
