"""Consents of a relais: given, withdrawn, and asked before anything is done."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from core.models import Consent, ContactChannel, User

if TYPE_CHECKING:
    from relais.models import Relais

Scope = Consent.Scope


def active_scopes(relais: Relais) -> set[str]:
    return set(Consent.objects.filter(relais=relais, withdrawn_on=None).values_list("scope", flat=True))


def consent_give(relais: Relais, scopes: Iterable[str], *, on: datetime.date, by: User | None) -> list[Consent]:
    """Record the consents not already active; those already given keep their date."""
    with transaction.atomic():
        have = set(
            Consent.objects.select_for_update().filter(relais=relais, withdrawn_on=None).values_list("scope", flat=True)
        )
        return [
            Consent.objects.create(
                organisation_id=relais.organisation_id, relais=relais, scope=scope, given_on=on, recorded_by=by
            )
            for scope in sorted(set(scopes) - have)
        ]


def consent_withdraw(relais: Relais, scopes: Iterable[str], *, on: datetime.date, by: User | None) -> int:
    withdrawn = 0
    for consent in Consent.objects.filter(relais=relais, withdrawn_on=None, scope__in=list(scopes)):
        consent.withdrawn_on = max(on, consent.given_on)
        consent.withdrawn_by = by
        consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
        withdrawn += 1
    return withdrawn


def consent_set(
    relais: Relais,
    scopes: Iterable[str],
    *,
    on: datetime.date,
    by: User | None,
    withdrawn_on: datetime.date | None = None,
) -> None:
    """Make the active consents exactly `scopes`: new ones given `on`, the others
    withdrawn `withdrawn_on` (the same day unless said)."""
    scopes = set(scopes)
    with transaction.atomic():
        consent_give(relais, scopes, on=on, by=by)
        consent_withdraw(relais, set(Scope.values) - scopes, on=withdrawn_on or on, by=by)


def contact_address(relais: Relais, scopes: Iterable[str] | None = None) -> tuple[str, str] | None:
    """The channel and address a message may use, by the relais' preference and
    within what they agreed to: no SMS without the SMS consent, no e-mail without
    the e-mail one. None: staff hand the message over on paper. `scopes`: the
    consents in force, when the caller already knows them (read otherwise)."""
    if relais.preferred_channel == ContactChannel.PAPER:
        return None
    scopes = active_scopes(relais) if scopes is None else set(scopes)
    if relais.preferred_channel == ContactChannel.SMS and relais.phone and Scope.SMS in scopes:
        return "sms", relais.phone
    if relais.email and Scope.EMAIL in scopes:
        return "email", relais.email
    if relais.phone and Scope.SMS in scopes:
        return "sms", relais.phone
    return None
