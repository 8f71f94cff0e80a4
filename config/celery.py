import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger
from django.conf import settings

from config.logs import JsonFormatter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("traitdunion")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _json_logs(logger, **kwargs):
    """Celery sets up its own handlers; under LOG_FORMAT=json they write JSON too."""
    if settings.LOG_FORMAT == "json":
        for handler in logger.handlers:
            handler.setFormatter(JsonFormatter())
