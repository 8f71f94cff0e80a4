"""Personal data in the demo (last): the nightly retention has run (one
leaver's turn comes in three weeks: devtools/demo/network.py), a relais asked for
the erasure of their data, an access request was answered, a note waits for
review, and the journal shows who opened which fiche."""

import datetime

from django.contrib.contenttypes.models import ContentType

from core import audit
from core.consents import consent_withdraw
from core.models import AuditEvent, SensitiveFlag
from devtools.builder import Builder
from privacy import services
from privacy.models import RightsRequest
from relais.models import ContactLog, Relais


def seed(b: Builder) -> None:
    organisation, staff, today = b.organisation, b.by, b.today
    services.apply_retention(organisation, today)

    active = list(Relais.objects.filter(organisation=organisation, status=Relais.Status.ACTIF).order_by("pk")[1:6])
    if len(active) < 3:
        return
    RightsRequest.objects.create(
        organisation=organisation,
        relais=active[0],
        kind=RightsRequest.Kind.ACCES,
        received_on=today - datetime.timedelta(days=40),
        handled_on=today - datetime.timedelta(days=33),
        handled_by=staff,
        note="Copie remise en main propre lors de la permanence.",
    )
    RightsRequest.objects.create(
        organisation=organisation,
        relais=active[1],
        kind=RightsRequest.Kind.EFFACEMENT,
        received_on=today - datetime.timedelta(days=2),
    )
    consent_withdraw(active[2], ["sms"], on=today - datetime.timedelta(days=15), by=staff)

    note = ContactLog.objects.create(
        organisation=organisation,
        relais=active[2],
        kind=ContactLog.Kind.APPEL,
        date=today - datetime.timedelta(days=3),
        note="Moins disponible cet hiver : son mari est hospitalisé.",
        author=staff,
    )
    SensitiveFlag.objects.create(
        organisation=organisation,
        content_type=ContentType.objects.get_for_model(ContactLog),
        object_id=note.pk,
        field="note",
        categories="santé",
        flagged_by=staff,
    )
    for relais in active[:4]:
        audit.record(AuditEvent.Action.CONSULTATION, relais, user=staff)
    audit.record(AuditEvent.Action.EXPORT, active[0], user=staff)
