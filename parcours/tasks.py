"""The daily look for milestones to thank (beat: « milestones-daily »)."""

from __future__ import annotations

from celery import shared_task

from core.models import Organisation
from parcours.services import milestones_prepare


@shared_task
def prepare_milestones() -> int:
    """Each organisation's new milestones, each prepared once whatever the runs."""
    return sum(milestones_prepare(organisation=org) for org in Organisation.objects.order_by("pk"))
