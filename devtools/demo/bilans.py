"""The demo's bilan (called by `seed_demo`): the year the next plenary will look
back on, with its texts, a few examples chosen among the remontées answered, and
its PDF already made, so that `make run` shows a bilan ready to download."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from bilans import selectors, services
from bilans.models import Bilan
from devtools.builder import Builder

INTRODUCTION = (
    "Cette année encore, les habitants-relais ont fait vivre leurs résidences : réunions thématiques, "
    "fêtes des voisins, ateliers et visites aux nouveaux arrivants. Ce bilan rassemble ce qu'ils ont fait "
    "remonter et ce que nous en avons fait."
)
PERSPECTIVES = (
    "Pour l'année qui vient :\n"
    "- recruter des relais dans les plus grandes résidences qui n'en ont pas encore ;\n"
    "- répondre à chaque remontée en moins de trois semaines ;\n"
    "- associer les relais au projet de réhabilitation du quartier de La Prairie ;\n"
    "- une formation « premiers secours » et une journée de rencontre avec les relais des Tilleuls."
)


def seed(b: Builder) -> None:
    # The plenary looks back on the year just ended; until spring that is last year.
    organisation, year = b.organisation, (b.today - datetime.timedelta(days=90)).year
    bilan = services.bilan_open(organisation=organisation, year=year)
    services.bilan_save_texts(
        bilan=bilan,
        introduction=INTRODUCTION,
        perspectives=PERSPECTIVES,
        examples=list(selectors.example_choices(bilan).filter(status="resolue")[:3]),
    )
    ready(bilan, b.by)


def ready(bilan: Bilan, by) -> None:
    """The bilan's PDF made and kept as the « Générer » button's task keeps it (read as its organisation's team)."""
    pdf = services.bilan_pdf(bilan, services.team_reader(bilan.organisation))
    bilan.file.save(bilan.filename, ContentFile(pdf), save=False)
    bilan.state = Bilan.State.PRET
    bilan.generated_at = timezone.now()
    bilan.requested_by = by
    bilan.save(update_fields=["file", "state", "generated_at", "requested_by"])
