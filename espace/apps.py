from django.apps import AppConfig


class EspaceConfig(AppConfig):
    name = "espace"
    verbose_name = "Espace relais"

    def ready(self):
        # Imported here, not at the top: models load only once the app registry
        # is ready (Django's rule for AppConfig modules).
        from core import personal_data
        from engagement import registry
        from espace import messages  # noqa: F401  (its outbox renderer registers on import)
        from espace.models import Activity
        from espace.personal_data import PART
        from espace.selectors import first_activity, tenth_activity
        from parcours import facts

        personal_data.register(PART)
        # The onboarding step « première activité » and the milestone « dixième
        # activité » read the activity log, which parcours (below) cannot import.
        facts.register("activite", first_activity)
        facts.register("dix_activites", tenth_activity)
        registry.register_activity(Activity)
