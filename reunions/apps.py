from django.apps import AppConfig


class ReunionsConfig(AppConfig):
    name = "reunions"

    def ready(self):
        # Imported here, not at the top: models and what uses them load only once
        # the app registry is ready (Django's rule for AppConfig modules).
        from core import integrity as checks
        from core import personal_data
        from reunions import messages  # noqa: F401  (its outbox renderers register on import)
        from reunions.integrity import check as integrity_check
        from reunions.personal_data import PART

        personal_data.register(PART)
        checks.register("reunions", integrity_check)
