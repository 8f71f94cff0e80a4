"""The bilans' Celery task, `generate_bilan`, lives in bilans/services.py beside
the service that queues it and the one it runs; it is imported here so that the
worker's autodiscovery (which reads each app's `tasks` module) registers it."""

from bilans.services import generate_bilan

__all__ = ["generate_bilan"]
