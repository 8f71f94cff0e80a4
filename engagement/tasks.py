"""The attestations' Celery task lives in engagement/services.py beside the
services it runs; imported here so that the worker's autodiscovery registers it."""

from engagement.services import generate_attestations

__all__ = ["generate_attestations"]
