import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from bilans import services

logger = logging.getLogger(__name__)

# Routed to the `bilans` queue by CELERY_TASK_ROUTES (config/settings.py).
# A bilan of a large organisation takes seconds; a minute of CPU means something
# is wrong. The soft limit lets the task write the failure on the row.
SOFT_TIME_LIMIT = 120
TIME_LIMIT = 150


class BilanTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Also after a hard time limit or a lost worker: the row must not stay « en cours ».
        bilan_id, token = (list(args) + [kwargs.get("bilan_id"), kwargs.get("token")])[:2]
        if bilan_id and token:
            services.bilan_failed(bilan_id=bilan_id, token=token, error="La génération n'a pas abouti.")


# acks_late: a worker stopped mid-task gives it back; but not when the process
# died on this task (reject_on_worker_lost=False): a bilan that kills its worker
# (memory) must fail once, not be handed out again forever.
@shared_task(
    base=BilanTask,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=False,
)
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
