"""A questionnaire with every kind of question, and answers written fast."""

from __future__ import annotations

import datetime

from django.utils import timezone

from enquetes import services
from enquetes.forms import field_name
from enquetes.models import Question, Questionnaire

K = Question.Kind


def every_kind(world, *, anonymous=True, audience="relais", residences=None, opens=-1, closes=10, title="Tout"):
    today = timezone.localdate()
    questionnaire = services.questionnaire_create(
        organisation=world.org_a,
        by=world.staff_a,
        title=title,
        anonymous=anonymous,
        audience=audience,
        opens_on=today + datetime.timedelta(days=opens),
        closes_on=today + datetime.timedelta(days=closes),
        residences=residences if residences is not None else [world.residence_a1],
    )
    section = services.section_add(questionnaire=questionnaire, title="Votre avis")
    q = {}

    def add(key, **kwargs):
        q[key] = services.question_save(questionnaire=questionnaire, section=section, **kwargs)

    add(
        "scale",
        kind=K.SCALE,
        scale="0-7",
        text="Peut-on faire confiance aux gens ?",
        label_min="Jamais assez prudent",
        label_max="Confiance",
        required=True,
    )
    add("single", kind=K.SINGLE, text="Avez-vous participé ?", options=["Oui", "Non"])
    add(
        "cond",
        kind=K.SCALE,
        scale="1-5",
        text="Cela vous a-t-il aidé ?",
        label_min="Pas du tout",
        label_max="Énormément",
        required=True,
        show_if=q["single"],
        show_if_values=[0],
    )
    add("multi", kind=K.MULTIPLE, text="Pour quoi demander de l'aide ?", options=["Matériel", "Santé", "Parler"])
    add("number", kind=K.NUMBER, text="Combien de voisins connaissez-vous ?")
    add("short", kind=K.SHORT, text="Un mot ?")
    add("long", kind=K.LONG, text="Une idée ?")
    add("ten", kind=K.SCALE, scale="0-10", text="Note sur 10 ?")
    return questionnaire, q


def post_data(q, **values) -> dict:
    """Form data from {key: value} (keys of `every_kind`)."""
    data = {}
    for key, value in values.items():
        data[field_name(q[key])] = value
    return data


FULL = {
    "scale": "6",
    "single": "0",
    "cond": "4",
    "multi": ["0", "2"],
    "number": "12,5",
    "short": "Merci",
    "long": "Plus de fêtes dans la cour",
    "ten": "9",
}


def answers_of(questionnaire: Questionnaire, **values):
    """Service-level answers from {key: python value}."""
    return values
