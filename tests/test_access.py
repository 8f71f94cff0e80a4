import pytest
from django.db import connection, models
from django.http import HttpResponse
from django.test import override_settings
from django.test.utils import isolate_apps
from django.urls import path

from core.access import ADMIN, PARTNER, READERS, RELAIS, STAFF, WRITERS, role_required
from core.models import Organisation
from core.scoping import ScopedQuerySet
from relais.models import Quartier, Relais, Residence
from reseau.models import Document
from tests.access_check import IN_SCOPE_KWARGS, OUTSIDE_AGENCY_KWARGS, check_access, iter_routes
from tests.conftest import MARKER
from tests.helpers import urlconf_with

pytestmark = pytest.mark.django_db


# The URL × role × method requests the walk made on the commit before it read
# writes from the SQL (2,224): it must not shrink, or a URL or a role is lost.
FLOOR_COMBINATIONS = 2_224


@pytest.mark.slow
def test_every_url_is_scoped_for_every_role(world):
    walk = check_access(world)
    assert walk.problems == [], "\n".join(walk.problems)
    print(f"\naccess: {walk.combinations} URL × role × method requests {dict(sorted(walk.walked.items()))}")
    assert walk.combinations >= FLOOR_COMBINATIONS


def test_the_walk_covers_every_pattern_of_our_apps(world):
    names = {route.name for route in iter_routes()}
    for expected in ("engagement:dashboard", "relais:residence_detail", "relais:relais_status", "relais:team"):
        assert expected in names


@role_required(*READERS)
def leaky_residence(request, residence):
    # Deliberately unscoped: what the access test exists to catch.
    return HttpResponse(Residence.objects.get(pk=residence).name)


@role_required(*READERS)
def leaky_list(request):
    return HttpResponse(", ".join(Residence.objects.values_list("name", flat=True)))


@role_required(*READERS)
def leaky_network_people(request):
    # Deliberately unscoped: the people of every member of a network.
    return HttpResponse(", ".join(str(r) for r in Relais.objects.filter(organisation__network_links__isnull=False)))


@role_required(*READERS)
def leaky_unshared(request):
    # Deliberately unscoped: every document of the network's members, shared or not.
    return HttpResponse(", ".join(Document.objects.values_list("title", flat=True)))


def undecorated(request):
    return HttpResponse("ouvert à tous")


@role_required(*READERS)
def button_for_writers_shown_to_readers(request):
    # Partners read only: a button they are shown answers them 403.
    return HttpResponse('<form method="post" action="/fuite/action/"><button>Créer</button></form>')


@role_required(*WRITERS)
def action_for_writers(request):
    return HttpResponse("fait")


@pytest.mark.parametrize(
    "extra, expected",
    [
        (path("fuite/residences/<int:residence>/", leaky_residence), "fuite/residences/"),
        (path("fuite/residences/", leaky_list), "fuite/residences/"),
        (path("fuite/ouvert/", undecorated), "not behind role_required"),
        (path("fuite/reseau/", leaky_network_people), "the network's coordinator sees organisation A's people"),
        (path("fuite/bibliotheque/", leaky_unshared), "sees a document organisation C did not share"),
        (
            [path("fuite/bouton/", button_for_writers_shown_to_readers), path("fuite/action/", action_for_writers)],
            "partner_a is shown a form posting to /fuite/action/, which answers 403 to them",
        ),
    ],
)
def test_a_view_that_forgets_the_scoping_fails_the_walk(world, extra, expected):
    urlconf = urlconf_with(*extra) if isinstance(extra, list) else urlconf_with(extra)
    with override_settings(ROOT_URLCONF=urlconf):
        problems = check_access(world, urlconf, only="fuite/").problems
    assert any(expected in p for p in problems), problems
    assert all("fuite/" in p for p in problems), problems


# Deny by default (core/scoping.py): a model that declares no scope_* attribute
# is its organisation's staff's only. Proved on a model made for this test, in
# an app registry of its own, with a table that lives as long as the test.


def _notebook_model(**declared):
    with isolate_apps("tests"):

        class Notebook(models.Model):
            organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
            quartier = models.ForeignKey(Quartier, on_delete=models.CASCADE, related_name="+")
            text = models.CharField(max_length=200)

            objects = ScopedQuerySet.as_manager()

            class Meta:
                app_label = "tests"
                db_table = "tests_notebook"

            def __str__(self) -> str:
                return self.text

    for name, value in declared.items():
        setattr(Notebook, name, value)
    # The schema editor cannot be entered inside the test's transaction on
    # SQLite; its CREATE TABLE can run there, and the rollback drops the table.
    # (Entering it would start the list of statements it defers: indexes and
    # foreign keys, which this table does without.)
    editor = connection.schema_editor()
    editor.deferred_sql = []
    sql, params = editor.table_sql(Notebook)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return Notebook


def _naive_views(Notebook):
    """Views that trust `for_user` and nothing else, open to every role."""

    @role_required(ADMIN, STAFF, PARTNER, RELAIS)
    def notebook_list(request):
        return HttpResponse(" | ".join(Notebook.objects.for_user(request.user).values_list("text", flat=True)))

    @role_required(ADMIN, STAFF, PARTNER, RELAIS)
    def notebook_detail(request, notebook):
        return HttpResponse(Notebook.objects.get_for_user(request.user, notebook).text)

    return [
        path("fuite/carnets/", notebook_list),
        path("fuite/carnets/<int:notebook>/", notebook_detail),
    ]


@pytest.mark.parametrize(
    "declared, expected",
    [
        ({}, None),
        # The same model saying partners may read it: the walk must see the leak,
        # or its silence above would prove nothing.
        ({"scope_partner": True}, "partner sees a relais' personal data"),
        ({"scope_relais": "organisation__memberships__user"}, "relais sees another relais' data"),
    ],
)
def test_a_model_that_declares_no_scope_is_shown_to_its_organisations_staff_only(
    world, login, monkeypatch, declared, expected
):
    Notebook = _notebook_model(**declared)
    inside = Notebook.objects.create(organisation=world.org_a, quartier=world.q1, text=f"Carnet {MARKER} PERSO-A")
    outside = Notebook.objects.create(
        organisation=world.org_a, quartier=world.q2, text=f"Carnet {MARKER} PERSO-A2 HORS-AGENCE"
    )
    Notebook.objects.create(organisation=world.org_b, quartier=world.qb, text="Carnet de B")
    monkeypatch.setitem(IN_SCOPE_KWARGS, "notebook", lambda w: inside.pk)
    monkeypatch.setitem(OUTSIDE_AGENCY_KWARGS, "notebook", lambda w: outside.pk)
    urlconf = urlconf_with(*_naive_views(Notebook))
    with override_settings(ROOT_URLCONF=urlconf):
        problems = check_access(world, urlconf, only="fuite/").problems
        pages = {who: login(user).get("/fuite/carnets/").content.decode() for who, user in _cast(world).items()}

    if expected is None:
        assert problems == [], problems
        assert pages["partner_a"] == pages["relais_a"] == ""
        assert MARKER in pages["staff_a"] and "HORS-AGENCE" in pages["staff_a"]
        assert "Carnet de B" not in pages["staff_a"]
        assert MARKER in pages["agency_a"] and "HORS-AGENCE" not in pages["agency_a"]
        assert pages["staff_b"] == "Carnet de B"
    else:
        assert any(expected in p for p in problems), problems


def _cast(world) -> dict:
    return {
        "staff_a": world.staff_a,
        "agency_a": world.agency_a,
        "partner_a": world.partner_a,
        "relais_a": world.relais_user_a,
        "staff_b": world.staff_b,
    }


def test_the_networks_bilan_is_its_coordinations_only(world):
    """The walk above meets organisation A's bilan; a network's bilan (bilans'
    own pages, the network's figures) is read and asked for by the network's
    coordination only: every bilans route, with the network's bilan, for each of
    the cast, with nothing written by those refused."""
    from bilans.models import Bilan
    from tests.access_check import _Cast, _network, _send, build_url

    network = _network(world)["network"]
    bilan = Bilan.objects.create(organisation_id=network, year=2025)
    routes = [r for r in iter_routes() if r.name.startswith("bilans:") and "bilan" in r.kwarg_names]
    assert {r.name for r in routes} >= {"bilans:detail", "bilans:generate", "bilans:state", "bilans:file"}
    cast = _Cast(world)
    problems = []
    for route in routes:
        url = build_url(route, {"bilan": bilan.pk})
        for who in ("staff_a", "admin_a", "agency_a", "partner_a", "relais_a", "staff_b", "coordinator_n"):
            for method in ("get", "post"):
                status, body, writes = _send(cast.client(who), method, url)
                if who == "coordinator_n":
                    if method == "get" and route.name != "bilans:file" and status not in (200, 405):
                        problems.append(f"{url}: the coordinator GET -> {status} (expected 200)")
                    continue
                if status not in (403, 404, 405):
                    problems.append(f"{url}: {who} {method.upper()} -> {status} (expected 403 or 404)")
                if writes:
                    problems.append(f"{url}: {who} wrote with {method.upper()}: {writes.summary()}")
    assert problems == [], "\n".join(problems)
    # Only the coordinator's own request (walked last) reached the row.
    bilan.refresh_from_db()
    assert bilan.requested_by == _network(world)["coordinator"]
