from django.apps import AppConfig
from django.db.models.signals import post_save


class InitiativesConfig(AppConfig):
    name = "initiatives"
    verbose_name = "Initiatives"

    def ready(self):
        from initiatives import services
        from relais.models import Organisation

        def default_kinds(sender, instance, created, raw=False, **kwargs):
            if created and not raw:
                services.kinds_ensure(instance)

        post_save.connect(default_kinds, sender=Organisation, dispatch_uid="initiatives_default_kinds", weak=False)
