"""Impossible relais histories (core/integrity.py): the history's own order and
steps, and the relais' row against its history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.utils import timezone

from core.integrity import Problem, of, reporter
from core.models import Organisation
from relais.models import Relais, RelaisStatusChange, spell_start
from relais.services import ALLOWED_TRANSITIONS

S = Relais.Status


def _label(status: str) -> str:
    return S(status).label if status in S.values else (status or "—")


def check(organisation: Organisation | None) -> Iterator[Problem]:
    today = timezone.localdate()
    history = defaultdict(list)
    for change in of(RelaisStatusChange.objects.all(), organisation, "relais__organisation").order_by(
        "relais_id", "date", "created_at", "pk"
    ):
        history[change.relais_id].append(change)
    for relais in of(Relais.objects.select_related("organisation"), organisation).order_by("organisation", "pk"):
        changes = history.get(relais.pk)
        if not changes:
            continue  # entered without history (an old import): the bilan takes it as it is
        admin = f"/admin/relais/relaisstatuschange/?relais__id__exact={relais.pk}"
        problem = reporter("relais", relais.organisation, f"relais n° {relais.pk} ({relais}, /relais/{relais.pk}/)")

        recorded = sorted(changes, key=lambda c: (c.created_at, c.pk))
        for before, after in zip(recorded, recorded[1:], strict=False):
            if after.date < before.date:
                yield problem(
                    "dates_desordre",
                    f"le passage à « {_label(after.to_status)} » enregistré après celui à "
                    f"« {_label(before.to_status)} » est daté du {after.date:%d/%m/%Y}, avant lui "
                    f"({before.date:%d/%m/%Y}).",
                    f"corrigez la date de l'une des deux lignes de l'historique ({admin}).",
                )
        first = changes[0]
        if first.from_status or first.to_status not in (S.CANDIDAT, S.ACTIF):
            yield problem(
                "debut_impossible",
                f"l'historique commence le {first.date:%d/%m/%Y} par « {_label(first.from_status)} → "
                f"{_label(first.to_status)} » : un relais commence candidat·e ou actif·ve.",
                f"ajoutez la première ligne manquante (inscription) ou corrigez celle-ci ({admin}).",
            )
        for before, after in zip(changes, changes[1:], strict=False):
            if after.from_status != before.to_status:
                yield problem(
                    "historique_rompu",
                    f"le changement du {after.date:%d/%m/%Y} part de « {_label(after.from_status)} » alors que le "
                    f"précédent ({before.date:%d/%m/%Y}) menait à « {_label(before.to_status)} ».",
                    f"corrigez le statut de départ ou la date de l'une des deux lignes ({admin}).",
                )
            elif after.to_status not in ALLOWED_TRANSITIONS.get(before.to_status, set()):
                yield problem(
                    "passage_impossible",
                    f"le {after.date:%d/%m/%Y}, « {_label(before.to_status)} → {_label(after.to_status)} » : "
                    "le formulaire de statut refuse ce passage.",
                    f"ajoutez l'étape intermédiaire ou supprimez la ligne ({admin}).",
                )
        for change in changes:
            if change.date > today:
                yield problem(
                    "date_future",
                    f"le passage à « {_label(change.to_status)} » est daté du {change.date:%d/%m/%Y}, dans le futur.",
                    f"corrigez la date de cette ligne ({admin}).",
                )
        last = changes[-1]
        if (relais.status, relais.status_since) != (last.to_status, last.date):
            yield problem(
                "statut_contredit",
                f"la fiche dit « {_label(relais.status)} depuis le {relais.status_since:%d/%m/%Y} », "
                f"l'historique « {_label(last.to_status)} depuis le {last.date:%d/%m/%Y} ».",
                "changez le statut depuis la fiche (bouton « Changer le statut ») pour qu'il s'ajoute à "
                f"l'historique, ou corrigez la dernière ligne de l'historique ({admin}).",
            )
        started = spell_start((c.from_status, c.to_status, c.date) for c in changes)
        if relais.status == S.SORTI and relais.left_on and relais.started_on and relais.left_on < relais.started_on:
            yield problem(
                "sortie_avant_debut",
                f"sorti·e le {relais.left_on:%d/%m/%Y}, avant le début de son engagement "
                f"(« relais depuis le {relais.started_on:%d/%m/%Y} »).",
                f"la date de début d'après l'historique est le {started:%d/%m/%Y} : corrigez « relais depuis » "
                f"(/admin/relais/relais/{relais.pk}/change/)."
                if started and started <= relais.left_on
                else f"corrigez la date de sortie ou de début dans l'historique ({admin}).",
            )
        elif started != relais.started_on:
            yield problem(
                "debut_contredit",
                f"« relais depuis le {relais.started_on:%d/%m/%Y} » alors que l'historique fait commencer son "
                f"engagement le {started:%d/%m/%Y}."
                if relais.started_on and started
                else f"« relais depuis » vaut {relais.started_on or 'rien'}, l'historique dit {started or 'rien'}.",
                f"mettez « relais depuis » à la date de l'historique (/admin/relais/relais/{relais.pk}/change/).",
            )
