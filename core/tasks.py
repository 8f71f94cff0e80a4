"""Celery tasks of the platform that are not the outbox's (those are in
core/outbox.py, beside what they run)."""

import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from core.outbox import RETRYABLE

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=RETRYABLE, retry_backoff=30, retry_backoff_max=600, max_retries=5)
def send_rendered_email(*, subject: str, body: str, to: list[str], html: str = "") -> None:
    """Send an already rendered message (allauth's login codes and password resets:
    short-lived, so they are not kept as outbox rows)."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
