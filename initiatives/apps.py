from django.apps import AppConfig
from django.db.models.signals import post_save


class InitiativesConfig(AppConfig):
    name = "initiatives"
    verbose_name = "Initiatives"

    def ready(self):
        # Imported here, not at the top: models and what uses them load only once
        # the app registry is ready (Django's rule for AppConfig modules).
        from core import integrity as checks
        from core import personal_data
        from core.models import Organisation
        from initiatives import services
        from initiatives.integrity import check as integrity_check
        from initiatives.personal_data import PART

        def default_kinds(sender, instance, created, raw=False, **kwargs):
            if created and not raw:
                services.kinds_ensure(instance)

        post_save.connect(default_kinds, sender=Organisation, dispatch_uid="initiatives_default_kinds", weak=False)
        personal_data.register(PART)
        checks.register("initiatives", integrity_check)
