"""What the benchmark commands share: their organisations' removal, and numbers
written the French way."""

from django.db import transaction

from core.models import User
from enquetes.models import Questionnaire
from initiatives.models import Equipment, Initiative, InitiativeKind, LogisticsLine, Partner
from relais.models import Quartier, Relais, Residence
from remontees.models import Remontee, Theme
from reunions.models import Reunion


def remove_organisations(orgs) -> None:
    """Remove benchmark organisations and their logins; protected links are
    undone from the leaves up."""
    with transaction.atomic():
        User.objects.filter(email__endswith=".test", memberships__organisation__in=orgs).delete()
        LogisticsLine.objects.filter(request__initiative__organisation__in=orgs).delete()
        Initiative.objects.filter(organisation__in=orgs).delete()
        Remontee.objects.filter(organisation__in=orgs).delete()
        Reunion.objects.filter(organisation__in=orgs).delete()
        Questionnaire.objects.filter(organisation__in=orgs).delete()
        Relais.objects.filter(organisation__in=orgs).delete()
        Residence.objects.filter(organisation__in=orgs).delete()
        for model in (Quartier, Theme, InitiativeKind, Equipment, Partner):
            model.objects.filter(organisation__in=orgs).delete()
        orgs.delete()


def number(n: int) -> str:
    """12 345, the French way (a narrow no-break space between thousands)."""
    return f"{n:,}".replace(",", "\u202f")
