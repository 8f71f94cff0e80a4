from celery import shared_task

from remontees import services


@shared_task
def handoffs_daily() -> dict:
    """Beat, once a day: remind services of overdue hand-offs, close what the
    relais left unconfirmed for 14 days."""
    return services.handoffs_daily()
