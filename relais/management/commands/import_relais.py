from django.core.management.base import BaseCommand

from relais.csv_import import ImportCommand


class Command(ImportCommand, BaseCommand):
    help = "Importe des relais depuis un fichier CSV (tout ou rien)."
    kind = "relais"
