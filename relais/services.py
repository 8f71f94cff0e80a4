"""Writes of the relais app: named, keyword-only, one transaction each."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.consents import consent_set
from core.models import Consent, Membership, Message, Organisation, User
from core.outbox import render_email
from core.sensitive import Found
from core.services import sensitive_flag
from relais.models import ContactLog, Quartier, Relais, RelaisResidence, RelaisStatusChange, Residence, starts_a_spell

S = Relais.Status
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.CANDIDAT: {S.ACTIF, S.SORTI},
    S.ACTIF: {S.PAUSE, S.SORTI},
    S.PAUSE: {S.ACTIF, S.SORTI},
    S.SORTI: {S.CANDIDAT, S.ACTIF},
}


def quartier_save(*, organisation: Organisation, quartier: Quartier | None = None, name: str, is_qpv: bool) -> Quartier:
    """Create a quartier, or change one."""
    with transaction.atomic():
        quartier = quartier or Quartier(organisation=organisation)
        quartier.name, quartier.is_qpv = name, is_qpv
        quartier.save()
    return quartier


def residence_save(
    *,
    organisation: Organisation,
    residence: Residence | None = None,
    name: str,
    reference: str = "",
    quartier: Quartier | None = None,
    address: str = "",
    postal_code: str = "",
    city: str = "",
    dwellings: int = 0,
    has_common_room: bool = False,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Residence:
    """Create a residence, or change one."""
    if quartier is not None and quartier.organisation_id != organisation.pk:
        raise ValidationError({"quartier": "Ce quartier n'appartient pas à votre organisation."})
    with transaction.atomic():
        residence = residence or Residence(organisation=organisation)
        residence.name, residence.reference, residence.quartier = name, reference, quartier
        residence.address, residence.postal_code, residence.city = address, postal_code, city
        residence.dwellings, residence.has_common_room = dwellings, has_common_room
        residence.latitude, residence.longitude = latitude, longitude
        residence.save()
    return residence


def _consents_record(relais: Relais, scopes: Iterable[str], *, given_on: datetime.date | None, by: User | None) -> None:
    """Ticked consents are given on the date typed (today when none); unticked ones withdrawn today."""
    today = timezone.localdate()
    consent_set(relais, scopes, on=given_on or today, by=by, withdrawn_on=today)


@dataclass
class NewRelais:
    """What a new relais consists of, unsaved: the relais, their residence links,
    the first line of their history and their consents. `relais_create` saves
    one; the CSV import's worker saves them by the hundred (`bulk_create`)."""

    relais: Relais
    links: list[RelaisResidence]
    history: list[RelaisStatusChange]
    consents: list[Consent]

    def dependents(self) -> list[models.Model]:
        """The rows that point at the relais, in the order they are written."""
        return [*self.links, *self.history, *self.consents]


def relais_build(
    *,
    organisation: Organisation,
    by: User | None,
    first_name: str,
    last_name: str,
    status: str = S.CANDIDAT,
    status_date: datetime.date | None = None,
    residences: Iterable[tuple[Residence, str]] = (),
    consents: Iterable[str] | None = None,
    consent_date: datetime.date | None = None,
    **fields,
) -> NewRelais:
    """The rows of a new relais, checked and unsaved (see `relais_create`)."""
    if status not in (S.CANDIDAT, S.ACTIF):
        raise ValidationError("Un nouveau relais est candidat·e ou actif·ve.")
    residences = list(residences)
    if any(r.organisation_id != organisation.pk for r, _ in residences):
        raise ValidationError("Une résidence choisie n'appartient pas à l'organisation du relais.")
    status_date = status_date or timezone.localdate()
    relais = Relais(
        organisation=organisation,
        first_name=first_name,
        last_name=last_name,
        status=status,
        status_since=status_date,
        started_on=status_date if status == S.ACTIF else None,
        **fields,
    )
    # One link per residence, the last building named for it (as relais_set_residences).
    wanted = {residence.pk: building for residence, building in residences}
    return NewRelais(
        relais=relais,
        links=[RelaisResidence(relais=relais, residence_id=pk, building=building) for pk, building in wanted.items()],
        history=[RelaisStatusChange(relais=relais, from_status="", to_status=status, date=status_date, changed_by=by)],
        consents=[
            Consent(
                organisation_id=organisation.pk,
                relais=relais,
                scope=scope,
                given_on=consent_date or timezone.localdate(),
                recorded_by=by,
            )
            for scope in sorted(set(consents or ()))
        ],
    )


def relais_create(*, organisation: Organisation, by: User | None, first_name: str, last_name: str, **options) -> Relais:
    """A new relais, their residences and the first line of their history; with
    `consents` (the scopes the person agreed to, on `consent_date`), their
    consents. `options`: those of `relais_build`, which says what is written."""
    new = relais_build(organisation=organisation, by=by, first_name=first_name, last_name=last_name, **options)
    with transaction.atomic():
        # One save each, not bulk_create: the access journal's signals see them.
        new.relais.save(force_insert=True)
        for row in new.dependents():
            row.save(force_insert=True)
    return new.relais


def relais_update(
    *,
    relais: Relais,
    by: User | None,
    first_name: str,
    last_name: str,
    phone: str,
    email: str,
    preferred_channel: str,
    residences: Iterable[tuple[Residence, str]],
    consents: Iterable[str],
    consent_date: datetime.date | None = None,
) -> Relais:
    """Change a relais' card: their details, residences and consents (those
    ticked given on `consent_date`, the others withdrawn today)."""
    with transaction.atomic():
        relais.first_name, relais.last_name = first_name, last_name
        relais.phone, relais.email, relais.preferred_channel = phone, email, preferred_channel
        relais.save(update_fields=["first_name", "last_name", "phone", "email", "preferred_channel"])
        _consents_record(relais, consents, given_on=consent_date, by=by)
        relais_set_residences(relais=relais, residences=residences)
    return relais


def relais_set_residences(*, relais: Relais, residences: Iterable[tuple[Residence, str]]) -> None:
    wanted = {residence.pk: building for residence, building in residences}
    if any(r.organisation_id != relais.organisation_id for r, _ in residences):
        raise ValidationError("Une résidence choisie n'appartient pas à l'organisation du relais.")
    with transaction.atomic():
        RelaisResidence.objects.filter(relais=relais).exclude(residence_id__in=wanted).delete()
        existing = {link.residence_id: link for link in RelaisResidence.objects.filter(relais=relais)}
        for residence_id, building in wanted.items():
            link = existing.get(residence_id)
            if link is None:
                RelaisResidence.objects.create(relais=relais, residence_id=residence_id, building=building)
            elif link.building != building:
                link.building = building
                link.save(update_fields=["building"])


STATUS_FIELDS = ["status", "status_since", "started_on", "left_on", "exit_reason"]


def status_change_build(
    *, relais: Relais, to_status: str, date: datetime.date, by: User | None, exit_reason: str = "", note: str = ""
) -> RelaisStatusChange:
    """Move `relais` (in memory: its `STATUS_FIELDS`) to `to_status` and return
    the unsaved line of its history; refused as `relais_change_status` says."""
    if to_status not in ALLOWED_TRANSITIONS.get(relais.status, set()):
        raise ValidationError(
            f"Un relais « {S(relais.status).label} » ne peut pas passer à « {S(to_status).label} »."
            if to_status in S.values
            else "Ce statut n'existe pas."
        )
    if date > timezone.localdate():
        raise ValidationError({"date": "La date ne peut pas être dans le futur."})
    if date < relais.status_since:
        raise ValidationError(
            {"date": f"La date ne peut pas précéder le dernier changement de statut ({relais.status_since:%d/%m/%Y})."}
        )
    if to_status == S.SORTI and exit_reason not in Relais.ExitReason.values:
        raise ValidationError({"exit_reason": "Indiquez le motif de sortie."})
    from_status = relais.status
    relais.status = to_status
    relais.status_since = date
    if starts_a_spell(from_status, to_status, relais.started_on):
        relais.started_on = date
    if to_status == S.SORTI:
        relais.left_on, relais.exit_reason = date, exit_reason
    else:
        relais.left_on, relais.exit_reason = None, ""
    return RelaisStatusChange(
        relais=relais,
        from_status=from_status,
        to_status=to_status,
        date=date,
        exit_reason=exit_reason if to_status == S.SORTI else "",
        note=note,
        changed_by=by,
    )


def relais_change_status(
    *,
    relais: Relais,
    to_status: str,
    date: datetime.date,
    by: User | None,
    exit_reason: str = "",
    note: str = "",
    sensitive: Found | None = None,
) -> RelaisStatusChange:
    """Move a relais along candidat → actif → en pause → sorti, keeping the history.
    `sensitive`: what the form found in the note, confirmed (core/sensitive.py)."""
    with transaction.atomic():
        relais = Relais.objects.select_for_update().get(pk=relais.pk)
        change = status_change_build(
            relais=relais, to_status=to_status, date=date, by=by, exit_reason=exit_reason, note=note
        )
        relais.save(update_fields=STATUS_FIELDS)
        change.save()
        sensitive_flag(obj=change, found=sensitive, by=by)
    return change


def contact_log_add(
    *, relais: Relais, kind: str, date: datetime.date, note: str, by: User | None, sensitive: Found | None = None
) -> ContactLog:
    """A note of an exchange with a relais. `sensitive`: what the form found in the
    note, confirmed (core/sensitive.py)."""
    if date > timezone.localdate():
        raise ValidationError({"date": "Un échange ne peut pas être daté dans le futur."})
    with transaction.atomic():
        contact = ContactLog.objects.create(
            organisation_id=relais.organisation_id, relais=relais, kind=kind, date=date, note=note, author=by
        )
        sensitive_flag(obj=contact, found=sensitive, by=by)
    return contact


def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    by: User | None,
    relais: Relais | None = None,
    quartiers: Iterable[Quartier] = (),
) -> Message:
    """Give a person access to an organisation and send them the invitation link.

    Each invitation is an outbox row ("invitation-1", "invitation-2" for a
    resend…), so it goes out once however often its task runs.
    """
    email = email.strip().lower()
    if relais is not None and relais.status == Relais.Status.SORTI:
        raise ValidationError("Ce relais est sorti du réseau : réintégrez-le avant de l'inviter.")
    if role not in Membership.Role.values:
        raise ValidationError("Ce rôle n'existe pas.")
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                first_name=relais.first_name if relais else "",
                last_name=relais.last_name if relais else "",
            )
        membership = Membership.objects.filter(user=user, organisation=organisation).first()
        if membership is None:
            membership = Membership.objects.create(user=user, organisation=organisation, role=role)
        elif membership.role != role:
            raise ValidationError(
                f"{email} a déjà le rôle « {membership.get_role_display()} » dans cette organisation."
            )
        if role == Membership.Role.STAFF:
            membership.quartiers.set(quartiers)
        if relais is not None and relais.user_id != user.pk:
            if relais.user_id is not None:
                raise ValidationError("Ce relais a déjà un accès.")
            relais.user = user
            relais.save(update_fields=["user"])
        previous = Message.objects.filter(
            subject_type=ContentType.objects.get_for_model(Membership),
            subject_id=membership.pk,
            kind__startswith="invitation-",
        ).count()
        message = outbox.message_schedule(
            organisation_id=organisation.pk,
            recipient=user,
            subject=membership,
            kind=f"invitation-{previous + 1}",
            by=by,
            send_now=True,
        )
    return message


@outbox.renderer("invitation")
def render_invitation(message: Message) -> outbox.Rendered | None:
    membership = Membership.objects.select_related("user", "organisation").filter(pk=message.subject_id).first()
    if membership is None:
        return None  # access withdrawn before the invitation left
    user = membership.user
    if user.has_usable_password():
        path = reverse("account_login")
    else:
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
        )
    subject, body = render_email(
        "invitation",
        {
            "invited_by": message.created_by,
            "organisation": membership.organisation,
            "role": membership.get_role_display(),
            "link": settings.SITE_URL.rstrip("/") + path,
            "has_password": user.has_usable_password(),
        },
    )
    return outbox.Rendered(subject=subject, body=body)


def relais_likes_set(*, relais: Relais, likes: str) -> Relais:
    """What the relais tells the directory they like to do (their own words)."""
    with transaction.atomic():
        relais.likes = likes.strip()[:200]
        relais.save(update_fields=["likes"])
    return relais
