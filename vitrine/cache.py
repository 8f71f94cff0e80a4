"""The public page's cache: the rendered HTML of an organisation's page, under
`public:page:<organisation id>:<layout>`, for PAGE_TTL seconds.

Invalidated at once by the writes that change what the page shows (its
settings, the initiatives chosen, relais, their residences and consents,
residences, initiatives and their photos: `post_save`/`post_delete` below); a
bulk update that sends no signal is seen within PAGE_TTL at the latest.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from core.models import Consent
from initiatives.models import Initiative, InitiativePhoto
from relais.models import Relais, RelaisResidence, Residence
from vitrine.models import PublicPage, PublishedInitiative

PAGE_TTL = 300
LAYOUTS = ("page", "embed")


def page_key(organisation_id: int, layout: str) -> str:
    return f"public:page:{organisation_id}:{layout}"


def get(organisation_id: int, layout: str) -> str | None:
    return cache.get(page_key(organisation_id, layout))


def put(organisation_id: int, layout: str, html: str) -> None:
    cache.set(page_key(organisation_id, layout), html, PAGE_TTL)


def forget(organisation_id: int | None) -> None:
    if organisation_id is not None:
        cache.delete_many([page_key(organisation_id, layout) for layout in LAYOUTS])


def _organisation_of(instance) -> int | None:
    for path in ("organisation_id", "relais.organisation_id", "initiative.organisation_id"):
        obj = instance
        try:
            for part in path.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        if obj is not None:
            return obj
    return None


def _changed(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    forget(_organisation_of(instance))


def connect() -> None:
    """Every model the page reads from; called once from PublicConfig.ready()."""
    for model in (
        Consent,
        Relais,
        RelaisResidence,
        Residence,
        Initiative,
        InitiativePhoto,
        PublicPage,
        PublishedInitiative,
    ):
        uid = f"public_page_cache_{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid + "_save", weak=False)
        post_delete.connect(_changed, sender=model, dispatch_uid=uid + "_delete", weak=False)
