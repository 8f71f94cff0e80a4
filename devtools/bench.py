"""What the benchmark commands share: their organisations' removal, and numbers
written the French way."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
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


def bilan_in_child(slug: str, year: int) -> tuple[float, float, bytes]:
    """`manage.py bilan <slug> <year> --output` in a child process, as an operator
    would run it: its seconds, its peak memory (MB, that child's own maximum
    resident set size, read by wait4) and the PDF."""
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "bilan.pdf"
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bilan", slug, str(year),
             "--output", str(output)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if child.returncode:
            raise subprocess.CalledProcessError(child.returncode, child.args)
        return seconds, usage.ru_maxrss / 1024, output.read_bytes()
