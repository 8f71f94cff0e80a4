"""The network's Celery task lives in reseau/services.py beside the service that
queues it; imported here so that the worker's autodiscovery registers it."""

from reseau.services import refresh_network_figures

__all__ = ["refresh_network_figures"]
