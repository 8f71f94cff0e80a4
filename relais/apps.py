from django.apps import AppConfig


class RelaisConfig(AppConfig):
    name = "relais"
    verbose_name = "Réseau des relais"

    def ready(self):
        # The outbox renderers of this app register on import.
        from relais import services  # noqa: F401
