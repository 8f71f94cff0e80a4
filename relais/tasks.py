import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from relais.models import Invitation

logger = logging.getLogger(__name__)

# Network and SMTP errors are worth retrying; a template error is not.
RETRYABLE = (OSError, ConnectionError, TimeoutError)


@shared_task(autoretry_for=RETRYABLE, retry_backoff=30, retry_backoff_max=600, max_retries=5)
def send_rendered_email(*, subject: str, body: str, to: list[str], html: str = "") -> None:
    """Send an already rendered message (login codes, password resets)."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task(bind=True, max_retries=5)
def send_invitation(self, invitation_id: int) -> None:
    """Send one invitation e-mail, once, even if the task runs twice."""
    from relais.services import invitation_message

    with transaction.atomic():
        # Lock this row only: PostgreSQL refuses FOR UPDATE across the
        # nullable join to invited_by, and nothing else needs locking.
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("membership__user", "membership__organisation", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sent_at is not None:
            return
        invitation.attempts += 1
        try:
            invitation_message(invitation).send()
        except RETRYABLE as exc:
            invitation.last_error = str(exc)[:500]
            invitation.save(update_fields=["attempts", "last_error"])
            error = exc
        else:
            invitation.sent_at = timezone.now()
            invitation.last_error = ""
            invitation.save(update_fields=["attempts", "sent_at", "last_error"])
            return
    logger.warning("invitation %s not sent: %s", invitation_id, error)
    raise self.retry(exc=error, countdown=min(600, 30 * 2**self.request.retries))


def render_email(template: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"emails/{template}.txt", context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.lstrip("\n")
