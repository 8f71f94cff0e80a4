from django.apps import AppConfig


class ReseauConfig(AppConfig):
    name = "reseau"
    verbose_name = "Réseau"

    def ready(self):
        # Imported here, not at the top: models load only once the app registry
        # is ready (Django's rule for AppConfig modules).
        from bilans import kinds
        from core import integrity, personal_data
        from core.models import Organisation
        from espace import linked
        from reseau import services  # noqa: F401 (registers the call decision's renderer with the outbox)
        from reseau.bilan import NETWORK
        from reseau.integrity import CHECKS
        from reseau.personal_data import PART
        from reseau.selectors import documents_of_announcement

        personal_data.register(PART)
        integrity.register("reseau", *CHECKS)
        # A network's bilan is made by the bilans machinery, with the network's figures.
        kinds.register(Organisation.Kind.RESEAU, NETWORK)
        # The library's documents attached to an announcement, on its page (the relais' phone).
        linked.register(documents_of_announcement)
