"""What the inbox's messages say: « something waits » at once, and the daily
digest. Rendered when sent (registered from InboxConfig.ready()): an item dealt
with in the meantime cancels its message, an empty digest is not sent."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone

from core import outbox
from core.access import compute_access
from core.formats import euros
from core.models import Message
from inbox import selectors
from initiatives.models import GrantRequest, Initiative, LogisticsRequest
from relais.models import Relais
from remontees.models import HandOff, Remontee


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def _remontee(remontee: Remontee, event: str) -> tuple[str, str, str] | None:
    reopened = event.startswith("rouverte")
    if reopened and remontee.status != Remontee.Status.EN_COURS:
        return None
    if not reopened and remontee.status != Remontee.Status.NOUVELLE:
        return None  # answered already
    head = "Remontée rouverte par le relais" if reopened else "Nouvelle remontée"
    text = f"{remontee.theme} — {remontee.residence}\n\n{remontee.description}"
    return head, text, reverse("remontees:detail", args=[remontee.pk])


def _describe(subject, event: str) -> tuple[str, str, str] | None:
    """(heading, text, path) of what waits, or None when it no longer does."""
    if isinstance(subject, Remontee):
        return _remontee(subject, event)
    if isinstance(subject, HandOff):
        remontee = subject.remontee
        if subject.outcome != HandOff.Outcome.HORS_RESSORT or remontee.is_closed:
            return None
        text = f"{subject.service} : « {subject.answer} »\n{remontee.theme} — {remontee.residence}"
        return "Remontée renvoyée par un service", text, reverse("remontees:detail", args=[remontee.pk])
    if isinstance(subject, Initiative):
        if subject.status != Initiative.Status.IDEE:
            return None
        day = formats.date_format(subject.starts_on, "j F Y")
        return "Initiative proposée", f"« {subject.title} », le {day}", reverse("initiatives:detail", args=[subject.pk])
    if isinstance(subject, LogisticsRequest):
        if subject.status != LogisticsRequest.Status.DEMANDEE:
            return None
        path = reverse("initiatives:logistics_decide", args=[subject.pk])
        return "Demande de logistique", f"Pour « {subject.initiative.title} »", path
    if isinstance(subject, GrantRequest):
        if subject.status != GrantRequest.Status.DEMANDEE:
            return None
        path = reverse("initiatives:grant_decide", args=[subject.pk])
        return "Demande de subvention", f"{euros(subject.amount_requested)} pour « {subject.initiative.title} »", path
    if isinstance(subject, Relais):  # a candidate from the public page's « Devenir relais »
        if subject.status != Relais.Status.CANDIDAT:
            return None
        where = ", ".join(r.name for r in subject.residences.all())
        return "Candidature de relais", f"{subject} — {where}", reverse("relais:relais_detail", args=[subject.pk])
    return None


def _render_waiting(message: Message) -> outbox.Rendered | None:
    subject = message.subject_type.model_class()._base_manager.filter(pk=message.subject_id).first()
    if subject is None:
        return None
    described = _describe(subject, message.kind.partition("-")[2])
    if described is None:
        return None
    head, body, path = described
    return outbox.Rendered(
        subject=f"À traiter : {head.lower()}",
        body=f"Bonjour,\n\n{head} :\n{body}\n\nPour la traiter ou la confier : {_site()}{path}\n"
        f"Tout ce qui attend l'équipe : {_site()}{reverse('inbox:inbox')}\n\n"
        f"Vous recevez ce message parce que vous avez demandé à être prévenu·e aussitôt "
        f"({_site()}{reverse('inbox:preferences')}).\nTrait d'union\n",
    )


def _render_digest(message: Message) -> outbox.Rendered | None:
    """The day's digest: what waits for this staff member, as the inbox shows it."""
    user = message.recipient_user
    if user is None or not user.is_active:
        return None
    access = compute_access(user, message.organisation_id)
    if access.organisation_id != message.organisation_id or not access.is_staff:
        return None  # no longer on the team
    user._access_cache = access
    groups = [g for g in selectors.inbox(user, limit=5) if g.total]
    if not groups:
        return None  # nothing waits: no mail
    lines = []
    for group in groups:
        lines.append(f"{group.label} : {group.total}")
        lines += [f"  - {item.title} ({item.detail})\n    {_site()}{item.url}" for item in group.items]
        if group.total > len(group.items):
            lines.append(f"  … et {group.total - len(group.items)} de plus")
    day = formats.date_format(timezone.localdate(), "l j F Y")
    return outbox.Rendered(
        subject=f"À traiter le {day} ({access.organisation.name})",
        body="Bonjour,\n\nCe qui attend l'équipe aujourd'hui :\n\n"
        + "\n".join(lines)
        + f"\n\nTout voir : {_site()}{reverse('inbox:inbox')}\n"
        f"Changer la façon d'être prévenu·e : {_site()}{reverse('inbox:preferences')}\n"
        "Trait d'union\n",
    )


outbox.renderer("a_traiter")(_render_waiting)
outbox.renderer("resume")(_render_digest)
