from django.apps import AppConfig


class ReunionsConfig(AppConfig):
    name = "reunions"
