import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from bilans import services

logger = logging.getLogger(__name__)

# Routed to the `bilans` queue by CELERY_TASK_ROUTES (config/settings.py).
# A bilan of a large organisation takes seconds; a minute of CPU means something
# is wrong. The soft limit lets the task write the failure on the row.
SOFT_TIME_LIMIT = 120
TIME_LIMIT = 150


@shared_task(soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT, acks_late=True)
def generate_bilan(bilan_id: int, token: str) -> None:
    """Runs in the `bilans` queue, served by a worker with concurrency 1 and a
    bounded number of tasks per process (WeasyPrint keeps the whole document in
    memory; a fresh process gives it back)."""
    try:
        services.bilan_generate(bilan_id=bilan_id, token=token)
    except SoftTimeLimitExceeded:
        services.bilan_failed(bilan_id=bilan_id, token=token, error="La génération a pris trop de temps.")
    except Exception as error:
        logger.exception("Bilan %s failed", bilan_id)
        services.bilan_failed(bilan_id=bilan_id, token=token, error=f"{type(error).__name__} : {error}")
