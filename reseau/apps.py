from django.apps import AppConfig


class ReseauConfig(AppConfig):
    name = "reseau"
    verbose_name = "Réseau"

    def ready(self):
        # Imported here, not at the top: models load only once the app registry
        # is ready (Django's rule for AppConfig modules).
        from core import integrity, personal_data
        from reseau import services  # noqa: F401 (registers the call decision's renderer with the outbox)
        from reseau.integrity import CHECKS
        from reseau.personal_data import PART

        personal_data.register(PART)
        integrity.register("reseau", *CHECKS)
