"""The remontées of the demo network: raised at the round tables of the
thematic meetings held, and from the relais' phones over the last weeks; the
older, the further along, every status present (after the meetings). A
directory of services, with remontées handed to them at every stage: one late,
one sent back, one done and confirmed, one done and waiting for the demo
relais' confirmation; so the inbox has something waiting and a residence's
poster something to say. The demo's mediation staff asked to be told at once."""

import datetime

from django.utils import timezone

from core.models import Membership, Notify
from devtools.builder import DAY, Builder, RemonteePlan
from devtools.content import SAID
from devtools.demo import history
from relais.models import Relais
from remontees.models import Remontee
from reunions.models import Invitee, Reunion

# What staff answer; « résolue — à confirmer » comes from a service (below).
STATUSES = [s for s in Remontee.Status.values if s != Remontee.Status.A_CONFIRMER]


def seed(b: Builder) -> None:
    """Each with its history (who answered, when, what the relais was told), so
    the delays mean something."""
    organisation = b.organisation
    raised = []  # (relais, when, source, reunion)
    held = Reunion.objects.filter(organisation=organisation, status="tenue", kind="thematique").order_by("starts_at")
    for reunion in held:
        speakers = Relais.objects.filter(
            pk__in=Invitee.objects.filter(reunion=reunion, attended=True).values("relais_id")
        ).order_by("pk")[:6]
        raised += [(relais, reunion.starts_at, Remontee.Source.REUNION, reunion) for relais in speakers]
    active = b.active(b.today)
    phones = [r for r in active if r.user_id] + active[:5]
    for days, relais in zip([40, 25, 12, 6, 2, 1], phones, strict=False):
        when = timezone.now() - datetime.timedelta(days=days, hours=b.rng.randrange(1, 8))
        # From the phone with a login; otherwise staff note it on the paper fiche contact.
        source = Remontee.Source.ESPACE if relais.user_id else Remontee.Source.FICHE_CONTACT
        raised.append((relais, when, source, None))
    first_residence = organisation.residences.order_by("pk").first()
    themes = b.themes()
    plans = []
    for n, (relais, when, source, reunion) in enumerate(raised):
        theme, nature, description = SAID[n % len(SAID)]
        age = (timezone.now() - when).days
        # Recent ones wait or are under way; older ones were answered (« nouvelle »
        # after two months would be a team that never reads); a year on, closed.
        status = STATUSES[3 + n % 2 if age > 365 else 1 + n % 4 if age > 60 else n % 3]
        plans.append(
            RemonteePlan(
                residence=b.home(relais) or first_residence,
                theme=themes[theme],
                description=description,
                at=when,
                relais=relais,
                steps=b.answers(status, when),
                source=source,
                nature=nature,
                reunion=reunion,
            )
        )
    # Over two years and this one: what each relais raised while active, the older the further along.
    first, _ = history(b.today)
    made = b.remontees(plans + b.plan_remontees(1.2, first=first, last=b.today - 10 * datetime.timedelta(days=1)))
    handoffs(b, made)


SERVICES = [
    ("Maintenance", "interne", "maintenance@habitat-du-lac.test"),
    ("Propreté", "interne", "proprete@habitat-du-lac.test"),
    ("Gestion locative", "interne", "gestion-locative@habitat-du-lac.test"),
    ("Ascenseurs Rhône SAV", "prestataire", "sav@ascenseurs-rhone.test"),
    ("Nettoyage Clair & Net", "prestataire", "contact@clair-et-net.test"),
]


def handoffs(b: Builder, made: list[Remontee]) -> None:
    """Remontées still open handed to the services, as the team would have."""
    maintenance, proprete, gestion, ascenseurs, nettoyage = b.services(SERVICES)
    Membership.objects.filter(user=b.by, organisation=b.organisation).update(notify=Notify.AT_ONCE)
    now = timezone.now()
    # Round-table ones « prise en compte » stay so: the demo shows every status there.
    handed = [
        r
        for r in made
        if r.status == Remontee.Status.EN_COURS
        or (r.status == Remontee.Status.PRISE_EN_COMPTE and r.source != Remontee.Source.REUNION)
    ]
    # The demo relais' own first: their home asks them to confirm.
    handed.sort(
        key=lambda r: (not (r.relais and r.relais.user_id and r.source == Remontee.Source.ESPACE), r.created_at)
    )
    stages = [
        # (service, days after it was raised, due in, outcome, answer, confirmed)
        (ascenseurs, 1, 5, "fait", "Carte de commande de l'ascenseur remplacée.", False),
        (maintenance, 2, 7, None, "", False),  # late: reminded every day
        (nettoyage, 1, 10, "fait", "Passage supplémentaire le mardi, hall et escaliers.", True),
        (gestion, 1, 14, "hors_ressort", "Cela relève de la copropriété voisine, pas du bailleur.", False),
        (proprete, 1, 3, "fait", "Encombrants enlevés, affiche rappelant le jour de collecte.", True),
    ]
    for remontee, (service, after, due, outcome, answer, confirmed) in zip(handed, stages, strict=False):
        last = remontee.events.order_by("-at").values_list("at", flat=True).first()
        at = min(last + after * DAY, now - 3 * DAY)
        if at <= last:
            continue  # answered too lately to have been handed on since
        b.hand_off(
            remontee,
            service,
            at=at,
            due_days=due if outcome else 1,
            note="Prévenir la gardienne avant de passer." if service.kind == "interne" else "",
            outcome=outcome,
            after=min(DAY * 2, (now - at) / 2),
            answer=answer,
            confirmed=confirmed,
        )
