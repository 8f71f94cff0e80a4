"""Writes of the network: who belongs to it and what they share, the members'
key figures (computed by the bilans machinery), the guests of its meetings, the
library. Named, keyword-only, one transaction each."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bilans.selectors import bilan_figures, value_at
from core.models import Membership, NetworkMembership, Organisation, User
from core.uploads import Attachment
from espace.models import Announcement
from relais.models import Relais
from reseau.models import Document, DocumentVersion, MemberFigures, fresh_members
from reunions import services as reunions_services
from reunions.models import Reunion

logger = logging.getLogger(__name__)

# Where each stored figure is in a bilan's figures (bilans.selectors.bilan_figures).
FIGURE_PATHS = {
    "relais_active": "relais.active",
    "residences": "coverage.residences",
    "covered": "coverage.covered",
    "reunions_held": "reunions.held",
    "remontees_answerable": "remontees.answerable",
    "remontees_answered_within": "remontees.answered_within",
    "initiatives_done": "initiatives.done",
    "participants": "initiatives.participants",
}


# Members


def network_member_add(
    *, network: Organisation, member: Organisation, joined_on: datetime.date | None = None, shares_figures: bool = True
) -> NetworkMembership:
    if not network.is_network:
        raise ValidationError("Seule une organisation de type « Réseau » a des membres.")
    if member.is_network:
        raise ValidationError("Un réseau ne peut pas être membre d'un réseau.")
    with transaction.atomic():
        if NetworkMembership.objects.filter(network=network, member=member, left_on__isnull=True).exists():
            raise ValidationError(f"« {member} » est déjà membre de « {network} ».")
        return NetworkMembership.objects.create(
            network=network, member=member, joined_on=joined_on or timezone.localdate(), shares_figures=shares_figures
        )


def network_member_leave(*, link: NetworkMembership, left_on: datetime.date | None = None) -> NetworkMembership:
    left_on = left_on or timezone.localdate()
    if left_on < link.joined_on:
        raise ValidationError("La sortie ne peut pas précéder l'adhésion.")
    with transaction.atomic():
        link.left_on = left_on
        link.save(update_fields=["left_on"])
    return link


def sharing_set(*, link: NetworkMembership, shares_figures: bool) -> NetworkMembership:
    """A member shares its key figures with a network, or stops (read at once by the scoping)."""
    with transaction.atomic():
        link.shares_figures = shares_figures
        link.save(update_fields=["shares_figures"])
    return link


# Key figures


def member_figures_compute(*, organisation: Organisation, year: int) -> MemberFigures:
    """One member's figures of a year, as its bilan computes them (the same
    function: the network adds them up, it never counts on its own)."""
    figures = bilan_figures(organisation, year)
    values = {name: value_at(figures, path) or 0 for name, path in FIGURE_PATHS.items()}
    with transaction.atomic():
        row, _ = MemberFigures.objects.update_or_create(
            organisation=organisation, year=year, defaults={**values, "computed_at": timezone.now()}
        )
    return row


def network_figures_refresh(*, network: Organisation, year: int, stale_before: datetime.datetime | None = None) -> int:
    """The figures of the year and the one before of every member who shares
    them (with `stale_before`: only of those whose figures of either year are
    missing or were computed before it); how many members were computed."""
    members = Organisation.objects.filter(
        network_links__network=network, network_links__left_on__isnull=True, network_links__shares_figures=True
    ).order_by("pk")
    if stale_before is not None:
        members = members.exclude(pk__in=fresh_members(MemberFigures.objects.all(), year=year, since=stale_before))
    members = list(members)
    for member in members:
        for y in (year, year - 1):
            member_figures_compute(organisation=member, year=y)
    return len(members)


def network_figures_request(*, network: Organisation, year: int) -> None:
    """Queue the refresh (a bilan per member and year: seconds for a large network)."""
    transaction.on_commit(lambda: refresh_network_figures.delay(network.pk, year))


# Routed to the `bilans` queue with the bilans' own tasks (CELERY_TASK_ROUTES: reseau.tasks.*).
@shared_task(name="reseau.tasks.refresh_network_figures", soft_time_limit=600, time_limit=660)
def refresh_network_figures(network_id: int, year: int) -> None:
    network = Organisation.objects.filter(pk=network_id, kind=Organisation.Kind.RESEAU).first()
    if network is None:
        return
    count = network_figures_refresh(network=network, year=year)
    logger.info("Figures of %s members of %s computed for %s", count, network.slug, year)


# Meetings of the network


def guests_invite(*, reunion: Reunion, by: User | None, relais: list[Relais] = (), users: list[User] = ()) -> int:
    """Invite people of the members to a network's meeting: the meetings'
    own machinery (convocation by each one's channel, reminders, answers)."""
    if not reunion.organisation.is_network:
        raise ValidationError("Seule une réunion d'un réseau invite les membres d'autres organisations.")
    return reunions_services.invitations_send(reunion=reunion, by=by, relais=relais, users=users)


def guest_users(*, network: Organisation, membership_ids: list[int]) -> list[User]:
    """The logins behind memberships of the network's members (checked again here)."""
    return list(
        User.objects.filter(
            memberships__pk__in=membership_ids,
            memberships__organisation__network_links__network=network,
            memberships__organisation__network_links__left_on__isnull=True,
            memberships__role__in=(Membership.Role.ADMIN, Membership.Role.STAFF, Membership.Role.PARTNER),
        ).distinct()
    )


# The library


def document_create(
    *,
    organisation: Organisation,
    by: User | None,
    title: str,
    kind: str,
    audience: str,
    description: str = "",
    file: Attachment | None = None,
    link: str = "",
    reunions: list[Reunion] = (),
    annonces: list[Announcement] = (),
) -> Document:
    with transaction.atomic():
        document = Document.objects.create(
            organisation=organisation,
            title=title.strip(),
            kind=kind,
            audience=audience,
            description=description.strip(),
            created_by=by,
        )
        if reunions or annonces:
            document_attach(document=document, reunions=reunions, annonces=annonces)
        version_add(document=document, by=by, file=file, link=link)
    return document


def document_update(*, document: Document, title: str, kind: str, audience: str, description: str = "") -> Document:
    with transaction.atomic():
        document.title, document.kind, document.audience = title.strip(), kind, audience
        document.description = description.strip()
        document.save(update_fields=["title", "kind", "audience", "description", "updated_at"])
    return document


def document_attach(*, document: Document, reunions: list[Reunion] = (), annonces: list[Announcement] = ()) -> None:
    """Attach a document to meetings and announcements of its own organisation."""
    if any(r.organisation_id != document.organisation_id for r in reunions):
        raise ValidationError("Une réunion choisie n'appartient pas à votre organisation.")
    if any(a.organisation_id != document.organisation_id for a in annonces):
        raise ValidationError("Une annonce choisie n'appartient pas à votre organisation.")
    with transaction.atomic():
        document.reunions.add(*reunions)
        document.annonces.add(*annonces)


def version_add(
    *, document: Document, by: User | None, file: Attachment | None = None, link: str = "", note: str = ""
) -> DocumentVersion:
    """A new current version; the old ones are kept as they were."""
    if bool(file) == bool(link):
        raise ValidationError("Joignez un fichier ou indiquez un lien (pour une vidéo), l'un ou l'autre.")
    with transaction.atomic():
        # Locks the document: two versions added at once get two numbers.
        Document.objects.select_for_update().filter(pk=document.pk).first()
        last = document.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = DocumentVersion(document=document, number=last + 1, link=link, note=note.strip(), uploaded_by=by)
        if file:
            version.filename = file.name[:120]
            version.content_type = file.content_type
            version.size = file.file.size
            version.file.save(file.file.name, file.file, save=False)
        version.save()
        Document.objects.filter(pk=document.pk).update(updated_at=timezone.now())
    return version
