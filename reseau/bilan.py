"""The network's bilan: a Bilan row of the network (an organisation of kind
« réseau »), made by the bilans machinery — its states, its Celery task,
WeasyPrint — as the kind registered here says (reseau/apps.py). It adds up
what each member shares (`MemberFigures`, the dashboard's selectors) and never
counts on its own; members whose figures are stale are recomputed first, by the
service the « Recalculer » button's task runs."""

from __future__ import annotations

import datetime

from django.utils import timezone

from bilans.kinds import Kind
from bilans.models import Bilan
from reseau import selectors, services

# A member's figures computed more than a day before the bilan was asked for are
# computed again before the PDF is made (the members' data change every day).
STALE_AFTER = datetime.timedelta(hours=24)
# Recomputing 200 members' two years takes minutes: beyond the bilans' own limits.
SOFT_TIME_LIMIT = 600
TIME_LIMIT = 660


def _stale_before(bilan: Bilan) -> datetime.datetime:
    return (bilan.requested_at or timezone.now()) - STALE_AFTER


def context(bilan: Bilan, user) -> dict:
    network = bilan.organisation
    return {
        **selectors.network_bilan(user, network, year=bilan.year),
        "bilan": bilan,
        "organisation": network,
        "network": network,
        "year": bilan.year,
        "previous_year": bilan.year - 1,
        "colour": bilan.colour or "#1f5f8b",
        "stale_hours": int(STALE_AFTER.total_seconds() // 3600),
    }


def prepare(bilan: Bilan, user) -> None:
    services.network_figures_refresh(network=bilan.organisation, year=bilan.year, stale_before=_stale_before(bilan))


def progress(bilan: Bilan, user) -> str:
    done, total = selectors.figures_fresh(user, bilan.organisation, year=bilan.year, since=_stale_before(bilan))
    return (
        f"Chiffres des membres à jour\u202f: {done} sur {total}. Ceux calculés il y a plus d'un jour "
        "sont recalculés d'abord, puis le PDF est composé."
    )


NETWORK = Kind(
    name="network",
    context=context,
    page_template="reseau/bilan.html",
    pdf_template="reseau/bilan_pdf.html",
    prepare=prepare,
    progress=progress,
    partners=False,  # the network's coordination only
    periods_and_examples=False,  # members' figures are kept by calendar year
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
