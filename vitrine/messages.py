"""What the public app's messages say when they are sent (outbox renderers)."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone

from core import outbox
from core.models import Message
from initiatives import services as initiatives_services
from initiatives.models import Initiative, NeighbourAttendance
from relais.models import Relais
from vitrine.models import PublishedInitiative


def _plain(text: str) -> str:
    """An SMS in GSM-7's letters: accents dropped, typographic marks made plain."""
    text = text.replace("’", "'").replace("«\u00a0", '"').replace("\u00a0»", '"').replace("\u00a0", " ")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@outbox.renderer("candidature")
def render_confirmation(message: Message) -> outbox.Rendered | None:
    relais = Relais.objects.select_related("organisation").filter(pk=message.subject_id).first()
    if relais is None or relais.anonymised_at is not None:
        return None
    if message.channel == Message.Channel.SMS:
        body = _plain(
            f"Bonjour {relais.first_name}, {relais.organisation.name} a bien reçu votre candidature pour "
            "devenir relais. L'équipe vous recontacte bientôt."
        )[:160]
        return outbox.Rendered(subject="", body=body)
    subject, body = outbox.render_email("candidature", {"relais": relais, "organisation": relais.organisation})
    return outbox.Rendered(subject=subject, body=body)


@outbox.renderer(initiatives_services.NEIGHBOUR_REMINDER)
def render_neighbour_reminder(message: Message) -> outbox.Rendered | None:
    """The one reminder a neighbour asked for on an event's public page, written
    as the event is when it goes: none if the neighbour was removed, the address
    erased, or the event cancelled, done or past."""
    attendance = (
        NeighbourAttendance.objects.select_related("initiative__organisation")
        .filter(pk=message.subject_id, organisation_id=message.organisation_id)
        .first()
    )
    if attendance is None or not attendance.remind_to:
        return None
    event = attendance.initiative
    if event.status != Initiative.Status.PREVUE or event.starts_on < timezone.localdate():
        return None
    shown = PublishedInitiative.objects.filter(initiative=event).exists()
    link = ""
    if shown:
        path = reverse("public:event", kwargs={"organisation": event.organisation.slug, "initiative": event.pk})
        link = settings.SITE_URL.rstrip("/") + path
    when = formats.date_format(event.starts_on, "l j F")
    if message.channel == Message.Channel.SMS:
        body = _plain(f"Rappel : {event.title}, {when}. A bientot ! {event.organisation.name}")
        if link and len(body) + len(link) + 1 <= 160:
            body += " " + link
        return outbox.Rendered(subject="", body=body[:160])
    context = {"event": event, "organisation": event.organisation, "link": link, "where": event.place}
    subject, body = outbox.render_email("rappel_voisin", context)
    return outbox.Rendered(subject=subject, body=body)
