from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from relais import csv_import
from relais.models import Organisation


class Command(BaseCommand):
    help = "Importe des relais depuis un fichier CSV (tout ou rien)."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="slug de l'organisation")
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="vérifier sans rien écrire")

    def handle(self, *args, organisation, file, dry_run, **options):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(f"Aucune organisation « {organisation} ».")
        try:
            report = csv_import.parse_relais(organisation=org, content=file.read_bytes())
        except OSError as exc:
            raise CommandError(f"Lecture impossible de {file} : {exc.strerror}.") from None
        except csv_import.ImportFileError as exc:
            raise CommandError(str(exc)) from None
        for warning in report.warnings:
            self.stderr.write(warning)
        if not report.ok:
            for e in report.errors:
                self.stderr.write(f"ligne {e.line}, colonne « {e.column} » : {e.message}")
            raise CommandError(f"{len(report.errors)} erreur(s) : rien n'a été importé.")
        if dry_run:
            self.stdout.write(f"Vérification seule : {report.to_create} à créer, {report.to_update} à mettre à jour.")
            return
        created, updated = csv_import.apply_relais(organisation=org, report=report, by=None)
        self.stdout.write(f"Import terminé : {created} créé(s), {updated} mis à jour.")
