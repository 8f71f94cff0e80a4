from celery import shared_task

from reunions import services


@shared_task
def weekly_digest() -> int:
    """Beat, Monday morning: schedule the staff digests (the outbox sends them)."""
    return services.digest_schedule()
