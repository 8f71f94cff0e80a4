import logging

from celery import shared_task
from django.utils import timezone

from core.models import Organisation
from privacy import services

logger = logging.getLogger(__name__)


@shared_task
def apply_retention() -> dict:
    """Every night: anonymise leavers past their organisation's retention time,
    blank old staff notes, and drop access-journal entries past their time."""
    today = timezone.localdate()
    done = {"anonymised": 0, "notes": 0, "comments": 0}
    for organisation in Organisation.objects.all():
        for key, value in services.apply_retention(organisation, today).items():
            done[key] = done.get(key, 0) + value  # an app registered later adds its own keys
    done["journal"] = services.purge_audit(today)
    logger.info("retention: %s", done)
    return done
