"""`{% url %}` is quicker (relais/templatetags/links.py) and writes exactly what
Django's `reverse()` writes, for every URL of the product."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

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
