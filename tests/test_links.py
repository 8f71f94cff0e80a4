"""`{% url %}` is quicker (relais/templatetags/links.py) and writes exactly what
Django's `reverse()` writes, for every URL of the product."""

from unittest import mock

import pytest
from django.template import engines
from django.urls import NoReverseMatch, clear_url_caches, reverse, set_script_prefix

from relais.templatetags.links import quick_reverse
from tests.access_check import iter_routes


def reversed_or_error(function, name, args):
    try:
        return function(name, args=args) if function is reverse else function(name, args)
    except NoReverseMatch:
        return NoReverseMatch


def test_every_url_is_written_as_reverse_writes_it():
    checked = 0
    for route in iter_routes():
        if not route.pattern.name or len(route.kwarg_names) > 1:
            continue
        values = [[]] if not route.kwarg_names else [[0], [7], [42], [2026], [123456789012]]
        for args in values:
            assert reversed_or_error(quick_reverse, route.name, args) == reversed_or_error(reverse, route.name, args)
            checked += 1
    assert checked > 150


def test_behind_a_path_prefix_and_for_other_arguments():
    try:
        set_script_prefix("/trait-d-union/")
        assert quick_reverse("remontees:detail", [12]) == "/trait-d-union/remontees/12/"
        assert quick_reverse("relais:dashboard", []) == "/trait-d-union/tableau-de-bord/"
    finally:
        set_script_prefix("/")
    assert quick_reverse("remontees:detail", [12]) == "/remontees/12/"
    # A string, a negative number, a name Django does not know: reverse() decides.
    assert quick_reverse("remontees:detail", ["12"]) == "/remontees/12/"
    with pytest.raises(NoReverseMatch):
        quick_reverse("remontees:detail", [-1])
    with pytest.raises(NoReverseMatch):
        quick_reverse("remontees:nowhere", [])


def test_the_tag_in_templates():
    render = (
        engines["django"]
        .from_string(
            '{% url "remontees:detail" pk %}|{% url "remontees:detail" remontee=pk %}|{% url "relais:dashboard" %}'
            '|{% url "remontees:nowhere" as missing %}[{{ missing }}]|{% url name pk as kept %}{{ kept }}'
        )
        .render
    )
    assert render({"pk": 5, "name": "remontees:detail"}) == (
        "/remontees/5/|/remontees/5/|/tableau-de-bord/|[]|/remontees/5/"
    )
    with pytest.raises(NoReverseMatch):
        engines["django"].from_string('{% url "remontees:nowhere" %}').render({})


def test_rows_of_links_do_not_go_through_reverse_each_time():
    render = engines["django"].from_string('{% for pk in pks %}{% url "remontees:detail" pk %} {% endfor %}').render
    render({"pks": [1]})
    with mock.patch("relais.templatetags.links.reverse", side_effect=AssertionError("reverse() called")):
        assert render({"pks": range(100, 150)}).split() == [f"/remontees/{pk}/" for pk in range(100, 150)]


def test_another_urlconf_gets_its_own_urls(settings):
    assert quick_reverse("relais:dashboard", []) == "/tableau-de-bord/"
    settings.ROOT_URLCONF = "tests.urls_elsewhere"
    clear_url_caches()
    try:
        assert quick_reverse("relais:dashboard", []) == "/ailleurs/tableau-de-bord/"
    finally:
        settings.ROOT_URLCONF = "config.urls"
        clear_url_caches()
