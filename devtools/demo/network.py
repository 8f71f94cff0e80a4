"""The demo's two networks: Habitat du Lac, a bailleur (three quartiers, forty
residences, about 3,000 dwellings, sixty relais over four years), and the Centre
social des Tilleuls (six residences, a dozen relais)."""

import dataclasses
import datetime

from core.models import Consent, ContactChannel, User
from devtools.builder import Builder, RelaisPlan, Step
from privacy.services import months_before
from relais.models import Relais

S = Relais.Status
DAY = datetime.timedelta(days=1)
RESIDENCE_NAMES = [
    "Les Tilleuls",
    "Le Belvédère",
    "Les Cèdres",
    "Cité Jean-Moulin",
    "Les Érables",
    "Le Clos des Vignes",
    "Les Terrasses du Lac",
    "La Roseraie",
    "Le Parc Fleuri",
    "Les Genêts",
    "Résidence Lamartine",
    "Les Mimosas",
    "Le Hameau du Port",
    "Les Peupliers",
    "Cité Jules-Ferry",
    "Les Glycines",
    "Le Grand Pré",
    "Les Chênes",
    "Résidence Victor-Hugo",
    "Les Lilas",
    "Le Moulin",
    "Les Marronniers",
    "La Fontaine",
    "Les Acacias",
    "Le Vieux Bourg",
    "Les Iris",
    "Résidence Pasteur",
    "Les Hirondelles",
    "Le Coteau",
    "Les Saules",
    "La Source",
    "Les Bleuets",
    "Résidence Colette",
    "Les Platanes",
    "Le Belvédère II",
    "Les Jardins d'Aurore",
    "Cité des Pêcheurs",
    "Les Myosotis",
    "Le Ponton",
    "Les Ormes",
]
TILLEULS_NAMES = [
    "Le Square des Tilleuls",
    "Les Castors",
    "Résidence du Marché",
    "Les Alouettes",
    "Le Carré Vert",
    "Les Pervenches",
]
STATUSES = {S.ACTIF: 62, S.CANDIDAT: 10, S.PAUSE: 10, S.SORTI: 18}
CHANNELS = {ContactChannel.EMAIL: 7, ContactChannel.SMS: 2, ContactChannel.PAPER: 1}
BUILDINGS = ["", "", "Bât. A", "Bât. B", "Esc. 2", "Esc. 4"]


def lac(b: Builder, *, relais_user: User) -> None:
    quartiers = b.quartiers([("Les Hauts du Lac", True), ("La Prairie", True), ("Centre-Bourg", False)])
    residences = b.residences(RESIDENCE_NAMES, quartiers=quartiers, dwellings=3000, prefix="HDL", centre=(45.9, 6.12))
    # Relais live in the first 30 residences; the last ten have none yet,
    # among them some of the largest, as in a real network.
    relayed = sorted(residences[:30], key=lambda r: (r.quartier_id != quartiers[0].pk, r.pk))
    plans = _relais(b, relayed, 60, years=4)
    # The relais who logs in: active, under her own name and address.
    own = next(p for p in plans if p.life[-1].status == S.ACTIF)
    own.first_name, own.last_name, own.user = relais_user.first_name, relais_user.last_name, relais_user
    own.email, own.channel = relais_user.email, ContactChannel.EMAIL
    own.consents = sorted({*own.consents, Consent.Scope.EMAIL})
    # One leaver reaches the end of the retention time in three weeks (« Données
    # personnelles » shows who comes next); the nightly retention has dealt with
    # those before.
    leaver = next(p for p in plans if p.life[-1].status == S.SORTI)
    left = months_before(b.today, b.organisation.retention_months) + 21 * DAY
    leaver.life = [Step(S.ACTIF, min(leaver.joined, left - 200 * DAY)), dataclasses.replace(leaver.life[-1], on=left)]
    b.relais(plans)
    b.contacts(quiet_every=5)


def tilleuls(b: Builder) -> None:
    quartiers = b.quartiers([("Les Tilleuls", True)])
    residences = b.residences(TILLEULS_NAMES, quartiers=quartiers, dwellings=420, prefix="CST", centre=(45.88, 6.1))
    b.relais(_relais(b, residences, 12, years=3))
    b.contacts(quiet_every=5)


RHONE_NAMES = ["Les Canuts", "Résidence Lumière", "Le Confluent", "Les Pentes", "Cité Gerland", "Les Brotteaux"]


def rhone(b: Builder) -> None:
    """The third member of the regional network: a smaller landlord, three years in."""
    quartiers = b.quartiers([("La Duchère", True), ("Gerland", False)])
    residences = b.residences(RHONE_NAMES, quartiers=quartiers, dwellings=900, prefix="RHH", centre=(45.75, 4.84))
    b.relais(_relais(b, residences, 14, years=3))
    b.contacts(quiet_every=4)


def _relais(b: Builder, homes, count: int, *, years: int) -> list[RelaisPlan]:
    """Relais of every status, reached mostly by e-mail, some by SMS, a few on
    paper; some relay a staircase or a building, a few a second residence."""
    plans = b.plan_relais(
        count,
        homes=homes,
        statuses=STATUSES,
        since=(b.today - years * 365 * DAY, b.today - 120 * DAY),
        channels=CHANNELS,
    )
    for n, plan in enumerate(plans):
        home = plan.homes[0][0]
        plan.homes = [(home, b.rng.choice(BUILDINGS))]
        other = homes[(n + 3) % len(homes)]
        if b.rng.random() < 0.1 and other != home:
            plan.homes.append((other, ""))
        if n % 3:
            plan.consents.append(Consent.Scope.PHOTOS)
    return plans
