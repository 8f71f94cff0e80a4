from django.apps import AppConfig


class ReunionsConfig(AppConfig):
    name = "reunions"

    def ready(self):
        # The outbox renderers of meetings register on import.
        from reunions import services  # noqa: F401
