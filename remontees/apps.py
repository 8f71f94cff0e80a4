from django.apps import AppConfig
from django.db.models.signals import post_save


class RemonteesConfig(AppConfig):
    name = "remontees"
    verbose_name = "Remontées"

    def ready(self):
        # Imported here, not at the top: models and what uses them load only once
        # the app registry is ready (Django's rule for AppConfig modules).
        from core import integrity as checks
        from core import personal_data
        from core.models import Organisation
        from remontees import services
        from remontees.integrity import check as integrity_check
        from remontees.personal_data import PART

        def default_themes(sender, instance, created, raw=False, **kwargs):
            # A new organisation starts with the usual themes (fixtures bring their own).
            if created and not raw:
                services.themes_ensure(instance)

        post_save.connect(default_themes, sender=Organisation, dispatch_uid="remontees_default_themes", weak=False)
        personal_data.register(PART)
        checks.register("remontees", integrity_check)
