"""Impossible survey histories (core/integrity.py): an answer dated outside its
questionnaire's dates, an anonymous answer tied to a link, a named answer
whose link did not serve."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F, Q

from core.integrity import Problem, of, reporter
from core.models import Organisation
from enquetes.models import Questionnaire, Response


def check(organisation: Organisation | None) -> Iterator[Problem]:
    wrong = (
        of(Response.objects.select_related("questionnaire__organisation"), organisation, "questionnaire__organisation")
        .filter(
            Q(submitted_on__lt=F("questionnaire__opens_on"))
            | Q(submitted_on__gt=F("questionnaire__closes_on"))
            | Q(questionnaire__anonymous=True, invitation__isnull=False)
            | Q(invitation__used=False)
        )
        .order_by("questionnaire_id")
    )
    for response in wrong:
        questionnaire: Questionnaire = response.questionnaire
        problem = reporter(
            "enquetes",
            questionnaire.organisation,
            f"une réponse au questionnaire n° {questionnaire.pk} (/enquetes/{questionnaire.pk}/)",
        )
        if not questionnaire.opens_on <= response.submitted_on <= questionnaire.closes_on:
            yield problem(
                "reponse_hors_dates",
                f"Réponse du {response.submitted_on:%d/%m/%Y}, hors des dates du questionnaire.",
                "Corrigez les dates d'ouverture et de clôture du questionnaire.",
            )
        if questionnaire.anonymous and response.invitation_id:
            yield problem(
                "anonyme_lie",
                "Une réponse à un questionnaire anonyme est liée à un lien personnel.",
                "Détachez la réponse de son lien : l'anonymat a été promis.",
            )
        elif response.invitation_id and not response.invitation.used:
            yield problem(
                "lien_non_utilise",
                "Une réponse nominative vient d'un lien marqué comme non utilisé.",
                "Marquez le lien comme utilisé.",
            )
