"""The bilan's definitions on a known dataset (tests/bilans/test_bilans.py's
Network, plus one case each): a relais who comes back through candidat, a
remontée resolved after the period, a meeting held without minutes, a relais of
two residences, an initiative shared by two residences and reported after the
period, an amount with cents. Each figure is read back from the figures, the
PDF's text and the HTML page."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from bilans import services
from bilans.models import Bilan
from bilans.selectors import bilan_figures
from devtools.builder import Builder, GrantPlan, InitiativePlan, RelaisPlan, RemonteePlan, Step
from initiatives.models import InitiativeKind
from relais.models import RelaisResidence
from relais.selectors import dashboard
from remontees.models import Theme
from reunions.models import Invitee, Reunion
from tests.bilans.test_bilans import Network, at, on, pdf_text
from tests.helpers import text as page_text

pytestmark = pytest.mark.django_db


def years(*starts: str) -> float:
    """The average seniority on 31 December 2025 of relais who started on `starts`."""
    end = on("2025-12-31")
    return round(sum((end - on(s)).days for s in starts) / len(starts) / 365.25, 1)


# The Network's relais active at the end of 2025 and the start of their spell.
ACTIVE_2025 = ["2023-03-01", "2024-06-01", "2025-04-01", "2025-05-01"]


class Cases(Network):
    def __init__(self):
        super().__init__()
        org = self.org
        b = Builder(org, by=self.staff, rng=1)
        # Gilles left in December 2024 and came back through candidat in March 2025.
        self.gilles = b.relais(
            [
                RelaisPlan(
                    "Gilles",
                    "Val",
                    [
                        Step("actif", on("2023-01-01")),
                        Step("sorti", on("2024-12-15"), "manque_de_temps"),
                        Step("candidat", on("2025-03-01")),
                        Step("actif", on("2025-03-15")),
                    ],
                    homes=[(self.r1, "")],
                )
            ]
        )[0]
        # Aïcha relays a second residence, in the other quartier.
        RelaisResidence.objects.create(relais=self.a, residence=self.r2)
        # A remontée of December 2025, resolved in January 2026.
        theme = Theme.objects.filter(organisation=org, name="Ascenseur").get()
        b.remontees(
            [
                RemonteePlan(
                    self.r2,
                    theme,
                    "Ascenseur bloqué au 3e",
                    at("2025-12-20T10:00"),
                    relais=self.a,
                    steps=[("resolue", at("2026-01-10T10:00"), "Réparé.")],
                )
            ]
        )
        # A meeting that took place, attendance ticked, minutes never published.
        held = Reunion.objects.create(
            organisation=org,
            kind="comite",
            title="Comité sans compte rendu",
            starts_at=at("2025-11-10T18:00"),
            ends_at=at("2025-11-10T20:00"),
        )
        Invitee.objects.create(reunion=held, relais=self.a, answer="present", attended=True)
        Invitee.objects.create(reunion=held, relais=self.gilles, answer="", attended=False)
        # An initiative of two residences, with a grant in cents; one reported after the year's end.
        kind = InitiativeKind.objects.get(organisation=org, name="Repas partagé")
        b.initiatives(
            [
                InitiativePlan(
                    kind=kind,
                    title="Repas des deux résidences",
                    day=on("2025-06-20"),
                    status="realisee",
                    residences=[self.r1, self.r2],
                    report={"participants": 40},
                    grant=GrantPlan(Decimal(300), "Un repas", decided_on=on("2025-06-01"), granted=Decimal("249.75")),
                ),
                InitiativePlan(
                    kind=kind,
                    title="Réveillon de la Saint-Sylvestre",
                    day=on("2025-12-31"),
                    status="realisee",
                    residences=[self.r1],
                    report={"participants": 30},
                ),
            ]
        )


@pytest.fixture
def cases(db) -> Cases:
    return Cases()


def test_a_return_through_candidat_starts_a_new_spell(cases, login):
    cases.gilles.refresh_from_db()
    assert cases.gilles.started_on == on("2025-03-15")
    fiche = page_text(login(cases.staff).get(f"/relais/{cases.gilles.pk}/"))
    assert "Relais depuis 15 mars 2025" in fiche
    figures = bilan_figures(cases.org, 2025)
    # The old start (2023) would make it 1,8 years.
    assert figures["relais"]["seniority_years"] == years(*ACTIVE_2025, "2025-03-15") == 1.3
    # He is a new relais of 2025, and he left in 2024.
    assert figures["relais"]["new"] == 3 and bilan_figures(cases.org, 2024)["relais"]["left"] == 1


def test_states_are_read_at_the_end_of_the_period(cases):
    figures = bilan_figures(cases.org, 2025)
    remontees = figures["remontees"]
    # Resolved in January 2026: unresolved and unanswered on 31 December 2025.
    assert remontees["total"] == 6 and remontees["resolved"] == 2 and remontees["unanswered"] == 2
    # Reported on 1 January 2026: not done on 31 December 2025, but counted among the year's.
    assert figures["initiatives"]["done"] == 3 and figures["initiatives"]["total"] == 5
    assert figures["initiatives"]["participants"] == 80 + 25 + 40
    # Seen from 2026 the same rows are resolved and done.
    assert bilan_figures(cases.org, 2026)["as_of"] >= on("2026-01-10")


def test_a_meeting_is_held_once_its_date_has_passed_unless_cancelled(cases):
    reunions = bilan_figures(cases.org, 2025)["reunions"]
    assert (reunions["held"], reunions["cancelled"], reunions["planned"]) == (3, 1, 0)
    # Its attendance counts: 3 of 5 invited before, plus 1 of 2 there.
    assert reunions["attended_invited"] == 4 and reunions["invited_to_held"] == 7
    assert reunions["attendance_rate"] == 57.1


def test_double_counting_is_stated_and_totals_count_each_once(cases):
    figures = bilan_figures(cases.org, 2025)
    relais = figures["relais"]
    assert relais["active"] == 5
    assert relais["by_quartier"] == [("Centre", 3), ("Les Hauts", 3)]
    assert relais["by_quartier_sum"] == 6 and relais["in_several_quartiers"] == 1
    annex = {row["name"]: row for row in figures["annex"]}
    assert annex["Les Tilleuls"]["participants"] == 80 + 40 and annex["Le Belvédère"]["participants"] == 25 + 40
    totals = figures["annex_totals"]
    assert totals["relais"] == 5 and totals["initiatives"] == 4 and totals["shared_initiatives"] == 1
    assert totals["participants"] == 80 + 25 + 40


def test_the_pdf_and_the_page_say_the_same(cases, login):
    bilan = services.bilan_open(organisation=cases.org, year=2025)
    text = pdf_text(services.bilan_pdf(bilan))
    page = page_text(login(cases.staff).get(f"/bilans/{bilan.pk}/"))
    for line in (
        "Chiffres arrêtés au 31 décembre 2025",
        "Relais actifs au 31 décembre 2025 : 5",
        "Ancienneté moyenne des relais actifs : 1,3 an",
        "Réunions tenues : 3 ; annulées : 1.",
        "Subventions accordées 499,75 € 0 € +499,75 €",
        "Fonds de participation : demandes : 3 (1 500 €)",
        "Relais présents dans plusieurs quartiers : 1.",
        "les barres totalisent 6 pour 5 relais actifs",
        "Total, chacun compté une fois 430 5 6 4 145",
        "Initiatives communes à plusieurs résidences : 1, comptées avec leurs participants dans chacune.",
        "Les Hauts (QPV) 3 Centre 3 Dont en quartier prioritaire (QPV) 3",
        "Comment lire ces chiffres",
    ):
        assert line in text, f"not in the PDF: {line}\n\n{text}"
        assert line in page, f"not on the page: {line}\n\n{page}"


def test_the_period_in_progress_says_au_and_its_date(cases, monkeypatch):
    fixed = timezone.make_aware(datetime.datetime(2025, 6, 15, 12, 0))
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    text = pdf_text(services.bilan_pdf(Bilan(organisation=cases.org, year=2025)))
    assert "Chiffres arrêtés au 15 juin 2025 (période en cours), comparés à la même période de 2024" in text


def test_the_dashboard_and_the_bilan_of_today_say_the_same_numbers(cases):
    board = dashboard(cases.staff)
    today = bilan_figures(cases.org, timezone.localdate().year)
    assert today["as_of"] == timezone.localdate()
    assert (board.by_status["actif"], board.by_status["pause"], board.by_status["candidat"]) == (
        today["relais"]["active"],
        today["relais"]["paused"],
        today["relais"]["candidates"],
    )
    assert (board.residences, board.covered_residences, board.dwellings, board.covered_dwellings) == (
        today["coverage"]["residences"],
        today["coverage"]["covered"],
        today["coverage"]["dwellings"],
        today["coverage"]["covered_dwellings"],
    )
    uncovered = {row["name"] for row in today["annex"] if row["relais"] == 0}
    assert {r.name for r in board.uncovered} == uncovered
