from django.apps import AppConfig


class ParcoursConfig(AppConfig):
    name = "parcours"
    verbose_name = "Parcours des relais"

    def ready(self):
        # Imported here, not at the top: models load only once the app registry
        # is ready (Django's rule for AppConfig modules).
        from core import integrity as checks
        from core import personal_data
        from parcours import messages  # noqa: F401  (its outbox renderer registers on import)
        from parcours.integrity import check as integrity_check
        from parcours.personal_data import PART

        personal_data.register(PART)
        checks.register("parcours", integrity_check)
