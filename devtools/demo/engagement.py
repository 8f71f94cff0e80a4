"""Engagement in the demo (called by `seed_demo`, after espace): how the
organisation values an hour and who signs, the relais' visits to their space,
a few relais drifting away (each rule shown at least once), and last year's
attestations already issued, as the batch makes them."""

from __future__ import annotations

import datetime
from decimal import Decimal

from core.models import Membership, User
from devtools.builder import Builder
from engagement import services
from engagement.models import AttestationRun, EngagementSettings, LastSeen
from espace.models import Activity
from relais.models import Relais
from reunions.models import Invitee

DAY = datetime.timedelta(days=1)
# Those who keep going log a little something every few weeks; the first
# `DRIFTING` active relais (after the twelve espace's demo keeps busy) do not.
DRIFTING = 3


def seed(b: Builder) -> None:
    organisation, rng, today = b.organisation, b.rng, b.today
    EngagementSettings.objects.create(
        organisation=organisation,
        hour_value=Decimal("11.88"),
        hour_value_source="SMIC horaire brut (valeur au 1er novembre 2024)",
        signatory_name=f"{b.by.first_name} {b.by.last_name}".strip(),
        signatory_role="Responsable de la médiation",
        updated_by=b.by,
    )
    active = [r for r in b.active(today) if r.status == Relais.Status.ACTIF]
    # Activity of the last two months for the active relais the espace demo left quiet.
    entries = []
    for relais in active[12 + DRIFTING :]:
        for _ in range(rng.randint(1, 3)):
            day = today - rng.randint(3, 55) * DAY
            if b.plan_of(relais).status_on(day) == Relais.Status.ACTIF:
                entries.append((relais, day, rng.choice(Activity.Kind.values), rng.randint(1, 12), "accueil"))
    b.activities(entries)
    # Visits to their space: the relais with a login come now and then; two who
    # accepted their invitation months ago have not opened it since.
    away = [r for r in active[12 + DRIFTING :] if not r.user_id and r.email][:2]
    for relais in away:
        user = User.objects.create_user(email=relais.email, first_name=relais.first_name, last_name=relais.last_name)
        Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.RELAIS)
        Relais.objects.filter(pk=relais.pk).update(user=user)
        relais.user_id = user.pk
    seen = []
    for relais in [r for r in active if r.user_id]:
        days = (
            rng.randint(100, 160)
            if relais in away
            else (0 if relais.email.startswith("relais@") else rng.randint(1, 30))
        )
        seen.append(LastSeen(relais=relais, seen_on=max(today - days * DAY, b.plan_of(relais).joined)))
    LastSeen.objects.bulk_create(seen, ignore_conflicts=True)
    # Someone came late to a meeting: the team wrote the time they gave.
    late = Invitee.objects.filter(reunion__organisation=organisation, attended=True, relais__isnull=False).order_by(
        "pk"
    )[:3]
    Invitee.objects.filter(pk__in=[i.pk for i in late]).update(minutes=60)
    # Last year's attestations, issued by the team as the batch does.
    year = today.year - 1
    run = AttestationRun.objects.create(
        organisation=organisation,
        year=year,
        signatory_name=f"{b.by.first_name} {b.by.last_name}".strip(),
        signatory_role="Responsable de la médiation",
        requested_by=b.by,
    )
    services.attestation_run_generate(run_id=run.pk, token=str(run.token))
