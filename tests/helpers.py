"""Helpers the tests share: what a page says, and URLconfs made for one test."""

from __future__ import annotations

import html
import re
import sys
import types

from django.urls import include, path


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
