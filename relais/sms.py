"""Pluggable SMS sending. The default writes to the log; a provider adapter
is chosen with the SMS_BACKEND setting (dotted path)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ConsoleBackend:
    """Prints the SMS: what `make run` uses, with no provider account."""

    def send(self, *, to: str, text: str, key: str) -> None:
        logger.info("SMS to %s [%s]: %s", to, key, text)


def get_backend():
    return import_string(settings.SMS_BACKEND)()
