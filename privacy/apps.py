from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Données personnelles"

    def ready(self) -> None:
        # Last of the apps (settings.INSTALLED_APPS): every app has registered its
        # tracked models by now. Imported here: models load once the registry is ready.
        from core import audit

        audit.connect_signals()
