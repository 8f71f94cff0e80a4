"""Results: the 5-answer threshold, a hand-computed table, groups merged or
hidden, year on year, exports, the PDF, constant queries, and the barometer in
the bilan."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from enquetes import selectors, services
from tests.bilans.test_bilans import pdf_text
from tests.enquetes.helpers import every_kind
from tests.helpers import same_queries_for_few_and_many, text

pytestmark = pytest.mark.django_db


def _answer(questionnaire, q, *, residence=None, channel="qr", **values):
    services.response_submit(
        questionnaire=questionnaire,
        answers={q[k]: v for k, v in values.items()},
        channel=channel,
        residence=residence,
    )


def _known_set(world):
    """12 answers: 5 at Les Tilleuls (quartier 1, QPV), 5 at Le Belvédère
    (quartier 2), 2 on paper with no residence."""
    questionnaire, q = every_kind(world, audience="locataires", residences=[world.residence_a1, world.residence_a2])
    a1, a2 = world.residence_a1, world.residence_a2
    for scale, single, cond in [(7, 0, 5), (6, 0, 4), (6, 1, None), (5, 0, 3), (4, 1, None)]:
        _answer(questionnaire, q, residence=a1, scale=scale, single=single, cond=cond, multi=[0, 1])
    for scale in (0, 1, 2, 3, 4):
        _answer(questionnaire, q, residence=a2, scale=scale, single=1, multi=[0])
    for _ in range(2):
        _answer(questionnaire, q, channel="papier", scale=7, single=0, cond=5, multi=[2])
    return questionnaire, q


def _result(context, question):
    return next(r for r in context["questions"] if r.question.pk == question.pk)


def test_results_equal_the_hand_computed_table(world):
    questionnaire, q = _known_set(world)
    context = selectors.results(questionnaire)
    assert context["total"] == 12 and context["shown"]
    scale = _result(context, q["scale"])
    assert [(label.split(" — ")[0], n) for label, n, _, _ in scale.rows] == [
        ("0", 1),
        ("1", 1),
        ("2", 1),
        ("3", 1),
        ("4", 2),
        ("5", 1),
        ("6", 2),
        ("7", 3),
    ]
    assert scale.mean == round(52 / 12, 2) and scale.median == 4.5
    lines, hidden = scale.by_group
    assert [(label, n, mean) for label, n, mean in lines] == [
        (f"Le Belvédère {'SECRET-A'} HORS-AGENCE", 5, 2.0),
        ("Les Tilleuls SECRET-A", 5, 5.6),
    ]
    assert hidden == 2  # the two paper answers with no residence: under 5, not shown
    single = _result(context, q["single"])
    assert [(label, n, share) for label, n, share, _ in single.rows] == [("Oui", 5, 41.7), ("Non", 7, 58.3)]
    # The follow-up, asked to the 5 who said « Oui »: 3 at Les Tilleuls and 2 on
    # paper, each group under 5, merged into one line of 5.
    cond = _result(context, q["cond"])
    assert cond.respondents == 5 and cond.shown
    assert [(label, n) for label, n, _, _ in cond.rows] == [
        ("1 — Pas du tout", 0),
        ("2", 0),
        ("3", 1),
        ("4", 1),
        ("5 — Énormément", 3),
    ]
    assert cond.by_group == [[("Autres groupes (moins de 5 réponses chacun)", 5, 4.4)], 0]
    multi = _result(context, q["multi"])
    assert [(label, n, share) for label, n, share, _ in multi.rows] == [
        ("Matériel", 10, 83.3),
        ("Santé", 5, 41.7),
        ("Parler", 2, 16.7),
    ]
    # By channel, by QPV.
    by_channel = selectors.results(questionnaire, dimension="canal")
    assert by_channel["groups"] == ([("Lien ouvert ou QR code", 10)], 2)
    by_qpv = selectors.results(questionnaire, dimension="qpv")
    assert sorted(by_qpv["groups"][0]) == [("En QPV", 5), ("Hors QPV", 5)]
    by_quartier = selectors.results(questionnaire, dimension="quartier")
    assert {label for label, _ in by_quartier["groups"][0]} == {
        "Quartier 1 SECRET-A",
        "Quartier 2 SECRET-A HORS-AGENCE",
    }


def test_nothing_is_shown_under_five_answers(world, login):
    questionnaire, q = every_kind(world)
    for value in (1, 2, 3, 4):
        _answer(questionnaire, q, channel="papier", scale=value, short=f"Texte {value}")
    client = login(world.staff_a)
    page = text(client.get(f"/enquetes/{questionnaire.pk}/resultats/"))
    assert "4 réponses pour l'instant : les résultats s'affichent à partir de 5 réponses" in page
    assert "Texte 1" not in page and "Moyenne" not in page
    assert (
        list(
            csv.reader(
                io.StringIO(
                    client.get(f"/enquetes/{questionnaire.pk}/resultats/?format=csv")
                    .getvalue()
                    .decode()
                    .lstrip("\ufeff")
                ),
                delimiter=";",
            )
        )[1:]
        == []
    )
    _answer(questionnaire, q, channel="papier", scale=5, short="Texte 5")
    page = text(client.get(f"/enquetes/{questionnaire.pk}/resultats/"))
    assert "5 réponses" in page and "Moyenne : 3" in page and "Texte 1" in page


def test_year_on_year_and_exports_and_pdf(world, login):
    today = timezone.localdate()
    last = services.questionnaire_create(
        organisation=world.org_a,
        by=None,
        title="",
        template="barometre",
        opens_on=today.replace(year=today.year - 1),
        closes_on=today.replace(year=today.year - 1) + datetime.timedelta(days=20),
    )
    this = services.questionnaire_create(
        organisation=world.org_a,
        by=None,
        title="",
        template="barometre",
        opens_on=today - datetime.timedelta(days=2),
        closes_on=today + datetime.timedelta(days=20),
    )
    trust_last, trust_this = last.questions.get(position=0), this.questions.get(position=0)
    for value in (2, 3, 3, 4, 4, 5):
        services.response_submit(questionnaire=last, answers={trust_last: value}, channel="papier", today=last.opens_on)
    for value in (4, 5, 5, 6, 6):
        services.response_submit(questionnaire=this, answers={trust_this: value}, channel="papier")
    context = selectors.results(this)
    assert context["previous"] == last
    trust = _result(context, trust_this)
    assert trust.mean == 5.2 and trust.previous_mean == 3.5
    assert "an dernier" in trust.chart
    client = login(world.staff_a)
    page = client.get(f"/enquetes/{this.pk}/resultats/")
    assert "l'an dernier : 3,5" in text(page)
    csv_text = b"".join(client.get(f"/enquetes/{this.pk}/resultats/?format=csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Question", "Groupe", "Réponse", "Nombre", "Part (%)"]
    assert [trust_this.text, "Ensemble", "6", "2", "40,0"] in rows
    xlsx = client.get(f"/enquetes/{this.pk}/resultats/?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True).active
    assert [c for c in next(sheet.iter_rows(values_only=True))] == [
        "Question",
        "Groupe",
        "Réponse",
        "Nombre",
        "Part (%)",
    ]
    pdf = client.get(f"/enquetes/{this.pk}/resultats.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    words = pdf_text(pdf.content)
    assert "Résultats : Baromètre de la confiance" in words and "Moyenne : 5,2" in words
    paper = pdf_text(client.get(f"/enquetes/{this.pk}/questionnaire.pdf").content)
    assert "Questionnaire anonyme" in paper and "Seulement si vous avez répondu « Oui »" in paper
    # The barometer in the bilan, with the year before.
    barometer = selectors.barometer(world.org_a, today.year)
    assert barometer["year"]["mean"] == 5.2 and barometer["previous"]["mean"] == 3.5


def test_the_poster_carries_the_open_link(world, login):
    questionnaire, _ = every_kind(world, audience="locataires")
    response = login(world.staff_a).get(f"/enquetes/{questionnaire.pk}/affiche/{world.residence_a1.pk}/")
    words = pdf_text(response.content)
    assert (
        "Votre avis nous intéresse" in words
        and f"/e/{questionnaire.key}/?r={world.residence_a1.pk}" in words.replace(" ", "")
    )


def test_the_results_page_reads_in_constant_queries(world, login):
    questionnaire, q = every_kind(world, audience="locataires", residences=[world.residence_a1, world.residence_a2])
    residences = [world.residence_a1, world.residence_a2, None]

    def grow(start, end):
        for n in range(start, end):
            _answer(
                questionnaire,
                q,
                residence=residences[n % 3],
                channel="papier" if n % 3 == 2 else "qr",
                scale=n % 8,
                single=n % 2,
                cond=(n % 5) + 1 if n % 2 == 0 else None,
                multi=[n % 3],
                number=n,
                short=f"mot {n}",
                long=f"idée {n}",
                ten=n % 11,
            )

    response = same_queries_for_few_and_many(
        login(world.staff_a), f"/enquetes/{questionnaire.pk}/resultats/", grow, 5, 50
    )
    assert "50 réponses" in text(response)


def test_the_barometer_appears_in_the_bilan(world):
    from bilans.selectors import bilan_context
    from bilans.services import bilan_open, bilan_pdf

    today = timezone.localdate()
    barometer = services.questionnaire_create(
        organisation=world.org_a,
        by=None,
        title="",
        template="barometre",
        opens_on=datetime.date(today.year - 1, 3, 1),
        closes_on=datetime.date(today.year - 1, 3, 31),
    )
    trust = barometer.questions.get(position=0)
    for value in (3, 4, 5, 6, 7):
        services.response_submit(
            questionnaire=barometer, answers={trust: value}, channel="papier", today=barometer.opens_on
        )
    bilan = bilan_open(organisation=world.org_a, year=today.year - 1)
    context = bilan_context(bilan)
    assert context["barometer"]["year"]["mean"] == 5.0
    words = pdf_text(bilan_pdf(bilan))
    assert "Le baromètre de la confiance" in words and f"{today.year - 1} : moyenne 5 sur 7" in words
