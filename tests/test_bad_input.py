"""Hostile input on every form of the project: never a 500, never a write when
the form comes back with errors. Future forms are covered without editing this
test: it finds them by walking the URL patterns and reading the rendered HTML."""

import re
from html.parser import HTMLParser

import pytest

from tests.access_check import IN_SCOPE_KWARGS, build_url, fingerprint, iter_routes

HOSTILE_VALUES = [
    "",
    " ",
    "x" * 5000,
    "-1",
    "99999999999999999999",
    "1e309",
    "31/02/2026",
    "2026-13-45",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202e\u0000nul",
    "../../etc/passwd",
    "😀 émoji",
]


# Each field alone gets these sharpest values; all fields at once get every value.
SHARP_VALUES = ["", "x" * 5000, "99999999999999999999", "31/02/2026"]


class FormFields(HTMLParser):
    """Names of the inputs, selects and textareas of the page's forms, by method."""

    def __init__(self):
        super().__init__()
        self.method: str | None = None
        self.fields: dict[str, dict[str, str]] = {"get": {}, "post": {}}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or ""
            self.method = (
                None
                if action.startswith(("/comptes/logout", "/organisation/"))
                else ((attrs.get("method") or "get").lower())
            )
        elif self.method and tag in ("input", "select", "textarea") and attrs.get("name"):
            self.fields[self.method].setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.method = None


def form_pages(world, client):
    for route in iter_routes():
        if route.third_party or any(k not in IN_SCOPE_KWARGS for k in route.kwarg_names):
            continue
        url = build_url(route, {k: IN_SCOPE_KWARGS[k](world) for k in route.kwarg_names})
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        parser = FormFields()
        parser.feed(response.content.decode())
        for method, fields in parser.fields.items():
            fields = {k: v for k, v in fields.items() if k != "csrfmiddlewaretoken"}
            if fields:
                yield url, method, fields


@pytest.mark.django_db
def test_hostile_input_on_every_form_never_gives_a_500_nor_a_partial_write(world, login):
    client = login(world.staff_a)
    admin = login(world.admin_a)
    seen = 0
    for who in (client, admin):
        for url, method, fields in form_pages(world, who):
            seen += method == "post"
            # Every field at once with each value, then each field alone with the sharpest.
            variants = [{name: value for name in fields} for value in HOSTILE_VALUES]
            variants += [
                {**fields, name: value}
                for name in fields
                if not re.match(r".*-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$", name)
                for value in SHARP_VALUES
            ]
            for data in variants:
                before = fingerprint()
                response = getattr(who, method)(url, data)
                assert response.status_code < 500, (method, url, data)
                if response.status_code == 200:
                    assert fingerprint() == before, f"{url} wrote although the form was refused: {data}"
    assert seen >= 8, "the walk found fewer form pages than the project has"


@pytest.mark.django_db
def test_a_huge_form_count_builds_no_more_forms_than_the_page_allows(world, login):
    # A hand-made TOTAL_FORMS once made the relais page build and send back
    # 1,020 forms, each listing every residence: one small POST, a heavy page.
    data = {
        "first_name": "Awa",
        "last_name": "Ba",
        "preferred_channel": "papier",
        "residences-TOTAL_FORMS": "1000000000",
        "residences-INITIAL_FORMS": "0",
    }
    for url in ("/relais/nouveau/", f"/relais/{world.relais_a.pk}/modifier/"):
        response = login(world.staff_a).post(url, data)
        assert response.status_code == 200
        assert len(response.context["formset"].forms) <= 20
