"""Writes of the remontées app: raise, answer, assign, reopen. One transaction
each; every step is an event, and the relais is told of each status change once
(an outbox row per event)."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone

from core import notify, outbox
from core.idempotency import claim_key, save_once
from core.models import Membership, Message, Organisation, User
from core.sensitive import Found
from core.services import sensitive_flag
from relais.models import Relais, Residence
from remontees.models import DEFAULT_THEMES, HandOff, Remontee, RemonteeEvent, Service, Theme
from reunions.models import Reunion

S = Remontee.Status
# What staff may do from each status. A closed remontée is reopened (by staff
# or by the relais who raised it) back to « en cours ».
TRANSITIONS = {
    S.NOUVELLE: {S.PRISE_EN_COMPTE, S.EN_COURS, S.RESOLUE, S.NON_RETENUE},
    S.PRISE_EN_COMPTE: {S.EN_COURS, S.RESOLUE, S.NON_RETENUE},
    S.EN_COURS: {S.PRISE_EN_COMPTE, S.RESOLUE, S.NON_RETENUE},
    S.A_CONFIRMER: {S.EN_COURS, S.RESOLUE},
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
        confirmed = remontee.status == S.A_CONFIRMER and status == S.RESOLUE
        remontee.status = status
        if comment:
            remontee.status_reason = comment
        remontee.answered_at = remontee.answered_at or now
        if not confirmed:  # résolue since the service said « fait »
            remontee.closed_at = now if status in (S.RESOLUE, S.NON_RETENUE) else None
        if status in (S.RESOLUE, S.NON_RETENUE):
            handoffs_withdraw(remontee)  # the team answered: the service need not
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
        # The answer that closed it no longer holds: the residence's page shows no
        # out-of-date answer (it stays in the history).
        remontee.status_reason = ""
        remontee.save(update_fields=["status", "closed_at", "status_reason"])
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


# Services and hand-offs

# How long a service's link stays valid after the message that carries it.
LINK_DAYS = 30
# How long the relais has to confirm « résolue — à confirmer » before it closes as résolue.
CONFIRM_DAYS = 14
LINK_SALT = "remontees.handoff"


def service_save(*, organisation: Organisation, name: str, kind: str, email: str) -> Service:
    """Add a service to the organisation's directory."""
    name, email = name.strip(), email.strip().lower()
    errors = {}
    if not name:
        errors["name"] = "Donnez un nom au service."
    elif Service.objects.filter(organisation=organisation, name__iexact=name).exists():
        errors["name"] = "Un service porte déjà ce nom."
    if kind not in Service.Kind.values:
        errors["kind"] = "Choisissez service interne ou prestataire."
    if not email:
        errors["email"] = "Indiquez l'adresse e-mail où le service reçoit les demandes."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        mailbox = User.objects.filter(email=email).first()
        if mailbox is None:
            # A login that never signs in (inactive, no password): the outbox's address for the service.
            mailbox = User.objects.create_user(email=email, is_active=False, last_name=name[:150])
        return Service.objects.create(organisation=organisation, name=name, kind=kind, email=email, mailbox=mailbox)


def service_toggle(*, service: Service) -> Service:
    """Stop proposing a service, or propose it again (its hand-offs stay)."""
    with transaction.atomic():
        service.is_active = not service.is_active
        service.save(update_fields=["is_active"])
    return service


def handoff_create(
    *, remontee: Remontee, service: Service, due_on: datetime.date, by: User | None, note: str = ""
) -> HandOff:
    """Hand a remontée to a service: the service gets a message with its link;
    the remontée is « en cours »; the note is for the service, never the relais."""
    errors = {}
    if service.organisation_id != remontee.organisation_id or not service.is_active:
        errors["service"] = "Choisissez un service de la liste."
    if due_on < timezone.localdate():
        errors["due_on"] = "La date souhaitée ne peut pas être passée."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        remontee = Remontee.objects.select_for_update(of=("self",)).select_related("relais").get(pk=remontee.pk)
        if remontee.is_closed:
            raise ValidationError("Cette remontée est close : rouvrez-la avant de la transmettre.")
        if HandOff.objects.filter(remontee=remontee, outcome=HandOff.Outcome.EN_ATTENTE).exists():
            raise ValidationError("Cette remontée attend déjà la réponse d'un service.")
        handoff = HandOff.objects.create(
            remontee=remontee, service=service, note=note.strip(), due_on=due_on, created_by=by
        )
        now = timezone.now()
        remontee.answered_at = remontee.answered_at or now
        fields = ["answered_at"]
        if remontee.status != S.EN_COURS:
            remontee.status = S.EN_COURS
            fields.append("status")
        remontee.save(update_fields=fields)
        event = RemonteeEvent.objects.create(
            remontee=remontee, kind=RemonteeEvent.Kind.TRANSMISE, status=remontee.status, by=by
        )
        if "status" in fields:
            _tell_relais(remontee, event, by)
        outbox.message_schedule(
            organisation_id=remontee.organisation_id,
            recipient=service.mailbox,
            subject=handoff,
            kind="transmission",
            by=by,
            send_now=True,
        )
    return handoff


def handoff_token(handoff: HandOff) -> str:
    """The service's link: signed and dated (so it expires), naming the hand-off."""
    return signing.dumps(handoff.pk, salt=LINK_SALT, compress=True)


class LinkRefused(Exception):
    """A service's link that changes nothing, with what to tell the person holding it."""


def handoff_from_token(token: str) -> HandOff:
    try:
        pk = signing.loads(token, salt=LINK_SALT, max_age=datetime.timedelta(days=LINK_DAYS))
    except signing.SignatureExpired:
        raise LinkRefused(
            f"Ce lien a expiré (il vaut {LINK_DAYS} jours). Demandez un nouveau lien à l'équipe de médiation."
        ) from None
    except signing.BadSignature:
        raise LinkRefused("Ce lien n'est pas valide : il a peut-être été mal copié.") from None
    handoff = (
        HandOff.objects.select_related("remontee__residence", "remontee__theme", "service")
        .filter(pk=pk if isinstance(pk, int) else -1)
        .first()
    )
    if handoff is None:
        raise LinkRefused("Cette demande n'existe plus.")
    return handoff


def handoff_answer(*, handoff: HandOff, outcome: str, answer: str = "", photo: ContentFile | None = None) -> HandOff:
    """The service says « fait » (the remontée becomes « résolue — à confirmer »
    and the relais is told) or « pas de notre ressort » (the team is told). Once:
    a link used again changes nothing."""
    if outcome not in (HandOff.Outcome.FAIT, HandOff.Outcome.HORS_RESSORT):
        raise ValidationError({"outcome": "Choisissez « fait » ou « pas de notre ressort »."})
    answer = answer.strip()
    if outcome == HandOff.Outcome.HORS_RESSORT and not answer:
        raise ValidationError({"answer": "Dites en quelques mots pourquoi ce n'est pas de votre ressort."})
    with transaction.atomic():
        handoff = HandOff.objects.select_for_update().get(pk=handoff.pk)
        if handoff.outcome != HandOff.Outcome.EN_ATTENTE:
            raise LinkRefused("Ce lien a déjà servi : la réponse du service est enregistrée. Merci !")
        now = timezone.now()
        handoff.outcome, handoff.answer, handoff.answered_at = outcome, answer, now
        if photo is not None:
            handoff.photo.save(photo.name, photo, save=False)
        handoff.save(update_fields=["outcome", "answer", "answered_at", "photo"])
        remontee = Remontee.objects.select_for_update(of=("self",)).select_related("relais").get(pk=handoff.remontee_id)
        if outcome == HandOff.Outcome.FAIT:
            remontee.status = S.A_CONFIRMER
            remontee.status_reason = answer or f"{handoff.service} indique que c'est fait."
            remontee.closed_at = now  # counted as résolue from today
            remontee.save(update_fields=["status", "status_reason", "closed_at"])
            event = RemonteeEvent.objects.create(
                remontee=remontee, kind=RemonteeEvent.Kind.STATUT, status=S.A_CONFIRMER, comment=answer
            )
            _tell_relais(remontee, event, None)
        else:
            # Back to the team, who hand it to another service or answer the relais.
            notify.tell_staff(
                organisation_id=remontee.organisation_id,
                subject=handoff,
                what="hors_ressort",
                quartier_id=remontee.residence.quartier_id,
            )
            if remontee.assignee_id:
                outbox.message_schedule(
                    organisation_id=remontee.organisation_id,
                    recipient=remontee.assignee,
                    subject=handoff,
                    kind="hors_ressort",
                    send_now=True,
                )
    return handoff


def handoffs_withdraw(remontee: Remontee) -> int:
    """The team answers the relais itself: a hand-off still waiting is taken back."""
    return HandOff.objects.filter(remontee=remontee, outcome=HandOff.Outcome.EN_ATTENTE).update(
        outcome=HandOff.Outcome.RETIREE, answered_at=timezone.now()
    )


def remontee_confirm(*, remontee: Remontee, by: User) -> Remontee:
    """The relais confirms that « fait » is really done: résolue."""
    with transaction.atomic():
        remontee = Remontee.objects.select_for_update().get(pk=remontee.pk)
        if remontee.status != S.A_CONFIRMER:
            raise ValidationError("Cette remontée n'attend pas de confirmation.")
        remontee.status = S.RESOLUE
        remontee.save(update_fields=["status"])
        RemonteeEvent.objects.create(remontee=remontee, kind=RemonteeEvent.Kind.CONFIRMEE, status=S.RESOLUE, by=by)
    return remontee


def handoffs_daily(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Once a day (beat): remind services of their overdue hand-offs (one message
    a day each, whatever the number of runs), and close as résolue what the
    relais did not confirm nor reopen within CONFIRM_DAYS days."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reminded = 0
    overdue = HandOff.objects.filter(outcome=HandOff.Outcome.EN_ATTENTE, due_on__lt=today).select_related(
        "service__mailbox", "remontee"
    )
    for handoff in overdue:
        if outbox.message_schedule(
            organisation_id=handoff.remontee.organisation_id,
            recipient=handoff.service.mailbox,
            subject=handoff,
            kind=f"relance-{today.isoformat()}",
            when=now,
        ):
            reminded += 1
    closed = 0
    unconfirmed = Remontee.objects.filter(
        status=S.A_CONFIRMER, closed_at__lte=now - datetime.timedelta(days=CONFIRM_DAYS)
    ).values_list("pk", flat=True)
    for pk in unconfirmed:
        with transaction.atomic():
            locked = Remontee.objects.select_for_update().filter(pk=pk, status=S.A_CONFIRMER).first()
            if locked is None:
                continue
            locked.status = S.RESOLUE
            locked.save(update_fields=["status"])
            RemonteeEvent.objects.create(
                remontee=locked,
                kind=RemonteeEvent.Kind.STATUT,
                status=S.RESOLUE,
                comment=f"Sans réponse du relais en {CONFIRM_DAYS} jours : close comme résolue.",
            )
            closed += 1
    return {"reminded": reminded, "closed": closed}


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


def _render_handoff(message: Message) -> outbox.Rendered | None:
    """To the service: what to do, and the link to say it is done. Never the
    relais' name or contacts: the remontée's text, residence and photo only."""
    handoff = (
        HandOff.objects.select_related("remontee__residence", "remontee__theme", "remontee__organisation", "service")
        .filter(pk=message.subject_id, outcome=HandOff.Outcome.EN_ATTENTE)
        .first()
    )
    if handoff is None:
        return None  # answered or taken back meanwhile
    url = settings.SITE_URL.rstrip("/") + reverse("remontees:service_answer", args=[handoff_token(handoff)])
    subject, body = outbox.render_email(
        "remontee_service",
        {
            "handoff": handoff,
            "remontee": handoff.remontee,
            "reminder": message.kind.startswith("relance"),
            "due": formats.date_format(handoff.due_on, "j F Y"),
            "url": url,
            "days": LINK_DAYS,
        },
    )
    return outbox.Rendered(subject=subject, body=body)


def _render_returned(message: Message) -> outbox.Rendered | None:
    handoff = (
        HandOff.objects.select_related("remontee__residence", "remontee__theme", "service")
        .filter(pk=message.subject_id, outcome=HandOff.Outcome.HORS_RESSORT)
        .first()
    )
    if handoff is None:
        return None
    url = settings.SITE_URL.rstrip("/") + reverse("remontees:detail", args=[handoff.remontee_id])
    return outbox.Rendered(
        subject=f"Pas de son ressort : {handoff.service} renvoie une remontée",
        body=f"Bonjour,\n\n{handoff.service} indique que « {handoff.remontee.theme} — {handoff.remontee.residence} » "
        f"n'est pas de son ressort :\n{handoff.answer}\n\nÀ transmettre à un autre service ou à répondre au relais : "
        f"{url}\n\nTrait d'union\n",
    )


outbox.renderer("transmission")(_render_handoff)
outbox.renderer("relance")(_render_handoff)
outbox.renderer("hors_ressort")(_render_returned)
