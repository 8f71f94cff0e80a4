from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bilans.models import Bilan
from bilans.services import bilan_pdf, team_reader
from core.models import Organisation


class Command(BaseCommand):
    help = "Écrit le PDF du bilan d'une organisation pour une année (le même code que le bouton « Générer »)."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="le slug de l'organisation, par exemple habitat-du-lac")
        parser.add_argument("year", type=int)
        parser.add_argument("--output", required=True, help="le fichier PDF à écrire")

    def handle(self, *args, organisation, year, output, **options):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            known = ", ".join(Organisation.objects.values_list("slug", flat=True)) or "aucune"
            raise CommandError(f"Aucune organisation « {organisation} ». Organisations connues : {known}.")
        if not 2000 <= year <= 2100:
            raise CommandError("L'année doit être comprise entre 2000 et 2100.")
        # The bilan's own texts when it exists; the figures alone otherwise (nothing is written in the database).
        bilan = Bilan.objects.filter(organisation=org, year=year).first() or Bilan(organisation=org, year=year)
        # Read as the organisation's own team reads it (a network's bilan: its coordination).
        pdf = bilan_pdf(bilan, team_reader(org))
        try:
            Path(output).write_bytes(pdf)
        except OSError as error:
            raise CommandError(f"Impossible d'écrire {output} : {error.strerror}.") from None
        self.stdout.write(f"Bilan {year} de {org.name} écrit dans {output} ({len(pdf) // 1024} Ko).")
