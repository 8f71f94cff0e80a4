"""Impossible network histories (core/integrity.py): a member that is a
network, a network that is not one, a coordinator outside a network, a call for
projects that granted more than its envelope."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F, Sum

from core.integrity import Problem, of, reporter
from core.models import Membership, NetworkMembership, Organisation
from reseau.models import Call

RESEAU = Organisation.Kind.RESEAU


def check(organisation: Organisation | None) -> Iterator[Problem]:
    links = of(NetworkMembership.objects.select_related("network", "member"), organisation, "network")
    for link in links.order_by("network", "member"):
        where = f"adhésion n° {link.pk} (« {link.member} » à « {link.network} »)"
        problem = reporter("reseau", link.network, where)
        if link.network.kind != RESEAU:
            yield problem(
                "reseau_pas_reseau",
                f"« {link.network} » a des membres sans être une organisation de type réseau.",
                "donnez-lui le type « Réseau » ou retirez ses membres.",
            )
        if link.member.kind == RESEAU:
            yield problem(
                "membre_reseau",
                f"« {link.member} » est un réseau membre d'un réseau.",
                "un réseau ne compte que des organisations : retirez cette adhésion.",
            )
    coordinators = of(Membership.objects.select_related("organisation", "user"), organisation).filter(
        role=Membership.Role.COORDINATOR
    )
    for membership in coordinators.exclude(organisation__kind=RESEAU).order_by("organisation", "pk"):
        yield reporter("reseau", membership.organisation, f"accès n° {membership.pk} ({membership.user})")(
            "coordination_hors_reseau",
            "le rôle « Coordination du réseau » est donné dans une organisation qui n'est pas un réseau.",
            "donnez-lui le rôle « Médiation », ou donnez l'accès dans le réseau.",
        )


def check_calls(organisation: Organisation | None) -> Iterator[Problem]:
    calls = of(Call.objects.select_related("organisation"), organisation)
    calls = calls.annotate(granted=Sum("applications__granted_amount")).filter(granted__gt=F("envelope"))
    for call in calls.order_by("pk"):
        yield reporter("reseau", call.organisation, f"appel à projets n° {call.pk} (« {call} »)")(
            "enveloppe_depassee",
            f"les montants accordés ({call.granted} €) dépassent l'enveloppe ({call.envelope} €).",
            "vérifiez l'enveloppe votée et les décisions de l'appel ; l'application refuse tout nouveau dépassement.",
        )


CHECKS = (check, check_calls)
