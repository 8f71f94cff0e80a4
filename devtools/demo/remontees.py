"""The remontées of the demo network: raised at the round tables of the
thematic meetings held, and from the relais' phones over the last weeks; the
older, the further along, every status present (after the meetings)."""

import datetime

from django.utils import timezone

from devtools.builder import Builder, RemonteePlan
from devtools.content import SAID
from devtools.demo import history
from relais.models import Relais
from remontees.models import Remontee
from reunions.models import Invitee, Reunion

STATUSES = list(Remontee.Status.values)


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
        status = STATUSES[min(4, n % 5 if age > 60 else n % 3)]
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
    b.remontees(plans + b.plan_remontees(1.2, first=first, last=b.today - 10 * datetime.timedelta(days=1)))
