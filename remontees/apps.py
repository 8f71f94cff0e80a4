from django.apps import AppConfig
from django.db.models.signals import post_save


class RemonteesConfig(AppConfig):
    name = "remontees"
    verbose_name = "Remontées"

    def ready(self):
        from relais.models import Organisation
        from remontees import services

        def default_themes(sender, instance, created, raw=False, **kwargs):
            # A new organisation starts with the usual themes (fixtures bring their own).
            if created and not raw:
                services.themes_ensure(instance)

        post_save.connect(default_themes, sender=Organisation, dispatch_uid="remontees_default_themes", weak=False)
