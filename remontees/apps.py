from django.apps import AppConfig


class RemonteesConfig(AppConfig):
    name = "remontees"
    verbose_name = "Remontées"
