from django.apps import AppConfig


class EspaceConfig(AppConfig):
    name = "espace"
    verbose_name = "Espace relais"

    def ready(self):
        # Imported here, not at the top: models load only once the app registry
        # is ready (Django's rule for AppConfig modules).
        from core import personal_data
        from engagement import registry
        from espace import messages  # noqa: F401  (its outbox renderer registers on import)
        from espace.models import Activity
        from espace.personal_data import PART

        personal_data.register(PART)
        registry.register_activity(Activity)
