"""An anonymous answer cannot be traced: after a relais answers through their
personal link, no table holds the link, and nothing in the answers' tables
leads to the relais, their login or their invitation; ids are random, dates
are days."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.db import connection, models
from django.test import Client
from django.utils import timezone

from core.models import SensitiveFlag
from enquetes import links, services
from enquetes.models import Answer, Invitation, Response
from tests.enquetes.helpers import FULL, every_kind, post_data

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.SlugField, models.EmailField)


def _text_columns():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, TEXT_FIELDS):
                yield model._meta.db_table, field.column


def _holding(value: str) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE %s', [f"%{value}%"])
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def test_an_anonymous_answer_cannot_be_traced(world):
    questionnaire, q = every_kind(world)
    invitation = Invitation.objects.create(questionnaire=questionnaire, relais=world.relais_a)
    code = links.code(invitation.pk)
    assert Client().post(f"/l/{code}/", post_data(q, **FULL)).status_code == 302
    response = Response.objects.get()

    # The link is nowhere in the database (it is never stored: id + signature).
    assert _holding(code) == []
    assert _holding(code[-12:]) == []
    # Nothing in the answers' rows leads to the relais, their login or the invitation.
    assert response.invitation_id is None and response.residence_id is None
    person = {str(world.relais_a.pk), str(world.relais_user_a.pk), str(invitation.pk)}
    for model in (Response, Answer):
        for field in model._meta.concrete_fields:
            if field.is_relation:
                assert field.related_model not in (apps.get_model("relais", "Relais"), apps.get_model("relais", "User"))
    rows = list(Response.objects.values()) + list(Answer.objects.values("id", "response_id", "question_id", "text"))
    for row in rows:
        for column, value in row.items():
            if column.endswith("_id") and column != "invitation_id":
                continue  # the questionnaire's and questions' own ids
            assert str(value) not in person or column == "id" and value > 2**32, (column, value)
    # No time of day anywhere near the answer: a date, and no timestamp column.
    for model in (Response, Answer):
        assert not any(isinstance(f, models.DateTimeField) for f in model._meta.concrete_fields)
    assert response.submitted_on == timezone.localdate()
    # The invitation says it served, not when, not for which answer.
    invitation.refresh_from_db()
    assert invitation.used
    assert not any(isinstance(f, models.DateField | models.DateTimeField) for f in Invitation._meta.concrete_fields)
    # Random ids: no order of arrival to read.
    other = Invitation.objects.create(questionnaire=questionnaire, relais=world.relais_a2)
    Client().post(f"/l/{links.code(other.pk)}/", post_data(q, scale="1"))
    ids = sorted(Response.objects.values_list("pk", flat=True))
    assert ids[0] > 2**20 and ids[1] - ids[0] != 1


def test_a_sensitive_free_text_waits_for_review_flagged_on_the_day_only(world, login):
    questionnaire, q = every_kind(world)
    first = Invitation.objects.create(questionnaire=questionnaire, relais=world.relais_a)
    Client().post(f"/l/{links.code(first.pk)}/", post_data(q, scale="4", long="Mon voisin est malade depuis des mois"))
    for n in range(4):
        services.response_submit(
            questionnaire=questionnaire,
            answers={q["scale"]: 3, q["long"]: "Une fête" if n == 0 else f"Idée numéro {n}"},
            channel="papier",
        )
    flag = SensitiveFlag.objects.get()
    assert flag.categories == "santé" and flag.flagged_by is None
    local = timezone.localtime(flag.flagged_at)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    page = login(world.staff_a).get(f"/enquetes/{questionnaire.pk}/resultats/").content.decode()
    assert "malade" not in page
    assert "Une fête" in page and "en attente de relecture" in page
    flag.outcome, flag.reviewed_at = SensitiveFlag.Outcome.KEPT, timezone.now() - datetime.timedelta(minutes=1)
    flag.save()
    assert "malade" in login(world.staff_a).get(f"/enquetes/{questionnaire.pk}/resultats/").content.decode()


def test_a_relais_export_holds_their_named_answers_only(world, login):
    named, q = every_kind(world, anonymous=False, title="Nominatif")
    anonymous, qa = every_kind(world, title="Anonyme")
    for questionnaire, questions, value in ((named, q, "Mon avis signé"), (anonymous, qa, "Mon avis anonyme")):
        invitation = Invitation.objects.create(questionnaire=questionnaire, relais=world.relais_a)
        Client().post(f"/l/{links.code(invitation.pk)}/", post_data(questions, scale="3", short=value))
    from core.personal_data import parts

    part = next(p for p in parts() if p.app == "enquetes")
    data = part.export(world.relais_a)
    answers = data["Enquêtes : réponses nominatives"]
    assert {"questionnaire": "Nominatif", "répondu le": timezone.localdate().isoformat(), "question": "Un mot ?",
            "réponse": "Mon avis signé"} in answers  # fmt: skip
    assert all(row["questionnaire"] == "Nominatif" for row in answers)
    page = login(world.staff_a).get(f"/donnees/relais/{world.relais_a.pk}/export/")
    assert page.status_code == 200 and "Mon avis signé" in page.content.decode()
    assert "Mon avis anonyme" not in page.content.decode()


def test_check_data_finds_an_answer_out_of_its_dates_or_an_anonymous_one_tied_to_a_link(world):
    from core import integrity

    questionnaire, q = every_kind(world)
    invitation = Invitation.objects.create(questionnaire=questionnaire, relais=world.relais_a, used=True)
    services.response_submit(questionnaire=questionnaire, answers={q["scale"]: 2}, channel="papier")
    assert [p for p in integrity.run(world.org_a) if p.kind.startswith("enquetes.")] == []
    Response.objects.update(submitted_on=questionnaire.opens_on - datetime.timedelta(days=3), invitation=invitation)
    kinds = sorted(p.kind for p in integrity.run(world.org_a) if p.kind.startswith("enquetes."))
    assert kinds == ["enquetes.anonyme_lie", "enquetes.reponse_hors_dates"]
