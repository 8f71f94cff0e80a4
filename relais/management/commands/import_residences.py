from django.core.management.base import BaseCommand

from relais.csv_import import ImportCommand


class Command(ImportCommand, BaseCommand):
    help = "Importe des residences depuis un fichier CSV (tout ou rien)."
    kind = "residences"
