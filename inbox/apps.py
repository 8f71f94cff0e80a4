from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "À traiter"

    def ready(self):
        # Imported here, not at the top: the renderers read models, which load only
        # once the app registry is ready (Django's rule for AppConfig modules).
        from inbox import messages  # noqa: F401
