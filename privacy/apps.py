from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Données personnelles"

    def ready(self) -> None:
        from privacy import audit

        audit.connect_signals()
