from celery import shared_task

from inbox import services


@shared_task
def daily_digest() -> int:
    """Beat, every morning: schedule the staff's digests (the outbox sends them)."""
    return services.digest_schedule()
