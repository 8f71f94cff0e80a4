import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from core.access import READERS, role_required
from relais.models import Residence
from tests.access_check import check_access, iter_routes
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
    for expected in ("relais:dashboard", "relais:residence_detail", "relais:relais_status", "relais:team"):
        assert expected in names


@role_required(*READERS)
def leaky_residence(request, residence):
    # Deliberately unscoped: what the access test exists to catch.
    return HttpResponse(Residence.objects.get(pk=residence).name)


@role_required(*READERS)
def leaky_list(request):
    return HttpResponse(", ".join(Residence.objects.values_list("name", flat=True)))


def undecorated(request):
    return HttpResponse("ouvert à tous")


@pytest.mark.parametrize(
    "extra, expected",
    [
        (path("fuite/residences/<int:residence>/", leaky_residence), "fuite/residences/"),
        (path("fuite/residences/", leaky_list), "fuite/residences/"),
        (path("fuite/ouvert/", undecorated), "not behind role_required"),
    ],
)
def test_a_view_that_forgets_the_scoping_fails_the_walk(world, extra, expected):
    urlconf = urlconf_with(extra)
    with override_settings(ROOT_URLCONF=urlconf):
        problems = check_access(world, urlconf, only="fuite/").problems
    assert any(expected in p for p in problems), problems
    assert all("fuite/" in p for p in problems), problems
