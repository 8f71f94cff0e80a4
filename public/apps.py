from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = "Page publique"

    def ready(self):
        # Imported here, not at the top: models and what uses them load only once
        # the app registry is ready (Django's rule for AppConfig modules).
        from core import personal_data
        from public import cache, messages  # noqa: F401  (renderers and cache invalidation register on import)
        from public.personal_data import PART

        cache.connect()
        personal_data.register(PART)
