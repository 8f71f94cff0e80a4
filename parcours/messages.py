"""What a thank-you says in each channel: the outbox renderer of « remerciement ».

By e-mail, the text staff wrote; by SMS, that text in the GSM alphabet, cut to
one part. Registered on import, from ParcoursConfig.ready().
"""

from __future__ import annotations

from core import outbox
from core.models import Message
from core.sms import SMS_PART, gsm7
from parcours.models import Milestone


def _render_thanks(message: Message) -> outbox.Rendered | None:
    milestone = (
        Milestone.objects.select_related("organisation")
        .filter(pk=message.subject_id, state=Milestone.State.ENVOYE)
        .first()
    )
    if milestone is None:
        return None
    if message.channel == Message.Channel.SMS:
        text = gsm7(" ".join(milestone.body.split()))
        if len(text) > SMS_PART:
            text = text[: SMS_PART - 3].rstrip() + "..."
        return outbox.Rendered(subject="", body=text)
    subject = f"Merci — {milestone.organisation.name}"
    return outbox.Rendered(subject=subject, body=milestone.body.strip() + "\n")


outbox.renderer("remerciement")(_render_thanks)
