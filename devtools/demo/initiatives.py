"""The initiatives of the demo network (called by `seed_demo`): a year of
events done with their report, some to come with their logistics and grants at
every stage, an idea and a cancelled one."""

import datetime
from decimal import Decimal

from django.utils import timezone

from core.models import Message
from initiatives import services
from initiatives.models import Equipment, Initiative, InitiativeKind, Partner, Room
from relais.models import Relais

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
REPORT = ("Beaucoup de familles nouvelles sont venues ; le gardien a aidé à l'installation.", "Trop peu de chaises.")


def seed(*, organisation, staff, rng, today: datetime.date) -> None:
    if Initiative.objects.filter(organisation=organisation).exists():
        return
    kinds = {k.name: k for k in InitiativeKind.objects.filter(organisation=organisation)}
    stock = {
        name: Equipment.objects.create(organisation=organisation, name=name, quantity=qty)
        for name, qty in [("Tables", 20), ("Chaises", 80), ("Barnum", 2), ("Sonorisation", 1), ("Barbecue", 1)]
    }
    rooms = [
        Room.objects.create(organisation=organisation, name=f"Salle commune — {r.name}", residence=r)
        for r in organisation.residences.filter(has_common_room=True).order_by("pk")[:3]
    ]
    partners = [
        Partner.objects.create(organisation=organisation, name=name)
        for name in ["Centre social du quartier", "Voisins solidaires", "Les Jardins partagés"]
    ]
    active = list(organisation.relais.filter(status=Relais.Status.ACTIF).prefetch_related("residences").order_by("pk"))
    if not active:
        return
    with_login = [r for r in active if r.user_id]
    for n, (days, kind, title, status, counts, grant) in enumerate(PLAN):
        organisers = rng.sample(active, k=min(2, len(active)))
        # The demo relais who can log in organises what is coming, so their space shows it.
        if status in ("prevue", "idee") and with_login and with_login[0] not in organisers:
            organisers = [with_login[0], *organisers[:1]]
        residences = [r for o in organisers for r in o.residences.all()][:2]
        day = today + datetime.timedelta(days=days)
        initiative = services.initiative_save(
            organisation=organisation,
            by=staff,
            kind=kinds[kind],
            title=title,
            description="Proposée par les relais de la résidence lors de la dernière réunion thématique.",
            starts_on=day,
            residences=residences,
            place="" if residences else "Square du quartier",
            organisers=organisers,
            partners=[partners[n % len(partners)]],
            status="prevue",
        )
        if status == "prevue" or (status == "realisee" and n % 2 == 0):
            request = services.logistics_request(
                initiative=initiative,
                by=staff,
                starts_on=day,
                ends_on=day,
                lines=[(stock["Tables"], 6), (stock["Chaises"], 40), (stock["Barnum"], 1)],
                room=rooms[n % len(rooms)] if rooms else None,
                room_starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(17)))
                if rooms
                else None,
                room_ends_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(22))) if rooms else None,
            )
            if days < 0 or n % 4 == 0:
                services.logistics_decide(request=request, by=staff, approve=True, granted={stock["Tables"].pk: 5})
        if grant:
            grant_status, requested, granted = grant
            request = services.grant_request(
                initiative=initiative,
                by=staff,
                objectives="Réunir les habitants de la résidence autour d'un moment convivial.",
                expected_participants=50,
                amount_requested=Decimal(requested),
                budget=[
                    ("Courses", Decimal(requested) * Decimal("0.7")),
                    ("Location", Decimal(requested) * Decimal("0.3")),
                ],
            )
            if grant_status != "demandee":
                services.grant_decide(
                    grant=request,
                    by=staff,
                    granted=grant_status == "accordee",
                    decided_on=day - datetime.timedelta(days=20),
                    amount_granted=Decimal(granted) if granted else None,
                    refusal_reason="Le budget du fonds est engagé pour l'année ; à représenter au prochain comité.",
                )
        if status == "realisee":
            total, children, adults, seniors, newcomers = counts
            services.initiative_report(
                initiative=initiative,
                participants=total,
                children=children,
                adults=adults,
                seniors=seniors,
                newcomers=newcomers,
                went_well=REPORT[0],
                went_badly=REPORT[1],
            )
        elif status != "prevue":
            Initiative.objects.filter(pk=initiative.pk).update(status=status)
    # The demo records the decisions as told, it does not send anything.
    Message.objects.filter(
        organisation=organisation, kind__in=["logistique", "subvention"], state=Message.State.PENDING
    ).update(state=Message.State.SENT, sent_at=timezone.now())
