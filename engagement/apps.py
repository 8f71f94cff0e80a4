from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"
    verbose_name = "Engagement des relais"

    def ready(self):
        # Imported here, not at the top: models load only once the app registry
        # is ready (Django's rule for AppConfig modules).
        from core import integrity, personal_data
        from engagement.integrity import check
        from engagement.personal_data import PART

        personal_data.register(PART)
        integrity.register("engagement", check)
