from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "vitrine"
    # The module is « vitrine »: « public » is taken by atpublic (a dependency of
    # aiosmtpd), which a project folder of that name would shadow. The label,
    # its tables, templates and URL names stay « public ».
    label = "public"
    verbose_name = "Page publique"

    def ready(self):
        # Imported here, not at the top: models and what uses them load only once
        # the app registry is ready (Django's rule for AppConfig modules).
        from core import personal_data
        from vitrine import cache, messages  # noqa: F401  (renderers and cache invalidation register on import)
        from vitrine.personal_data import PART

        cache.connect()
        personal_data.register(PART)
