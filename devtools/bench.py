"""What the benchmark commands share: their organisations' removal, and numbers
written the French way."""

import math
import re
import socket
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


def own_peak_mb() -> float:
    """This process's own peak resident memory (MB): VmHWM, the high-water mark of
    its address space since its exec. (getrusage's ru_maxrss is not: Linux carries
    the parent's resident size at the fork into the child's maximum.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM absent de /proc/self/status (Linux seulement)")


# Runs a script as __main__ and writes its own peak memory on stderr at exit.
MEASURED = """
import atexit, runpy, sys

def peak():  # as own_peak_mb, before Django is set up
    hwm = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")]
    sys.stderr.write(f"\\nPEAK_MB {int(hwm[0]) / 1024:.1f}\\n")

atexit.register(peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def peak_mb_in(stderr: str) -> float:
    """The peak memory a child run through MEASURED wrote on its stderr."""
    return float(re.search(r"^PEAK_MB ([\d.]+)$", stderr, re.MULTILINE).group(1))


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def bilan_in_child(slug: str, year: int) -> tuple[float, float, bytes]:
    """`manage.py bilan <slug> <year> --output` in a child process, as an operator
    would run it: its seconds, its own peak memory (MB, see `own_peak_mb`) and the PDF."""
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "bilan.pdf"
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", MEASURED, str(Path(settings.BASE_DIR) / "manage.py"), "bilan", slug, str(year),
             "--output", str(output)],
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        if done.returncode:
            raise subprocess.CalledProcessError(done.returncode, done.args, stderr=done.stderr)
        return seconds, peak_mb_in(done.stderr), output.read_bytes()
