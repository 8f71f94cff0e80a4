"""Helpers the tests share."""

from __future__ import annotations

import sys
import types

from django.urls import include, path


def urlconf_with(*extra, name: str = "tests._extra_urls") -> str:
    """The project's URLconf plus `extra` patterns, as a module name for
    `override_settings(ROOT_URLCONF=...)`: views made to fail a walker."""
    module = types.ModuleType(name)
    module.urlpatterns = [path("", include("config.urls")), *extra]
    sys.modules[module.__name__] = module
    return module.__name__
