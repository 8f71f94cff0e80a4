"""The staff's builder: ready-made questionnaires, questions of every kind with
their checks, the preview, and questions frozen once answers came."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from enquetes import services
from enquetes.models import Question, Questionnaire
from tests.enquetes.helpers import every_kind
from tests.helpers import text

pytestmark = pytest.mark.django_db


def _dates():
    today = timezone.localdate()
    return {"opens_on": today.isoformat(), "closes_on": (today + datetime.timedelta(days=30)).isoformat()}


@pytest.mark.parametrize("template, count", [("barometre", 8), ("reunion", 5), ("initiative", 5)])
def test_a_questionnaire_from_a_ready_made_one(world, login, template, count):
    client = login(world.staff_a)
    response = client.post("/enquetes/", {"template": template, "audience": "relais", "anonymous": "on", **_dates()})
    assert response.status_code == 302
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.questions.count() == count and questionnaire.anonymous
    if template == "barometre":
        trust = questionnaire.questions.get(position=0)
        assert (trust.kind, trust.scale_min, trust.scale_max, trust.required) == ("echelle", 0, 7, True)
        assert trust.label_min == "On n'est jamais assez prudent"
        follow = questionnaire.questions.get(show_if__isnull=False)
        assert follow.condition_text.startswith("«\u00a0Oui\u00a0» à")
        assert questionnaire.family == "barometre-confiance"
    page = text(client.get(f"/enquetes/{questionnaire.pk}/"))
    assert questionnaire.title in page and "Anonyme" in page


def test_creating_refuses_what_makes_no_sense(world, login):
    client = login(world.staff_a)
    today = timezone.localdate()
    bad = client.post(
        "/enquetes/",
        {
            "title": "",
            "audience": "locataires",
            "opens_on": today.isoformat(),
            "closes_on": (today - datetime.timedelta(days=1)).isoformat(),
        },
    )
    shown = text(bad)
    assert bad.status_code == 400
    assert "Donnez un titre au questionnaire." in shown
    assert "La clôture doit venir après l'ouverture." in shown
    assert "Un lien ouvert aux locataires est anonyme" in shown
    assert "Choisissez au moins une résidence" in shown
    assert not Questionnaire.objects.exists()


def test_adding_questions_of_every_kind_and_their_checks(world, login):
    questionnaire, q = every_kind(world)
    client = login(world.staff_a)
    section = questionnaire.sections.get()
    url = f"/enquetes/{questionnaire.pk}/questions/"
    base = {"section": section.pk, "text": "Nouvelle"}
    cases = [
        ({"kind": "choix", "options": "Seul"}, "Proposez au moins deux choix, un par ligne."),
        ({"kind": "echelle"}, "Choisissez l'échelle : de 0 à 7, de 0 à 10 ou de 1 à 5."),
        (
            {"kind": "texte_court", "show_if": q["single"].pk, "show_if_values": "Peut-être"},
            "« Peut-être » n'est pas une réponse possible à cette question.",
        ),
        ({"kind": "texte_court", "show_if": q["single"].pk}, "Dites pour quelles réponses la question s'affiche."),
        ({"kind": "inconnu"}, "Sélectionnez un choix valide."),
    ]
    before = Question.objects.count()
    for data, message in cases:
        response = client.post(url, {**base, **data})
        assert response.status_code == 400, data
        assert message in text(response), data
    assert Question.objects.count() == before
    ok = client.post(
        url,
        {
            **base,
            "kind": "echelle",
            "scale": "1-5",
            "label_min": "Mal",
            "label_max": "Bien",
            "show_if": q["scale"].pk,
            "show_if_values": "6 ; 7",
        },
    )
    assert ok.status_code == 302
    added = Question.objects.get(text="Nouvelle")
    assert (added.scale_min, added.scale_max, added.show_if, added.show_if_values) == (1, 5, q["scale"], [6, 7])
    # Its page to change it, and the preview as a phone shows it.
    assert client.get(f"/enquetes/{questionnaire.pk}/questions/{added.pk}/").status_code == 200
    preview = text(client.get(f"/enquetes/{questionnaire.pk}/apercu/"))
    assert "Aperçu sur un téléphone" in preview and "Nouvelle" in preview and "Questionnaire anonyme" in preview


def test_questions_are_frozen_once_answered(world, login):
    questionnaire, q = every_kind(world)
    services.response_submit(questionnaire=questionnaire, answers={q["scale"]: 3}, channel="papier")
    client = login(world.staff_a)
    response = client.post(
        f"/enquetes/{questionnaire.pk}/questions/",
        {"section": questionnaire.sections.get().pk, "text": "Tard", "kind": "texte_court"},
    )
    assert "ses questions ne peuvent plus changer" in text(response)
    deleted = client.post(f"/enquetes/{questionnaire.pk}/questions/{q['long'].pk}/supprimer/", follow=True)
    assert "ses questions ne peuvent plus changer" in text(deleted)
    assert Question.objects.filter(pk=q["long"].pk).exists()
    # Nor does its anonymity change: it was promised on the first page.
    edit = client.post(
        f"/enquetes/{questionnaire.pk}/modifier/",
        {"title": "Tout", "audience": "relais", **_dates()},  # « anonyme » unticked
    )
    assert "son anonymat, annoncé sur sa première page, ne change plus" in text(edit)
    questionnaire.refresh_from_db()
    assert questionnaire.anonymous
