"""Writes of the remontées app: raise, answer, assign, reopen. One transaction
each; every step is an event, and the relais is told of each status change once
(an outbox row per event)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core import notify, outbox
from core.idempotency import claim_key, save_once
from core.models import Membership, Message, Organisation, User
from core.sensitive import Found
from core.services import sensitive_flag
from relais.models import Relais, Residence
from remontees.models import DEFAULT_THEMES, Remontee, RemonteeEvent, Theme
from reunions.models import Reunion

S = Remontee.Status
# What staff may do from each status. A closed remontée is reopened (by staff
# or by the relais who raised it) back to « en cours ».
TRANSITIONS = {
    S.NOUVELLE: {S.PRISE_EN_COMPTE, S.EN_COURS, S.RESOLUE, S.NON_RETENUE},
    S.PRISE_EN_COMPTE: {S.EN_COURS, S.RESOLUE, S.NON_RETENUE},
    S.EN_COURS: {S.PRISE_EN_COMPTE, S.RESOLUE, S.NON_RETENUE},
    S.RESOLUE: {S.EN_COURS},
    S.NON_RETENUE: {S.EN_COURS},
}


def themes_ensure(organisation: Organisation) -> None:
    """An organisation starts with the usual themes; staff edit them afterwards."""
    if not Theme.objects.filter(organisation=organisation).exists():
        Theme.objects.bulk_create(
            Theme(organisation=organisation, name=name, position=n) for n, name in enumerate(DEFAULT_THEMES)
        )


def remontee_create(
    *,
    organisation: Organisation,
    by: User | None,
    residence: Residence,
    theme: Theme,
    description: str,
    source: str,
    relais: Relais | None = None,
    nature: str = Remontee.Nature.DIFFICULTE,
    reunion: Reunion | None = None,
    photo: ContentFile | None = None,
    client_key: uuid.UUID | None = None,
    sensitive: Found | None = None,
) -> Remontee:
    """Record a remontée. With a `client_key` (made by the phone's form), sending
    the same form again returns the first remontée instead of making a second.
    `sensitive`: what the form found in the description, confirmed (core/sensitive.py)."""
    existing, client_key = claim_key(
        Remontee,
        client_key,
        sender=lambda r: r.organisation_id == organisation.pk and r.created_by_id == (by.pk if by else None),
    )
    if existing is not None:
        return existing
    errors = {}
    if residence.organisation_id != organisation.pk:
        errors["residence"] = "Cette résidence n'appartient pas à votre organisation."
    if relais is not None and relais.organisation_id != organisation.pk:
        errors["relais"] = "Ce relais n'appartient pas à votre organisation."
    if not description.strip():
        errors["description"] = "Décrivez ce qui est remonté."
    if theme.organisation_id != organisation.pk:
        errors["theme"] = "Choisissez un thème dans la liste."
    if source not in Remontee.Source.values:
        errors["source"] = "Origine inconnue."
    elif (source == Remontee.Source.REUNION) != (reunion is not None):
        errors["source"] = "Une remontée de tour de table est rattachée à sa réunion."
    if reunion is not None and reunion.organisation_id != organisation.pk:
        errors["source"] = "Cette réunion n'appartient pas à votre organisation."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        remontee = Remontee(
            organisation=organisation,
            residence=residence,
            relais=relais,
            theme=theme,
            nature=nature,
            description=description.strip(),
            source=source,
            reunion=reunion,
            created_by=by,
            client_key=client_key,
        )
        if photo is not None:
            remontee.photo.save(photo.name, photo, save=False)
        saved = save_once(
            remontee, on_duplicate=lambda: remontee.photo and remontee.photo.storage.delete(remontee.photo.name)
        )
        if saved is not remontee:
            return saved
        RemonteeEvent.objects.create(remontee=remontee, kind=RemonteeEvent.Kind.CREEE, status=remontee.status, by=by)
        sensitive_flag(obj=remontee, found=sensitive, by=by)
        if source == Remontee.Source.ESPACE:
            # Raised from a phone, unseen until someone looks: staff who asked are told
            # at once (what staff record themselves, they already know).
            notify.tell_staff(
                organisation_id=organisation.pk,
                subject=remontee,
                what="nouvelle",
                quartier_id=residence.quartier_id,
                by=by,
            )
    return remontee


def _tell_relais(remontee: Remontee, event: RemonteeEvent, by: User | None) -> None:
    """One message per change, to the relais who raised it (never two: the
    outbox key is the event)."""
    if remontee.relais_id is None or (by is not None and remontee.relais.user_id == by.pk):
        return
    outbox.message_schedule(
        organisation_id=remontee.organisation_id,
        recipient=remontee.relais,
        subject=remontee,
        kind=f"suivi-{event.pk}",
        by=by,
        send_now=True,
    )


def remontee_set_status(
    *, remontee: Remontee, status: str, by: User | None, comment: str = "", sensitive: Found | None = None
) -> Remontee:
    """Answer a remontée. « Non retenue » needs a reason written for the relais.
    `sensitive`: what the form found in the comment, confirmed (core/sensitive.py)."""
    comment = comment.strip()
    with transaction.atomic():
        remontee = Remontee.objects.select_for_update(of=("self",)).select_related("relais").get(pk=remontee.pk)
        if status not in TRANSITIONS.get(remontee.status, ()):
            raise ValidationError(
                f"Une remontée « {remontee.get_status_display().lower()} » ne peut pas passer à "
                f"« {dict(S.choices).get(status, status).lower()} »."
            )
        if status == S.NON_RETENUE and not comment:
            raise ValidationError({"comment": "Expliquez au relais pourquoi la demande n'est pas retenue."})
        now = timezone.now()
        remontee.status = status
        if comment:
            remontee.status_reason = comment
        remontee.answered_at = remontee.answered_at or now
        remontee.closed_at = now if status in (S.RESOLUE, S.NON_RETENUE) else None
        remontee.save(update_fields=["status", "status_reason", "answered_at", "closed_at"])
        event = RemonteeEvent.objects.create(
            remontee=remontee, kind=RemonteeEvent.Kind.STATUT, status=status, comment=comment, by=by
        )
        _tell_relais(remontee, event, by)
        # The comment is kept as the remontée's answer to the relais.
        sensitive_flag(obj=remontee, found=sensitive, by=by, fields={"comment": "status_reason"})
    return remontee


def remontee_reopen(*, remontee: Remontee, by: User, comment: str, sensitive: Found | None = None) -> Remontee:
    """« Ce n'est pas résolu » : the relais who raised it reopens it, saying why;
    the staff member following it is told. `sensitive`: what the form found in
    the comment, confirmed (core/sensitive.py)."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": "Dites ce qui n'est pas résolu."})
    with transaction.atomic():
        remontee = Remontee.objects.select_for_update().get(pk=remontee.pk)
        if not remontee.is_closed:
            raise ValidationError("Cette remontée est encore suivie : elle n'a pas besoin d'être rouverte.")
        remontee.status = S.EN_COURS
        remontee.closed_at = None
        remontee.save(update_fields=["status", "closed_at"])
        event = RemonteeEvent.objects.create(
            remontee=remontee, kind=RemonteeEvent.Kind.ROUVERTE, status=S.EN_COURS, comment=comment, by=by
        )
        if remontee.assignee_id:
            outbox.message_schedule(
                organisation_id=remontee.organisation_id,
                recipient=remontee.assignee,
                subject=remontee,
                kind=f"rouverte-{event.pk}",
                by=by,
                send_now=True,
            )
        else:  # nobody follows it: the staff who asked to be told at once
            notify.tell_staff(
                organisation_id=remontee.organisation_id,
                subject=remontee,
                what=f"rouverte-{event.pk}",
                quartier_id=remontee.residence.quartier_id,
                by=by,
            )
        sensitive_flag(obj=event, found=sensitive, by=by)
    return remontee


def remontee_assign(*, remontee: Remontee, assignee: User | None, by: User | None) -> Remontee:
    if (
        assignee is not None
        and not Membership.objects.filter(
            user=assignee, organisation_id=remontee.organisation_id, role__in=("admin", "staff")
        ).exists()
    ):
        raise ValidationError({"assignee": "Choisissez une personne de l'équipe."})
    with transaction.atomic():
        remontee.assignee = assignee
        remontee.save(update_fields=["assignee"])
        RemonteeEvent.objects.create(
            remontee=remontee,
            kind=RemonteeEvent.Kind.ATTRIBUEE,
            status=remontee.status,
            comment=str(assignee) if assignee else "personne",
            by=by,
        )
    return remontee


# What the messages say


def _render_followup(message: Message) -> outbox.Rendered | None:
    kind, _, event_id = message.kind.partition("-")
    event = (
        RemonteeEvent.objects.select_related("remontee__theme", "remontee__residence", "remontee__organisation")
        .filter(pk=event_id, remontee_id=message.subject_id)
        .first()
    )
    if event is None:
        return None
    text = render_to_string(
        "emails/remontee.txt",
        {
            "kind": kind,
            "event": event,
            "remontee": event.remontee,
            "url": settings.SITE_URL.rstrip("/") + reverse("remontees:detail", args=[event.remontee_id]),
        },
    )
    subject, _, body = text.strip().partition("\n")
    return outbox.Rendered(subject=subject.strip(), body=body.strip() + "\n")


outbox.renderer("suivi")(_render_followup)
outbox.renderer("rouverte")(_render_followup)
