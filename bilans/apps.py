from django.apps import AppConfig


class BilansConfig(AppConfig):
    name = "bilans"
    verbose_name = "Bilans"

    def ready(self):
        # Imported here, not at the top: models load only once the app registry
        # is ready (Django's rule for AppConfig modules).
        from bilans.personal_data import PART
        from core import personal_data

        personal_data.register(PART)
