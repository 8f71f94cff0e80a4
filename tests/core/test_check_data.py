"""`manage.py check_data`: one test per kind of impossible history it knows, each
saying how to fix it; coherent data made by the services pass."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import integrity
from initiatives.models import InitiativeStatusChange
from relais import services as relais_services
from relais.models import Relais, RelaisStatusChange
from remontees.models import Remontee, RemonteeEvent
from tests.factories import (
    InitiativeFactory,
    InviteeFactory,
    OrganisationFactory,
    RemonteeEventFactory,
    RemonteeFactory,
    ResidenceFactory,
    ReunionFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
S = Relais.Status


@pytest.fixture
def org():
    return OrganisationFactory(name="Office du Val")


def kinds(org) -> list[str]:
    return sorted(p.kind for p in integrity.run(org))


def person(org, *life) -> Relais:
    """A relais made and moved through the services (a coherent history)."""
    (status, day), *rest = life
    relais = relais_services.relais_create(
        organisation=org, by=None, first_name="Aïcha", last_name="Val", status=status, status_date=day
    )
    for status, day, *reason in rest:
        relais_services.relais_change_status(
            relais=relais, to_status=status, date=day, by=None, exit_reason=reason[0] if reason else ""
        )
    relais.refresh_from_db()
    return relais


def test_coherent_histories_pass_and_the_command_says_so(org):
    person(org, (S.ACTIF, D(2023, 1, 1)), (S.SORTI, D(2024, 12, 15), "demenagement"), (S.CANDIDAT, D(2025, 3, 1)))
    person(org, (S.CANDIDAT, D(2024, 2, 1)), (S.ACTIF, D(2024, 3, 1)), (S.PAUSE, D(2025, 1, 1)))
    out = io.StringIO()
    call_command("check_data", stdout=out)
    assert "Aucun historique impossible." in out.getvalue()


def test_the_command_lists_each_problem_with_its_fix_and_exits_1(org):
    relais = person(org, (S.ACTIF, D(2024, 6, 9)))
    Relais.objects.filter(pk=relais.pk).update(status=S.PAUSE)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit:
        call_command("check_data", "--organisation", org.slug, stdout=out, stderr=err)
    assert exit.value.code == 1
    text = out.getvalue()
    assert "Office du Val" in text and "[relais.statut_contredit]" in text and f"/relais/{relais.pk}/" in text
    assert "Pour corriger : changez le statut depuis la fiche" in text
    assert "1 historique impossible." in err.getvalue()


def test_relais_dates_out_of_order(org):
    relais = person(org, (S.ACTIF, D(2024, 1, 10)), (S.PAUSE, D(2024, 5, 1)))
    # The pause, recorded after the start, dated before it.
    RelaisStatusChange.objects.filter(relais=relais, to_status=S.PAUSE).update(date=D(2023, 5, 1))
    assert "relais.dates_desordre" in kinds(org)


def test_relais_history_that_starts_impossibly(org):
    relais = person(org, (S.ACTIF, D(2024, 1, 10)))
    RelaisStatusChange.objects.filter(relais=relais).update(from_status=S.CANDIDAT, to_status=S.PAUSE)
    Relais.objects.filter(pk=relais.pk).update(status=S.PAUSE)
    assert "relais.debut_impossible" in kinds(org)


def test_relais_history_with_a_broken_chain(org):
    relais = person(org, (S.ACTIF, D(2024, 1, 10)), (S.PAUSE, D(2024, 5, 1)))
    RelaisStatusChange.objects.filter(relais=relais, to_status=S.PAUSE).update(from_status=S.CANDIDAT)
    assert kinds(org) == ["relais.historique_rompu"]


def test_relais_step_the_form_refuses(org):
    relais = person(org, (S.CANDIDAT, D(2024, 1, 10)))
    RelaisStatusChange.objects.create(relais=relais, from_status=S.CANDIDAT, to_status=S.PAUSE, date=D(2024, 2, 1))
    Relais.objects.filter(pk=relais.pk).update(status=S.PAUSE, status_since=D(2024, 2, 1))
    assert kinds(org) == ["relais.passage_impossible"]


def test_relais_change_in_the_future(org):
    relais = person(org, (S.ACTIF, D(2024, 1, 10)))
    later = timezone.localdate() + datetime.timedelta(days=30)
    RelaisStatusChange.objects.filter(relais=relais).update(date=later)
    Relais.objects.filter(pk=relais.pk).update(status_since=later, started_on=later)
    assert kinds(org) == ["relais.date_future"]


def test_relais_status_contradicting_the_history(org):
    relais = person(org, (S.ACTIF, D(2024, 1, 10)))
    Relais.objects.filter(pk=relais.pk).update(status=S.SORTI, left_on=D(2024, 6, 1), exit_reason="autre")
    assert kinds(org) == ["relais.statut_contredit"]


def test_relais_exit_before_the_start(org):
    # The demo's old case: « relais depuis le 9 juin 2026 », « sorti le 24 décembre 2024 ».
    relais = person(org, (S.ACTIF, D(2023, 1, 10)), (S.SORTI, D(2024, 12, 24), "demenagement"))
    Relais.objects.filter(pk=relais.pk).update(started_on=D(2026, 6, 9))
    problems = integrity.run(org)
    assert [p.kind for p in problems] == ["relais.sortie_avant_debut"]
    assert "10/01/2023" in problems[0].fix


def test_relais_start_contradicting_the_history(org):
    relais = person(org, (S.ACTIF, D(2023, 1, 10)), (S.SORTI, D(2024, 12, 1), "demenagement"))
    relais_services.relais_change_status(relais=relais, to_status=S.CANDIDAT, date=D(2025, 2, 1), by=None)
    relais_services.relais_change_status(relais=relais, to_status=S.ACTIF, date=D(2025, 3, 1), by=None)
    # What the service wrote before the fix: the first spell's start kept.
    Relais.objects.filter(pk=relais.pk).update(started_on=D(2023, 1, 10))
    assert kinds(org) == ["relais.debut_contredit"]


def _remontee(org, **fields) -> Remontee:
    remontee = RemonteeFactory(residence=ResidenceFactory(organisation=org), **fields)
    RemonteeEventFactory(remontee=remontee, kind=RemonteeEvent.Kind.CREEE, status=remontee.status)
    return remontee


def test_remontee_dates_out_of_order(org):
    remontee = _remontee(org)
    Remontee.objects.filter(pk=remontee.pk).update(answered_at=remontee.created_at - datetime.timedelta(days=3))
    assert kinds(org) == ["remontees.dates_desordre"]


def test_remontee_status_contradicting_its_events(org):
    remontee = _remontee(org)
    Remontee.objects.filter(pk=remontee.pk).update(status=Remontee.Status.EN_COURS)
    assert kinds(org) == ["remontees.statut_contredit"]


def test_remontee_closed_without_a_closing_date(org):
    remontee = _remontee(org, status=Remontee.Status.NON_RETENUE)
    assert remontee.closed_at is None
    assert kinds(org) == ["remontees.cloture_contredite"]


def test_initiative_without_history(org):
    InitiativeFactory(organisation=org, history=False)
    assert kinds(org) == ["initiatives.sans_historique"]


def test_initiative_status_contradicting_its_history(org):
    initiative = InitiativeFactory(organisation=org, starts_on=D(2025, 5, 1))
    type(initiative).objects.filter(pk=initiative.pk).update(status="annulee")
    assert kinds(org) == ["initiatives.statut_contredit"]
    assert InitiativeStatusChange.objects.filter(initiative=initiative).count() == 1


def test_initiative_done_before_its_day(org):
    InitiativeFactory(organisation=org, status="realisee", starts_on=timezone.localdate() + datetime.timedelta(days=9))
    assert kinds(org) == ["initiatives.realisee_avant_date"]


def test_meeting_held_before_its_day(org):
    ReunionFactory(organisation=org, status="tenue")
    assert kinds(org) == ["reunions.tenue_avant_date"]


def test_attendance_ticked_before_the_meeting(org):
    InviteeFactory(reunion=ReunionFactory(organisation=org), attended=True)
    assert kinds(org) == ["reunions.presence_avant_date"]
