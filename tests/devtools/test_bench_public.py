"""The public page's benchmark (bench_web, issue 22): the anonymous floor
answers without a session, and the page it publishes on the benchmark's data
is served to a visitor without a cookie, from the cache in one query."""

from __future__ import annotations

import pytest
from django.test import Client

from core.models import Organisation
from devtools.management.commands.bench_scale import PREFIX, federation
from devtools.management.commands.bench_web import publish

pytestmark = pytest.mark.django_db


def test_the_anonymous_floor_needs_no_session_and_sets_no_cookie():
    response = Client().get("/plancher/anonyme/")
    assert response.status_code == 200 and response.content == b"ok" and not response.cookies


def test_the_benchmarks_public_page_is_published_and_cached(django_assert_max_num_queries):
    federation(organisations=1, residences=12, relais=30, years=2, seed=3)
    org = Organisation.objects.get(slug__startswith=PREFIX)
    said = publish(org)
    assert "rendez-vous à venir" in said
    client = Client()
    first = client.get(f"/p/{org.slug}/")
    assert first.status_code == 200 and not first.cookies
    with django_assert_max_num_queries(1):
        again = client.get(f"/p/{org.slug}/")
    assert again.content == first.content and again["Cache-Control"] == "public, max-age=60"
