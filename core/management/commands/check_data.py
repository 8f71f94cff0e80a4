"""`manage.py check_data [--organisation SLUG]`: the impossible histories, each
with how to put it right. Exits 1 when there is any (for a cron or a deploy)."""

import sys
from itertools import groupby

from django.core.management.base import BaseCommand, CommandError

from core import integrity
from core.models import Organisation


class Command(BaseCommand):
    help = "Cherche les historiques impossibles (dates dans le désordre, sortie avant le début, statut contredit)."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", help="le slug d'une organisation (toutes par défaut)")

    def handle(self, *args, organisation=None, **options):
        org = None
        if organisation:
            org = Organisation.objects.filter(slug=organisation).first()
            if org is None:
                raise CommandError(f"Aucune organisation « {organisation} ».")
        problems = integrity.run(org)
        if not problems:
            self.stdout.write("Aucun historique impossible.")
            return
        ordered = sorted(problems, key=lambda p: (p.organisation, p.kind))
        for org_name, rows in groupby(ordered, lambda p: p.organisation):
            self.stdout.write(f"\n{org_name}")
            for p in rows:
                self.stdout.write(f"- [{p.kind}] {p.where} : {p.what}\n  Pour corriger : {p.fix}")
        count = len(problems)
        self.stderr.write(f"\n{count} historique{'s' if count > 1 else ''} impossible{'s' if count > 1 else ''}.")
        sys.exit(1)
