"""The surveys' part of the personal-data registry (core/personal_data.py).

An anonymous answer is about nobody: it is neither exported nor erased with a
person. A named answer is the relais': in their export, and unlinked from them
(its invitation deleted) when they are anonymised. Free texts may quote a
name: scrubbed with the other texts."""

from __future__ import annotations

from core.personal_data import Part, Texts
from enquetes.models import Answer, Invitation, Response


def export(relais) -> dict:
    """Their named answers, one row per answer, and the questionnaires sent to them."""
    rows = []
    for response in (
        Response.objects.filter(invitation__relais=relais, questionnaire__anonymous=False)
        .select_related("questionnaire")
        .prefetch_related("answers__question")
    ):
        for answer in response.answers.all():
            if answer.text:
                value = answer.text
            elif answer.option is not None:
                value = answer.question.value_label(answer.option)
            else:
                value = str(answer.number)
            rows.append(
                {
                    "questionnaire": response.questionnaire.title,
                    "répondu le": response.submitted_on.isoformat(),
                    "question": answer.question.text,
                    "réponse": value,
                }
            )
    invited = [
        {"questionnaire": title, "lien utilisé": "oui" if used else "non"}
        for title, used in Invitation.objects.filter(relais=relais).values_list("questionnaire__title", "used")
    ]
    return {"Enquêtes : réponses nominatives": rows, "Enquêtes : questionnaires reçus": invited}


def erase(relais, traces) -> None:
    # The named answers stay, about nobody (they count in the results); the links go.
    Invitation.objects.filter(relais=relais).delete()


PART = Part(
    app="enquetes",
    position=80,
    labels={
        "questionnaire": "questionnaire",
        "invitation": "lien de questionnaire",
        "response": "réponse à un questionnaire",
        "answer": "réponse à une question",
    },
    texts=(Texts(Answer, "response__questionnaire__organisation", ("text",)),),
    export=export,
    erase=erase,
)
