"""Candidates who never became relais (« Devenir relais » on the public page,
or entered by staff) are anonymised once the organisation's retention time has
passed since their last sign of life: the day they became candidates, or the
last exchange noted with them. Through the personal-data registry's `expired`
rule of the relais app (relais/personal_data.py)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from privacy import services
from relais.models import Relais
from tests.factories import ContactLogFactory, RelaisFactory
from tests.helpers import text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _candidate(org, name: str, since: datetime.date) -> Relais:
    return RelaisFactory(
        organisation=org, status=Relais.Status.CANDIDAT, status_since=since, last_name=name, phone="06 11 22 33 44"
    )


def test_a_candidate_goes_on_the_day_their_time_runs_out_not_the_day_before(world):
    months = world.org_a.retention_months
    since = datetime.date(2024, 2, 29)
    candidate = _candidate(world.org_a, "BISSEXTILE", since)
    day = services.anonymisation_day(since, months)
    assert day == datetime.date(2026, 3, 1)

    done = services.apply_retention(world.org_a, day - datetime.timedelta(days=1))
    candidate.refresh_from_db()
    assert candidate.anonymised_at is None and candidate.last_name == "BISSEXTILE" and done["anonymised"] == 0

    done = services.apply_retention(world.org_a, day)
    candidate.refresh_from_db()
    assert candidate.anonymised_at is not None and "BISSEXTILE" not in str(candidate) and candidate.phone == ""
    assert done["anonymised"] == 1
    # Their candidacy ends that day; a second night does nothing more.
    assert (candidate.status, candidate.left_on) == (Relais.Status.SORTI, timezone.localdate())
    assert services.apply_retention(world.org_a, day)["anonymised"] == 0


def test_an_exchange_noted_since_keeps_the_candidate_and_moves_their_day(world, login):
    since = services.months_before(TODAY, 30)
    followed = _candidate(world.org_a, "SUIVIE", since)
    ContactLogFactory(relais=followed, kind="appel", date=services.months_before(TODAY, 23), note="Rappelée")
    forgotten = _candidate(world.org_a, "OUBLIEE", since)
    ContactLogFactory(relais=forgotten, kind="appel", date=services.months_before(TODAY, 25), note="Message laissé")

    # Staff see both coming, each with its reason and day.
    page = text(login(world.staff_a).get("/donnees/"))
    assert "SUIVIE" in page and "OUBLIEE" in page and "Candidature sans suite depuis le" in page

    services.apply_retention(world.org_a, TODAY)
    followed.refresh_from_db(), forgotten.refresh_from_db()
    assert followed.anonymised_at is None and forgotten.anonymised_at is not None


def test_other_organisations_and_other_statuses_are_not_this_rule(world):
    long_ago = services.months_before(TODAY, 60)
    other = _candidate(world.org_b, "AILLEURS", long_ago)
    active = RelaisFactory(organisation=world.org_a, status_since=long_ago, last_name="ACTIVE")
    services.apply_retention(world.org_a, TODAY)
    other.refresh_from_db(), active.refresh_from_db()
    assert other.anonymised_at is None and active.anonymised_at is None
