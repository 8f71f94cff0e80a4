import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from relais import outbox

logger = logging.getLogger(__name__)

BATCH = 25


@shared_task(autoretry_for=outbox.RETRYABLE, retry_backoff=30, retry_backoff_max=600, max_retries=5)
def send_rendered_email(*, subject: str, body: str, to: list[str], html: str = "") -> None:
    """Send an already rendered message (allauth's login codes and password resets:
    short-lived, so they are not kept as outbox rows)."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def dispatch(*, now=None, queue: str | None = None) -> int:
    """Hand the due outbox rows to the workers, in batches."""
    ids = outbox.hand_out_due(now=now)
    for start in range(0, len(ids), BATCH):
        try:
            send_messages.apply_async((ids[start : start + BATCH],), queue=queue)
        except Exception:
            outbox.hand_back(ids[start:])
            raise
    return len(ids)


@shared_task
def dispatch_messages() -> int:
    """Beat, every minute."""
    return dispatch()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_messages(message_ids: list[int]) -> None:
    # Late acknowledgement: a worker killed mid-batch leaves the task to be
    # delivered again; rows already sent are skipped by message_send.
    with outbox.batch(message_ids):
        for message_id in message_ids:
            outbox.message_send(message_id)


def render_email(template: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"emails/{template}.txt", context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.lstrip("\n")
