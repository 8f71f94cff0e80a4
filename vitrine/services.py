"""Writes of the public app: named, keyword-only, one transaction each."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from core import outbox
from core.models import Consent, ContactChannel, Organisation, User
from core.notify import tell_staff
from initiatives.models import Initiative
from relais.models import Relais, Residence
from relais.services import relais_create
from vitrine.models import PublicPage, PublishedInitiative

CONFIRMATION = "candidature"


def public_page_save(
    *, organisation: Organisation, by: User, page: PublicPage, initiatives: Iterable[Initiative]
) -> PublicPage:
    """Save the organisation's public page and the initiatives it shows
    (`page` carries the fields from the form; `initiatives` replaces the choice)."""
    wanted = {i.pk for i in initiatives if i.organisation_id == organisation.pk}
    with transaction.atomic():
        page.organisation = organisation
        page.save()
        PublishedInitiative.objects.filter(organisation=organisation).exclude(initiative_id__in=wanted).delete()
        have = set(
            PublishedInitiative.objects.filter(organisation=organisation).values_list("initiative_id", flat=True)
        )
        PublishedInitiative.objects.bulk_create(
            [PublishedInitiative(organisation=organisation, initiative_id=pk) for pk in sorted(wanted - have)]
        )
    return page


def candidate_apply(
    *,
    organisation: Organisation,
    first_name: str,
    last_name: str,
    residence: Residence,
    email: str,
    phone: str,
) -> Relais:
    """A neighbour who offers to become a relais through the public page: a
    relais « candidat » in their residence, agreeing to be contacted by the
    means they gave, told once that their offer arrived; staff see them in
    « À traiter » (relais.selectors.candidates_waiting) and hear at once if
    they asked to."""
    if residence.organisation_id != organisation.pk:
        raise ValueError("residence of another organisation")
    scopes = ([Consent.Scope.EMAIL] if email else []) + ([Consent.Scope.SMS] if phone else [])
    with transaction.atomic():
        relais = relais_create(
            organisation=organisation,
            by=None,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            status=Relais.Status.CANDIDAT,
            status_date=timezone.localdate(),
            residences=[(residence, "")],
            consents=scopes,
            email=email,
            phone=phone,
            preferred_channel=ContactChannel.EMAIL if email else ContactChannel.SMS,
        )
        outbox.message_schedule(
            organisation_id=organisation.pk, recipient=relais, subject=relais, kind=CONFIRMATION, send_now=True
        )
        tell_staff(organisation_id=organisation.pk, subject=relais, what="candidat", quartier_id=residence.quartier_id)
    return relais
