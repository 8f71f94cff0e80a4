"""The initiatives of the demo network (called by `seed_demo`): a year of
events done with their report, some to come with their logistics and grants at
every stage, an idea and a cancelled one."""

import datetime
from decimal import Decimal

from devtools.builder import Builder, GrantPlan, InitiativePlan, LogisticsPlan
from devtools.demo import history
from initiatives.models import InitiativeKind

# (days from today, kind, title, status, participants (total, children, adults, seniors, newcomers), grant)
PLAN = [
    (-300, "Repas partagé", "Galette des rois du Parc Fleuri", "realisee", (48, 15, 25, 8, 6), ("accordee", 150, 150)),
    (-250, "Atelier numérique", "Atelier « mon espace locataire en ligne »", "realisee", (14, 0, 6, 8, 3), None),
    (
        -190,
        "Fête des voisins",
        "Fête des voisins des Tilleuls",
        "realisee",
        (85, 30, 45, 10, 18),
        ("accordee", 300, 250),
    ),
    (-180, "Jardinières et jardin partagé", "Jardinières devant le bâtiment B", "realisee", (22, 8, 10, 4, 5), None),
    (-120, "Sortie", "Sortie à la mer", "annulee", None, ("refusee", 900, None)),
    (
        -75,
        "Visite de courtoisie",
        "Visites aux nouveaux locataires de la Roseraie",
        "realisee",
        (11, 0, 9, 2, 11),
        None,
    ),
    (-30, "Atelier couture", "Atelier couture du mercredi", "realisee", (9, 2, 5, 2, 2), None),
    (12, "Repas partagé", "Repas de fin d'année du Hameau", "prevue", None, ("demandee", 250, None)),
    (40, "Atelier cuisine", "Cuisine du monde", "prevue", None, None),
    (150, "Fête des voisins", "Fête des voisins 2027", "idee", None, None),
]
STOCK = [("Tables", 20), ("Chaises", 80), ("Barnum", 2), ("Sonorisation", 1), ("Barbecue", 1)]
PARTNERS = ["Centre social du quartier", "Voisins solidaires", "Les Jardins partagés"]
DAY = datetime.timedelta(days=1)
REPORT = ("Beaucoup de familles nouvelles sont venues ; le gardien a aidé à l'installation.", "Trop peu de chaises.")


def seed(b: Builder) -> None:
    """Organised by two relais active on the day; the relais who logs in
    organises what is coming, so their space shows it. Decisions are recorded as
    told to the organisers; nothing waits to be sent."""
    organisation, rng = b.organisation, b.rng
    kinds = {k.name: k for k in InitiativeKind.objects.filter(organisation=organisation)}
    stock = {e.name: e for e in b.equipment(STOCK)}
    rooms = b.rooms(organisation.residences.filter(has_common_room=True).order_by("pk")[:3])
    partners = b.partners(PARTNERS)
    with_login = [r for r in b.active(b.today) if r.user_id]
    plans = []
    for n, (days, kind, title, status, counts, grant) in enumerate(PLAN):
        day = b.today + days * DAY
        active = b.active(min(day, b.today))
        organisers = rng.sample(active, k=min(2, len(active)))
        if status in ("prevue", "idee") and with_login and with_login[0] not in organisers:
            organisers = [with_login[0], *organisers[:1]]
        residences = [home for o in organisers if (home := b.home(o))][:2]
        plan = InitiativePlan(
            kind=kinds[kind],
            title=title,
            day=day,
            status=status,
            organisers=organisers,
            residences=residences,
            place="" if residences else "Square du quartier",
            partners=[partners[n % len(partners)]],
            description="Proposée par les relais de la résidence lors de la dernière réunion thématique.",
        )
        if status == "prevue" or (status == "realisee" and n % 2 == 0):
            plan.logistics = LogisticsPlan(
                lines=[(stock["Tables"], 6), (stock["Chaises"], 40), (stock["Barnum"], 1)],
                room=rooms[n % len(rooms)] if rooms else None,
                approve=True if days < 0 or n % 4 == 0 else None,
                granted={stock["Tables"].pk: 5},
            )
        if grant:
            decision, requested, granted = grant
            plan.grant = GrantPlan(
                amount=Decimal(requested),
                objectives="Réunir les habitants de la résidence autour d'un moment convivial.",
                budget=[
                    ("Courses", Decimal(requested) * Decimal("0.7")),
                    ("Location", Decimal(requested) * Decimal("0.3")),
                ],
                decided_on=None if decision == "demandee" else day - 20 * DAY,
                granted=Decimal(granted) if granted else None,
                refusal="Le budget du fonds est engagé pour l'année ; à représenter au prochain comité."
                if decision == "refusee"
                else "",
            )
        if status == "realisee":
            total, children, adults, seniors, newcomers = counts
            plan.report = {
                "participants": total,
                "children": children,
                "adults": adults,
                "seniors": seniors,
                "newcomers": newcomers,
                "went_well": REPORT[0],
                "went_badly": REPORT[1],
            }
        plans.append(plan)
    # Two years before: about ten events a year, some with logistics, partners and a grant.
    first, last = history(b.today)
    drawn = b.plan_initiatives(10, first=first, last=last, stock=list(stock.values())[:2], partners=partners)
    done = [i for i in b.initiatives(plans + drawn) if i.status == "realisee"]
    # Photos: shown to the other relais only with the consent of those on them.
    for n, initiative in enumerate(done[:3]):
        b.photo(initiative, caption=f"{initiative.title} : les tables dressées", consent=True)
        if n == 0:
            b.photo(initiative, caption="Les enfants du bâtiment C", consent=False, color="#8c5a5b")
    # An event the relais who logs in told about after the fact, with no staff
    # involved before: it shows in the staff's catalogue and the relais' one.
    if with_login:
        b.told(
            with_login[0],
            day=b.today - 24 * DAY,
            kind=kinds["Repas partagé"],
            title="Goûter de la rentrée",
            report={
                "participants": 26,
                "children": 14,
                "adults": 10,
                "seniors": 2,
                "went_well": "Chaque famille a apporté un gâteau ; les nouveaux arrivants sont venus.",
                "went_badly": "Il a fallu ranger vite : la salle était réservée après nous.",
            },
        )
