from django.apps import AppConfig


class RelaisConfig(AppConfig):
    name = "relais"
    verbose_name = "Réseau des relais"

    def ready(self):
        # Imported here, not at the top: models and what uses them load only once
        # the app registry is ready (Django's rule for AppConfig modules).
        from core import integrity as checks
        from core import personal_data
        from relais import services  # noqa: F401  (its outbox renderers register on import)
        from relais.integrity import check as integrity_check
        from relais.personal_data import PART

        personal_data.register(PART)
        checks.register("relais", integrity_check)
