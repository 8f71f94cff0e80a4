"""What the survey's messages say when they are sent (outbox renderers): the
personal link, and the one reminder. Nothing is sent once the link has served
or the questionnaire is closed."""

from __future__ import annotations

from django.utils import timezone

from core import outbox
from core.models import Message
from core.sms import gsm7
from enquetes import links
from enquetes.models import Invitation


@outbox.renderer("enquete")
def render_invitation(message: Message) -> outbox.Rendered | None:
    invitation = (
        Invitation.objects.select_related("questionnaire__organisation", "relais").filter(pk=message.subject_id).first()
    )
    if invitation is None or invitation.used:
        return None
    questionnaire = invitation.questionnaire
    if timezone.localdate() > questionnaire.closes_on:
        return None
    reminder = message.kind == "enquete-relance"
    link = links.url(invitation.pk)
    if message.channel == Message.Channel.SMS:
        start = "Rappel: " if reminder else ""
        organisation = questionnaire.organisation.name[:40]
        room = 160 - len(start) - len(organisation) - len(link) - len(":  - votre avis: ")
        title = (
            questionnaire.title if len(questionnaire.title) <= room else questionnaire.title[: max(room - 1, 0)] + "."
        )
        return outbox.Rendered(subject="", body=gsm7(f"{start}{organisation}: {title} - votre avis: {link}")[:160])
    subject, body = outbox.render_email(
        "enquete",
        {
            "questionnaire": questionnaire,
            "relais": invitation.relais,
            "organisation": questionnaire.organisation,
            "link": link,
            "reminder": reminder,
        },
    )
    return outbox.Rendered(subject=subject, body=body)
