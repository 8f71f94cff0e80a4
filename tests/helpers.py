"""Helpers the tests share: what a page says, photos as phones take them,
meetings planned as staff plan them, query budgets that must not grow with
the rows, and URLconfs made for one test."""

from __future__ import annotations

import datetime
import html
import io
import re
import sys
import types

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from PIL import ExifTags, Image


def visible(markup: str) -> str:
    """Markup as a reader sees it: tags dropped, entities decoded, whitespace
    (no-break spaces included) collapsed to single spaces."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def text(response) -> str:
    """The text of a page as a reader sees it."""
    return visible(response.content.decode())


def urlconf_with(*extra, name: str = "tests._extra_urls") -> str:
    """The project's URLconf plus `extra` patterns, as a module name for
    `override_settings(ROOT_URLCONF=...)`: views made to fail a walker."""
    module = types.ModuleType(name)
    module.urlpatterns = [path("", include("config.urls")), *extra]
    sys.modules[module.__name__] = module
    return module.__name__


# A position in Lyon, as a phone writes it in a photo's EXIF.
GPS = {1: "N", 2: (45.0, 46.0, 12.5), 3: "E", 4: (4.0, 50.0, 1.0)}


def jpeg(size=(40, 30), color="grey", *, gps: bool = False, make: str | None = None) -> bytes:
    """A JPEG of one colour; with `gps`, a position in its EXIF, and the
    phone's `make`: what the upload must strip."""
    image = Image.new("RGB", size, color)
    exif = image.getexif()
    if gps:
        exif[ExifTags.Base.GPSInfo] = GPS
    if make:
        exif[ExifTags.Base.Make] = make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def photo(name: str = "photo.jpg", *args, **kwargs) -> SimpleUploadedFile:
    """`jpeg(...)` as a form's file field receives it."""
    return SimpleUploadedFile(name, jpeg(*args, **kwargs), content_type="image/jpeg")


def plan_reunion(world, start: datetime.datetime, **fields):
    """A meeting of organisation A planned through reunions.services.reunion_plan
    (its reminders and all), by its staff, two hours from `start`; `fields`
    override any of it."""
    from reunions import services

    planned = {
        "organisation": world.org_a,
        "by": world.staff_a,
        "kind": "thematique",
        "title": "Réunion",
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=2),
    }
    return services.reunion_plan(**{**planned, **fields})


def raise_remontee(world, residence=None, description="L'ascenseur du bâtiment B est en panne"):
    """A remontée raised from the phone by relais A (remontees.services.remontee_create,
    with the staff told as they chose), about `residence` (by default A's first)."""
    from remontees import services
    from remontees.models import Theme

    return services.remontee_create(
        organisation=world.org_a,
        by=world.relais_user_a,
        residence=residence or world.residence_a1,
        relais=world.relais_a,
        theme=Theme.objects.filter(organisation=world.org_a).first(),
        description=description,
        source="espace",
    )


def same_queries_for_few_and_many(client, url: str, grow, few: int, many: int):
    """GET `url` once `grow(0, few)` has made a few rows, then once
    `grow(few, many)` has made many: the same number of queries both times (a
    query per row fails). The first GET is not counted: it reads the session's
    policy once. Returns the last answer."""
    grow(0, few)
    client.get(url)
    with CaptureQueriesContext(connection) as at_few:
        assert client.get(url).status_code == 200
    grow(few, many)
    with CaptureQueriesContext(connection) as at_many:
        response = client.get(url)
    assert len(at_many) == len(at_few), "\n".join(q["sql"] for q in at_many.captured_queries)
    return response
