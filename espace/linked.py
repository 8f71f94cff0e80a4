"""What other apps attach to an announcement beyond its own files (the
library's documents, reseau/apps.py): each registers a function
(user, announcement) -> [{"title", "url", "note"}], read through the scoping of
the app that owns the rows. espace imports none of them."""

from __future__ import annotations

from collections.abc import Callable

_PROVIDERS: list[Callable[..., list[dict]]] = []


def register(provider: Callable[..., list[dict]]) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def links_for(user, announcement) -> list[dict]:
    return [link for provider in _PROVIDERS for link in provider(user, announcement)]
