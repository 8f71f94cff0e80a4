"""What the public app's messages say when they are sent (outbox renderers)."""

from __future__ import annotations

import unicodedata

from core import outbox
from core.models import Message
from relais.models import Relais


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
