"""Writes of the remontées app (the workflow grows in its own issue)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from relais.models import Organisation, Relais, Residence, User
from remontees.models import Remontee
from reunions.models import Reunion


def remontee_create(
    *,
    organisation: Organisation,
    by: User | None,
    residence: Residence,
    theme: str,
    description: str,
    source: str,
    relais: Relais | None = None,
    nature: str = Remontee.Nature.DIFFICULTE,
    reunion: Reunion | None = None,
) -> Remontee:
    errors = {}
    if residence.organisation_id != organisation.pk:
        errors["residence"] = "Cette résidence n'appartient pas à votre organisation."
    if relais is not None and relais.organisation_id != organisation.pk:
        errors["relais"] = "Ce relais n'appartient pas à votre organisation."
    if not description.strip():
        errors["description"] = "Décrivez ce qui est remonté."
    if theme not in Remontee.Theme.values:
        errors["theme"] = "Choisissez un thème dans la liste."
    if (source == Remontee.Source.REUNION) != (reunion is not None):
        errors["source"] = "Une remontée de tour de table est rattachée à sa réunion."
    if reunion is not None and reunion.organisation_id != organisation.pk:
        errors["source"] = "Cette réunion n'appartient pas à votre organisation."
    if errors:
        raise ValidationError(errors)
    return Remontee.objects.create(
        organisation=organisation,
        residence=residence,
        relais=relais,
        theme=theme,
        nature=nature,
        description=description.strip(),
        source=source,
        reunion=reunion,
        created_by=by,
    )
