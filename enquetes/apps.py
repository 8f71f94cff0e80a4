from django.apps import AppConfig


class EnquetesConfig(AppConfig):
    name = "enquetes"
    verbose_name = "Enquêtes"

    def ready(self):
        # Imported here: Django's rule for AppConfig modules (the registry is ready now).
        from core import integrity, personal_data
        from enquetes import messages  # noqa: F401  the outbox's renderers register on import
        from enquetes.integrity import check
        from enquetes.personal_data import PART

        personal_data.register(PART)
        integrity.register("enquetes", check)
