"""The plenary document: the period chosen (calendar year, school year, a free
period compared with the same length just before), the key figures page, the
lists read in the plenary, charts that wrap their labels, one font family, and
the warning before generating without introduction or perspectives."""

import io
import re

import pytest
from django.template.loader import render_to_string
from openpyxl import load_workbook
from pypdf import PdfReader

from bilans import services
from bilans.models import Bilan
from bilans.selectors import bilan_context
from core.charts import bar_chart
from tests.bilans.test_bilans import on, pdf_text
from tests.bilans.test_definitions import Cases
from tests.helpers import text as page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(db) -> Cases:
    return Cases()


def test_the_document_has_key_figures_and_the_lists_of_the_plenary(cases):
    bilan = services.bilan_open(organisation=cases.org, year=2025)
    data = services.bilan_pdf(bilan)
    text = pdf_text(data)
    for line in (
        # The first page of key figures, with their evolution.
        "L'essentiel de 2025",
        # (the big number and its label are blocks: the PDF's text has no space between them)
        "5relais actifs +2 par rapport à 2024 (3)",
        "3réunions tenues +2 par rapport à 2024 (1)",
        "499,75 €accordés aux initiatives +499,75 € par rapport à 2024 (0 €)",
        # The meetings held, minutes or not, with their attendance.
        "Les réunions tenues",
        "10 novembre 2025 Comité sans compte rendu — 2 1",
        # The initiatives, with place, participants and partners; one reported after the year's end.
        "Les initiatives de la période",
        "20 juin 2025 Repas des deux résidences Le Belvédère, Les Tilleuls 40",
        "31 décembre 2025 Réveillon de la Saint-Sylvestre (prévue) Les Tilleuls —",
        # Grants initiative by initiative, to the cent, with their total.
        "Le fonds de participation, initiative par initiative",
        "Repas des deux résidences 300 € Accordée 249,75 €",
        "Total 1 500 € 499,75 €",
    ):
        assert line in text, f"not in the PDF: {line}\n\n{text}"
    # Charts sit under their heading.
    html = render_to_string("bilans/pdf.html", bilan_context(bilan))
    for heading in ("Relais actifs par quartier", "Remontées par thème", "Initiatives par type"):
        assert f"<h3>{heading}</h3><figure><svg" in html
    # One font family, the page footers included.
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(re.sub(r"^[A-Z]{6}\+", "", str(font.get_object()["/BaseFont"]).lstrip("/")))
    assert fonts and all(name.startswith("DejaVu") for name in fonts), fonts


def test_a_school_year_is_compared_with_the_school_year_before(cases):
    bilan = services.bilan_open(organisation=cases.org, year=2024)
    services.bilan_save_texts(bilan=bilan, introduction="", perspectives="", examples=[], period="scolaire")
    context = bilan_context(bilan)
    assert (context["figures"]["first_day"], context["figures"]["last_day"]) == (on("2024-09-01"), on("2025-08-31"))
    assert context["year"] == "2024-2025" and context["previous_year"] == "2023-2024"
    # September 2024 to August 2025: the plenary of February and the thematic meeting of June.
    assert context["figures"]["reunions"]["held"] == 2 and context["previous"]["reunions"]["held"] == 1
    assert "Bilan 2024-2025" in pdf_text(services.bilan_pdf(bilan))


def test_a_free_period_is_compared_with_the_same_length_just_before(cases):
    bilan = services.bilan_open(organisation=cases.org, year=2025)
    services.bilan_save_texts(
        bilan=bilan,
        introduction="",
        perspectives="",
        examples=[],
        period="libre",
        starts_on=on("2025-06-01"),
        ends_on=on("2025-11-30"),
    )
    context = bilan_context(bilan)
    assert context["year"] == "01/06/2025 – 30/11/2025"
    assert context["previous_year"] == "30/11/2024 – 31/05/2025"  # 183 days, as June to November
    # June to November: the thematic meeting of June and the committee of November; before: the February plenary.
    assert context["figures"]["reunions"]["held"] == 2 and context["previous"]["reunions"]["held"] == 1


def test_a_free_period_needs_both_dates_in_order(cases, login):
    bilan = services.bilan_open(organisation=cases.org, year=2025)
    response = login(cases.staff).post(
        f"/bilans/{bilan.pk}/textes/",
        {"period": "libre", "starts_on": "2025-11-30", "ends_on": "2025-06-01", "colour": "#1f5f8b"},
    )
    assert response.status_code == 200 and "La fin de la période doit suivre son début." in page_text(response)
    bilan.refresh_from_db()
    assert bilan.period == Bilan.Period.ANNEE


def test_the_page_warns_before_generating_without_introduction_or_perspectives(cases, login):
    bilan = services.bilan_open(organisation=cases.org, year=2025)
    staff = login(cases.staff)
    page = page_text(staff.get(f"/bilans/{bilan.pk}/"))
    assert "Avant de générer : l'introduction et les perspectives sont vides" in page
    services.bilan_save_texts(bilan=bilan, introduction="Une année.", perspectives="", examples=[])
    assert "Avant de générer : les perspectives sont vides" in page_text(staff.get(f"/bilans/{bilan.pk}/"))
    services.bilan_save_texts(bilan=bilan, introduction="Une année.", perspectives="La suite.", examples=[])
    assert "Avant de générer" not in page_text(staff.get(f"/bilans/{bilan.pk}/"))


def test_chart_labels_wrap_instead_of_being_cut():
    svg = str(bar_chart([("Résidences avec au moins un relais actif en fin de période", 24, 23)], title="t"))
    assert "…" not in svg and svg.count("<tspan") == 2
    assert ">Résidences avec au moins un<" in svg and ">relais actif en fin de période<" in svg


def test_the_figures_as_a_workbook_with_the_previous_period(cases, login):
    bilan = services.bilan_open(organisation=cases.org, year=2025)
    response = login(cases.staff).get(f"/bilans/{bilan.pk}/?format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == [
        "Chiffres clés",
        "Relais",
        "Couverture",
        "Réunions",
        "Remontées",
        "Initiatives",
        "Activité",
        "Réunions tenues",
        "Liste des initiatives",
        "Subventions",
        "Annexe par résidence",
    ]

    def rows(name):
        return [list(r) for r in book[name].iter_rows(values_only=True) if r]

    key = {r[0]: r[1:4] for r in rows("Chiffres clés")[3:]}
    assert key["Relais actifs en fin de période"] == [5, 3, 2]
    assert key["Subventions accordées"] == [499.75, 0, 499.75]
    relais = {r[0]: r[1:3] for r in rows("Relais")}
    assert relais["Ancienneté moyenne des relais actifs (années)"][0] == 1.3
    assert relais["Centre"] == [3, 3]
    meetings = {r[2]: r for r in rows("Réunions tenues")[1:]}
    assert meetings["Comité sans compte rendu"][4:] == [2, 1]
    grants = {r[1]: r[2:] for r in rows("Subventions")[1:]}
    assert grants["Repas des deux résidences"] == [300, "Accordée", 249.75]
    assert rows("Annexe par résidence")[-1][3:] == [430, 5, 6, 4, 145]
