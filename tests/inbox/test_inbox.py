"""« À traiter »: what waits for staff, composed from each app's own selector."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox.models import Assignment
from initiatives.models import Initiative
from relais.models import Relais
from remontees import services as remontees
from remontees.models import Remontee, RemonteeEvent, Theme
from reunions.services import action_add
from tests.conftest import MARKER, require_service
from tests.factories import (
    ActionItemFactory,
    AssignmentFactory,
    GrantRequestFactory,
    InitiativeFactory,
    LogisticsRequestFactory,
    RelaisFactory,
    RemonteeEventFactory,
    RemonteeFactory,
    ReunionFactory,
)
from tests.helpers import same_queries_for_few_and_many, text

pytestmark = pytest.mark.django_db


def _one_of_each(world, n: int, residence=None):
    """n waiting items of every kind the inbox lists, in organisation A."""
    residence = residence or world.residence_a1
    now = timezone.now()
    for i in range(n):
        RemonteeFactory(residence=residence, relais=world.relais_a, description=f"Nouvelle {i}")
        reopened = RemonteeFactory(residence=residence, relais=world.relais_a, status=Remontee.Status.EN_COURS)
        RemonteeEventFactory(remontee=reopened, kind=RemonteeEvent.Kind.ROUVERTE, status=Remontee.Status.EN_COURS)
        InitiativeFactory(organisation=world.org_a, status=Initiative.Status.IDEE, title=f"Idée {i}")
        LogisticsRequestFactory(initiative__organisation=world.org_a)
        GrantRequestFactory(initiative__organisation=world.org_a)
        meeting = ReunionFactory(organisation=world.org_a, title=f"Sans invités {i}")
        ActionItemFactory(
            reunion=meeting,
            owner_relais=world.relais_a,
            due_on=timezone.localdate() - datetime.timedelta(days=3),
        )
        RelaisFactory(organisation=world.org_a, status=Relais.Status.CANDIDAT, residences=[residence])
        RelaisFactory(organisation=world.org_a, residences=[residence])  # active, nothing logged: drifting away
    return now


def test_staff_see_every_kind_of_waiting_item_each_linking_where_it_is_dealt_with(world, login):
    _one_of_each(world, 1)
    page = login(world.staff_a).get("/a-traiter/")
    body = text(page)
    for label in (
        "Remontées nouvelles (1)",
        "Remontées rouvertes par le relais (1)",
        "Initiatives proposées (1)",
        "Demandes de logistique à décider (1)",
        "Demandes de subvention à décider (1)",
        "Réunions à préparer ou à clore (1)",
        "Actions en retard (1)",
        "Candidat·es en attente (1)",
        "Relais qui s'éloignent",
    ):
        assert label in body, label
    assert "personne n'est encore invité" in body
    html = page.content.decode()
    remontee = Remontee.objects.filter(status="nouvelle").get()
    assert f'href="/remontees/{remontee.pk}/"' in html
    assert "/initiatives/logistique/" in html and "/decision/" in html


def test_a_remontee_answered_or_a_reopening_answered_leaves_the_inbox(world, login):
    theme = Theme.objects.filter(organisation=world.org_a).first()
    remontee = remontees.remontee_create(
        organisation=world.org_a,
        by=world.relais_user_a,
        residence=world.residence_a1,
        relais=world.relais_a,
        theme=theme,
        description="Le hall est sombre",
        source="espace",
    )
    client = login(world.staff_a)
    assert "Le hall est sombre" in text(client.get("/a-traiter/"))
    remontees.remontee_set_status(remontee=remontee, status="resolue", by=world.staff_a, comment="Ampoule changée")
    assert "Le hall est sombre" not in text(client.get("/a-traiter/"))
    remontees.remontee_reopen(remontee=remontee, by=world.relais_user_a, comment="Encore en panne")
    # Assigning it is not answering it: still waiting.
    remontees.remontee_assign(remontee=remontee, assignee=world.staff_a, by=world.admin_a)
    body = text(client.get("/a-traiter/"))
    assert "Remontées rouvertes par le relais (1)" in body and "Le hall est sombre" in body
    remontees.remontee_set_status(remontee=remontee, status="resolue", by=world.staff_a, comment="Réparé")
    assert "Le hall est sombre" not in text(client.get("/a-traiter/"))


def test_staff_limited_to_a_quartier_see_its_items_only_and_other_organisations_nothing(world, login):
    RemonteeFactory(residence=world.residence_a1, description="Dans le quartier 1")
    RemonteeFactory(residence=world.residence_a2, description=f"Au Belvédère {MARKER} HORS-AGENCE")
    agency = text(login(world.agency_a).get("/a-traiter/"))
    assert "Dans le quartier 1" in agency and "HORS-AGENCE" not in agency
    staff = text(login(world.staff_a).get("/a-traiter/"))
    assert "Dans le quartier 1" in staff and "Au Belvédère" in staff
    other = text(login(world.staff_b).get("/a-traiter/"))
    assert MARKER not in other and "Dans le quartier 1" not in other


def test_partners_and_relais_have_no_inbox_and_staff_land_on_it(world, login):
    assert login(world.partner_a).get("/a-traiter/").status_code == 403
    assert login(world.relais_user_a).get("/a-traiter/").status_code == 403
    assert login(world.staff_a).get("/").url == "/a-traiter/"
    assert login(world.agency_a).get("/").url == "/a-traiter/"
    assert login(world.partner_a).get("/").url != "/a-traiter/"


def test_the_inbox_runs_the_same_queries_for_5_and_50_items_of_each_kind(world, login):
    client = login(world.staff_a)
    response = same_queries_for_few_and_many(client, "/a-traiter/", lambda a, b: _one_of_each(world, b - a), 5, 50)
    assert "Remontées nouvelles (50)" in text(response)


def test_the_agency_inbox_runs_the_same_queries_for_5_and_50_items_of_each_kind(world, login):
    client = login(world.agency_a)
    same_queries_for_few_and_many(client, "/a-traiter/", lambda a, b: _one_of_each(world, b - a), 5, 50)


def test_the_count_shows_in_the_navigation_and_is_read_once_a_minute_at_most(world, login):
    _one_of_each(world, 2)  # 18 items, and relais_a and relais_a2 with nothing logged: 20
    client = login(world.staff_a)
    assert "À traiter 20" in text(client.get("/tableau-de-bord/"))
    # Cached: a new item shows in the navigation's count within a minute, and at
    # once on the inbox itself.
    RemonteeFactory(residence=world.residence_a1, relais=world.relais_a)
    assert "À traiter 20" in text(client.get("/tableau-de-bord/"))
    assert "Remontées nouvelles (3)" in text(client.get("/a-traiter/"))
    assert "À traiter 21" in text(client.get("/tableau-de-bord/"))
    assert "À traiter" not in text(login(world.partner_a).get("/tableau-de-bord/"))


def test_an_item_is_given_to_a_colleague(world, login):
    remontee = RemonteeFactory(residence=world.residence_a1)
    logistics = LogisticsRequestFactory(initiative__organisation=world.org_a)
    client = login(world.staff_a)
    client.post("/a-traiter/attribuer/", {"item": f"remontees.remontee:{remontee.pk}", "assignee": world.admin_a.pk})
    remontee.refresh_from_db()
    assert remontee.assignee == world.admin_a
    assert remontee.events.filter(kind="attribuee").count() == 1
    client.post(
        "/a-traiter/attribuer/",
        {"item": f"initiatives.logisticsrequest:{logistics.pk}", "assignee": world.agency_a.pk},
    )
    assignment = Assignment.objects.get()
    assert assignment.assignee == world.agency_a and assignment.object_id == logistics.pk
    page = client.get("/a-traiter/").content.decode()
    assert f'<option value="{world.agency_a.pk}" selected>' in page
    # Nobody any more.
    client.post("/a-traiter/attribuer/", {"item": f"initiatives.logisticsrequest:{logistics.pk}", "assignee": ""})
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    "item, assignee",
    [
        ("remontees.remontee:{remontee}", "{staff_b}"),  # not a colleague
        ("remontees.remontee:{remontee}", "{relais_user}"),  # a relais, not the team
        ("remontees.remontee:{remontee}", "abc"),
        ("relais.user:{staff_b}", "{admin}"),  # not an inbox item
        ("remontees.remontee:²", "{admin}"),
        ("", "{admin}"),
    ],
)
def test_a_bad_assignment_says_why_in_french_and_writes_nothing(world, login, item, assignee):
    remontee = RemonteeFactory(residence=world.residence_a1)
    ids = {
        "remontee": remontee.pk,
        "staff_b": world.staff_b.pk,
        "relais_user": world.relais_user_a.pk,
        "admin": world.admin_a.pk,
    }
    client = login(world.staff_a)
    response = client.post(
        "/a-traiter/attribuer/", {"item": item.format(**ids), "assignee": assignee.format(**ids)}, follow=True
    )
    assert response.status_code == 200
    assert "Choisissez une personne de l'équipe." in text(response) or "n'est plus à traiter" in text(response)
    remontee.refresh_from_db()
    assert remontee.assignee is None and not Assignment.objects.exists()


def test_an_item_outside_the_agency_cannot_be_assigned(world, login):
    outside = RemonteeFactory(residence=world.residence_a2)
    response = login(world.agency_a).post(
        "/a-traiter/attribuer/", {"item": f"remontees.remontee:{outside.pk}", "assignee": world.agency_a.pk}
    )
    assert response.status_code == 404
    outside.refresh_from_db()
    assert outside.assignee is None


def test_an_assignment_row_names_its_item(world):
    assert "reunion" in str(AssignmentFactory(item=ReunionFactory(organisation=world.org_a)))


def test_overdue_actions_are_read_from_their_organisations_own_index(world, login):
    """« Actions en retard » reads the organisation's open actions by the
    action's own organisation (reunions.0006), from the partial index on the
    open ones, not through every organisation's meetings."""
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    late = timezone.localdate() - datetime.timedelta(days=3)
    action = action_add(
        reunion=ReunionFactory(organisation=world.org_a), by=world.staff_a, title="Rappeler le gardien",
        owner=world.relais_a, due_on=late,
    )  # fmt: skip
    assert action.organisation == world.org_a
    ActionItemFactory(
        reunion=ReunionFactory(organisation=world.org_b), owner_relais=world.relais_b, title="Action de B", due_on=late
    )
    with CaptureQueriesContext(connection) as queries:
        body = text(login(world.staff_a).get("/a-traiter/"))
    assert "Actions en retard (1)" in body and "Rappeler le gardien" in body and "Action de B" not in body
    sql = next(q["sql"] for q in queries if 'FROM "reunions_actionitem"' in q["sql"])
    assert f'"reunions_actionitem"."organisation_id" = {world.org_a.pk}' in sql, sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # what a large table would choose
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "action_open_due" in plan, plan


def test_reopened_remontees_are_found_through_the_reopen_events_and_without_jit(world, login):
    """« Remontées rouvertes » reads the partial index of reopen events first, not
    the last step of every remontée « en cours » (a large landlord has
    thousands); and the connection does not JIT-compile the inbox's queries
    (84 ms of compiling for 38 ms of work on the largest landlord: README)."""
    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    reopened = RemonteeFactory(residence=world.residence_a1, relais=world.relais_a, status=Remontee.Status.EN_COURS)
    RemonteeEventFactory(remontee=reopened, kind=RemonteeEvent.Kind.ROUVERTE, status=Remontee.Status.EN_COURS)
    for _ in range(3):
        RemonteeFactory(residence=world.residence_a1, relais=world.relais_a, status=Remontee.Status.EN_COURS)
    with CaptureQueriesContext(connection) as queries:
        body = text(login(world.staff_a).get("/a-traiter/"))
    assert "Remontées rouvertes par le relais (1)" in body
    # The second group's query: « en cours » and reopened (the first keeps « nouvelle »).
    reopened_group = 'AND NOT ("remontees_remontee"."status" = \'nouvelle\')'
    sql = next(q["sql"] for q in queries if reopened_group in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "event_reopened" in plan, plan
    # PostgreSQL tests the conditions as written: « en cours » and reopened once
    # before the last step of each.
    where = sql[sql.index(" WHERE ") :]
    assert where.index("'en_cours'") < where.index(" IN (SELECT") < where.rindex("= 'rouverte'"), where
