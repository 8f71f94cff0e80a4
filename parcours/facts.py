"""Where the checklist and the milestones read their dates: each fact is an
expression on `Relais` rows giving the day something first happened (or NULL).

The facts of apps below parcours are written here; an app above it (espace, whose
activity log parcours may not import) registers its own from its `ready()`:
`register("activite", ...)`. A fact nobody registered leaves its step out.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Expression, OuterRef, Subquery

from initiatives.models import Initiative
from parcours.models import CharterSignature, CharterVersion, GuideReading
from relais.models import ContactLog
from reunions.models import Invitee, Reunion

Fact = Callable[[], Expression]
_facts: dict[str, Fact] = {}


def register(name: str, fact: Fact) -> None:
    """Called from an app's `ready()`; registering again replaces."""
    _facts[name] = fact


def known(name: str) -> bool:
    return name in _facts


def fact(name: str) -> Expression:
    return _facts[name]()


def _first(queryset, field: str) -> Subquery:
    return Subquery(queryset.order_by(field, "pk").values(field)[:1])


def _guide() -> Expression:
    return Subquery(GuideReading.objects.filter(relais=OuterRef("pk")).values("read_at")[:1])


def _charter() -> Expression:
    """Signed the current version (the newest of the organisation): a new
    version makes the step undone again until the relais signs it."""
    current = CharterVersion.objects.filter(organisation=OuterRef(OuterRef("organisation"))).order_by("-number")
    signed = CharterSignature.objects.filter(relais=OuterRef("pk"), version=Subquery(current.values("pk")[:1]))
    return Subquery(signed.values("signed_at")[:1])


def _meeting() -> Expression:
    attended = Invitee.objects.filter(relais=OuterRef("pk"), attended=True).exclude(
        reunion__status=Reunion.Status.ANNULEE
    )
    return _first(attended, "reunion__starts_at")


def _exchange() -> Expression:
    return _first(ContactLog.objects.filter(relais=OuterRef("pk")), "date")


def _initiative() -> Expression:
    done = Initiative.objects.filter(organisers=OuterRef("pk"), status=Initiative.Status.REALISEE)
    return _first(done, "starts_on")


register("guide", _guide)
register("charte", _charter)
register("reunion", _meeting)
register("echange", _exchange)
register("premiere_initiative", _initiative)
