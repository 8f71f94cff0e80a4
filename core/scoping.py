"""The one scoping mechanism: every queryset a view uses goes through `for_user`.

A model declares how its rows relate to an organisation, a quartier and a relais
login with a few class attributes; `ScopedQuerySet` turns the request's access
(organisation, role, quartier limits) into one filter. Views never filter by
organisation by hand.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

ADMIN = "admin"
STAFF = "staff"
PARTNER = "partenaire"
RELAIS = "relais"
# The staff of a network (an organisation of kind « réseau »): they run the
# network's own rows like any staff, and read its members only in aggregate.
COORDINATOR = "coordinateur"
READERS = (ADMIN, STAFF, COORDINATOR, PARTNER)
WRITERS = (ADMIN, STAFF, COORDINATOR)
ADMINS = (ADMIN,)
RELAIS_ONLY = (RELAIS,)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Access:
    """Who is asking: their organisation for this request, their role in it, and
    the quartiers they are limited to (local agency staff)."""

    user: object
    organisation_id: int | None = None
    organisation: object | None = None
    role: str | None = None
    quartier_ids: frozenset[int] = field(default_factory=frozenset)
    organisations: tuple = ()

    @property
    def is_staff(self) -> bool:
        return self.role in WRITERS

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_partner(self) -> bool:
        return self.role == PARTNER

    @property
    def is_relais(self) -> bool:
        return self.role == RELAIS

    @property
    def is_coordinator(self) -> bool:
        return self.role == COORDINATOR

    @property
    def can_write(self) -> bool:
        return self.is_staff


NO_ACCESS = Access(user=None)

# `scope_relais = ANY_RELAIS`: every relais of the organisation reads the rows the
# model's manager keeps (a library document meant for relais), no path needed.
ANY_RELAIS = "*"


def _network_links():
    # core.models imports this module: the model is looked up when a query is built.
    return apps.get_model("core", "NetworkMembership").objects.filter(left_on__isnull=True)


def networks_of(organisation_id: int):
    """The networks an organisation is an active member of (a subquery of ids)."""
    return _network_links().filter(member_id=organisation_id).values("network_id")


def linked_to(org_path: str, organisation_id: int, shares: str | None = None) -> Q:
    """The rows of the organisations a network links to this one: a network's
    active members; a member's networks and their other active members. One
    condition of subqueries: no query of its own. `shares`: a boolean field of
    the membership the member must have set (« shares_figures »)."""
    networks = networks_of(organisation_id)
    links = _network_links().filter(Q(network_id=organisation_id) | Q(network_id__in=networks))
    if shares:
        links = links.filter(**{shares: True})
    members = links.values("member_id")
    return Q(**{f"{org_path}__in": members}) | Q(**{f"{org_path}__in": networks})


def access_for(user) -> Access:
    """The access of a user, computed once (`User.compute_access`) and cached on
    the user object; core.access's middleware pins the one of the organisation
    chosen for the request."""
    if user is None:
        return NO_ACCESS
    cached = getattr(user, "_access_cache", None)
    if cached is None:
        if not user.is_authenticated or not user.is_active:
            return Access(user=user)
        cached = user._access_cache = user.compute_access()
    return cached


@functools.cache
def crosses_many(model: type[models.Model], path: str) -> bool:
    """Whether a lookup path goes through a multi-valued relation (a reverse
    foreign key or a many-to-many), where a join would repeat rows."""
    opts = model._meta
    for name in path.split("__"):
        if name == "pk":
            return False
        field = opts.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        opts = field.related_model._meta
    return False


class ScopedQuerySet(models.QuerySet):
    # Defaults; models override them as class attributes.
    #   scope_org:      path from the row to its organisation's id
    #   scope_quartier: path to the quartier, for staff limited to some quartiers
    #                   (None: such staff see every row of their organisation)
    #   scope_relais:   path to the relais' login for rows a relais may read
    #                   (None: relais never read this model)
    #   scope_partner:  whether partners may read this model (False unless it says so)
    #   scope_relais_writes: whether a relais may also change the rows they read
    #                   (the initiatives they organise); otherwise relais only read
    #   scope_agency:   whether staff limited to some quartiers may read it at all
    #                   (False: a document of the whole organisation, like the bilan)
    #   scope_network:  whether the organisations a network links to the row's
    #                   (core.NetworkMembership) read it too: their unrestricted
    #                   staff and coordinators, and their relais along scope_relais.
    #                   Only on models that hold no person's data or whose manager
    #                   keeps only what was shared (a proxy); never a way to write.
    #                   A string names the membership's flag a member must have
    #                   set for its rows to be read (« shares_figures »).
    #   scope_guests:   whether a relais invited by one of their organisation's
    #                   networks reads, along scope_relais, the network's rows
    #                   about them (a meeting of the network, their invitation)
    defaults = {
        "scope_org": "organisation",
        "scope_quartier": "quartier",
        "scope_relais": None,
        "scope_partner": False,  # deny by default: a model readable by partners says so
        "scope_agency": True,
        "scope_relais_writes": False,
        "scope_network": False,
        "scope_guests": False,
    }

    def _scope_attr(self, name: str) -> Any:
        return getattr(self.model, name, self.defaults[name])

    def _along(self, path: str, lookup: str, value: Any) -> Q:
        condition = Q(**{f"{path}{lookup}": value})
        if not crosses_many(self.model, path):
            return condition  # a plain join: cheaper to build and to plan
        # A path across a multi-valued relation would duplicate rows; a
        # subquery on the primary key keeps one row each, in a single query.
        return Q(pk__in=self.model._base_manager.filter(condition).values("pk"))

    def scope_condition(
        self, access: Access, *, write: bool = False, figures: bool = False, linked: bool = True
    ) -> Q | None:
        """The filter for this access, or None when it may see nothing.

        `figures`: the rows are only counted, never shown; partners, who may not
        read people, still get the figures of their organisation.
        `linked`: False keeps to the access's own organisation even on a model
        that networks share (the door to an object one may change).
        """
        if access.organisation_id is None:
            return None
        org_path = self._scope_attr("scope_org")
        condition = Q(**{org_path: access.organisation_id})
        network = linked and not write and self._scope_attr("scope_network")
        if access.is_staff:
            if access.quartier_ids and not self._scope_attr("scope_agency"):
                return None
            quartier_path = self._scope_attr("scope_quartier")
            if access.quartier_ids and quartier_path:
                condition &= self._along(quartier_path, "__in", access.quartier_ids)
            elif network and not access.quartier_ids:
                shares = network if isinstance(network, str) else None
                condition |= linked_to(org_path, access.organisation_id, shares)
            return condition
        if write and not (access.is_relais and self._scope_attr("scope_relais_writes")):
            return None
        if access.is_partner:
            return condition if self._scope_attr("scope_partner") or figures else None
        if access.is_relais:
            relais_path = self._scope_attr("scope_relais")
            if relais_path is None:
                return None
            if network or (not write and self._scope_attr("scope_guests")):
                condition |= Q(**{f"{org_path}__in": networks_of(access.organisation_id)})
            if relais_path == ANY_RELAIS:
                return condition
            return condition & self._along(relais_path, "", access.user.pk)
        return None

    def for_user(self, user, *, write: bool = False, figures: bool = False) -> ScopedQuerySet:
        condition = self.scope_condition(access_for(user), write=write, figures=figures)
        if condition is None:
            return self.none()
        return self.filter(condition)

    def writable_by(self, user) -> bool:
        """Whether this user may write rows of this model at all (to offer, or
        refuse, creating one), by the same rules as `for_user(write=True)`."""
        return self.scope_condition(access_for(user), write=True) is not None

    def get_for_user(self, user, pk: Any, *, write: bool = False):
        """One door per object: 404 outside the scope, 403 when readable only."""
        # An object to change is one of the access's own organisation, never a
        # row a network shares with it.
        condition = self.scope_condition(access_for(user), linked=not write)
        try:
            if condition is None:
                raise self.model.DoesNotExist
            obj = self.filter(condition).get(pk=pk)
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404("Cet élément n'existe pas ou ne vous est pas accessible.") from None
        access = access_for(user)
        if write and not (access.can_write or (access.is_relais and self._scope_attr("scope_relais_writes"))):
            raise PermissionDenied("Votre rôle ne permet pas de modifier cet élément.")
        return obj
