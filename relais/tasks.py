"""The relais' Celery tasks (large CSV imports) live in relais/csv_import.py,
beside what they run; imported here so that the worker's autodiscovery (which
reads each app's `tasks` module) registers them."""

from relais.csv_import import import_check, import_write

__all__ = ["import_check", "import_write"]
