"""The public page's cache: the rendered HTML of an organisation's page, under
`public:page:<organisation id>:<layout>`, for PAGE_TTL seconds.

Invalidated at once by the writes that change what the page shows (its
settings, the initiatives chosen, relais, their residences and consents,
residences, initiatives and their photos: `post_save`/`post_delete` below); a
bulk update that sends no signal is seen within PAGE_TTL at the latest. A
network's page (its members' pages, counts and events) is dropped by its
memberships and by its members' page settings, choices and initiatives; their
counts of relais follow within PAGE_TTL.

And which organisation a published page's address leads to, under
`public:slug:<slug>`: a visitor's hit on the page is then served without a
database query. Set only for a published page, dropped at once when its
settings or its organisation are saved.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from core.models import Consent, NetworkMembership, Organisation
from initiatives.models import Initiative, InitiativePhoto
from relais.models import Relais, RelaisResidence, Residence
from vitrine.models import PublicPage, PublishedInitiative

PAGE_TTL = 300
LAYOUTS = ("page", "embed")
# What a network's page reads of its members' (vitrine.selectors.network_members
# and network_events): their saves drop the networks' pages at once too. The
# members' counts of relais follow within PAGE_TTL.
NETWORK_READS = (PublicPage, PublishedInitiative, Initiative)


def page_key(organisation_id: int, layout: str) -> str:
    return f"public:page:{organisation_id}:{layout}"


def get(organisation_id: int, layout: str) -> str | None:
    return cache.get(page_key(organisation_id, layout))


def put(organisation_id: int, layout: str, html: str) -> None:
    cache.set(page_key(organisation_id, layout), html, PAGE_TTL)


def forget(organisation_id: int | None) -> None:
    if organisation_id is not None:
        cache.delete_many([page_key(organisation_id, layout) for layout in LAYOUTS])


def slug_key(slug: str) -> str:
    return f"public:slug:{slug}"


def remember_slug(slug: str, organisation_id: int) -> None:
    """`slug` leads to the published page of `organisation_id` (the caller checked)."""
    cache.set(slug_key(slug), organisation_id, PAGE_TTL)


def get_by_slug(slug: str, layout: str) -> str | None:
    """The cached HTML of the published page at `slug`, or None (then ask the database)."""
    organisation_id = cache.get(slug_key(slug))
    return None if organisation_id is None else get(organisation_id, layout)


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
    if isinstance(instance, Organisation):
        # Its name is on the page; a new slug leaves the old one unknown here (it
        # still leads to the same page, for PAGE_TTL at most).
        cache.delete(slug_key(instance.slug))
        forget(instance.pk)
        forget_networks(instance.pk)
        return
    if isinstance(instance, NetworkMembership):
        forget(instance.network_id)
        return
    if isinstance(instance, PublicPage):
        # Unpublished: the address must lead nowhere from now on.
        slug = Organisation.objects.filter(pk=instance.organisation_id).values_list("slug", flat=True).first()
        if slug:
            cache.delete(slug_key(slug))
    organisation_id = _organisation_of(instance)
    forget(organisation_id)
    if isinstance(instance, NETWORK_READS):
        forget_networks(organisation_id)


def forget_networks(organisation_id: int | None) -> None:
    """The pages of the networks an organisation belongs to: they list its page
    and its events."""
    for network_id in NetworkMembership.objects.filter(member_id=organisation_id).values_list("network_id", flat=True):
        forget(network_id)


def connect() -> None:
    """Every model the page reads from; called once from PublicConfig.ready()."""
    for model in (
        Organisation,
        Consent,
        Relais,
        RelaisResidence,
        Residence,
        Initiative,
        InitiativePhoto,
        PublicPage,
        PublishedInitiative,
        NetworkMembership,
    ):
        uid = f"public_page_cache_{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid + "_save", weak=False)
        post_delete.connect(_changed, sender=model, dispatch_uid=uid + "_delete", weak=False)
