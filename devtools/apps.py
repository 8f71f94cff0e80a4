from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """What developers use and production never installs (settings: DEVTOOLS=1):
    the demo data, the benchmarks, `run_local`, the floor view."""

    name = "devtools"
    verbose_name = "Outils de développement"
