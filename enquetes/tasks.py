from celery import shared_task

from enquetes import services


@shared_task
def after_meetings() -> int:
    """Beat, each morning: the questionnaires of yesterday's meetings go to the relais who came."""
    return services.after_meetings()
