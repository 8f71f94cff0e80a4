"""Benchmark (not a test): the web stack at scale, against its own floor.

    make bench        (a database of its own, the data, then this command)

On the data of `bench_scale` — at each scale of `--scales` (make bench: 1 and
10, the larger one added to the smaller one, so that the same organisations
keep the same rows) — it serves the application as in production — gunicorn
with 2 workers (config/gunicorn.py), a Celery worker, PostgreSQL and Redis,
DEBUG off — on loopback, and:

1. for a mid-size organisation (the same at every scale) and for the largest,
   counts the SQL queries of each main page once, through the test client, then
   drives it with wrk for a fixed time at 8 connections, logged in (a session
   cookie), and the *floor* — `/plancher/`: the same door and middleware, one
   `SELECT 1` — before and after each page, in the same run: requests per
   second, p50 and p95, CPU per request, and each page's share of the floor;
   at the first scale, the public page against the *anonymous floor*
   (`/plancher/anonyme/`: no session, one `SELECT 1`; issue 22: ≥ 50 %);
2. at the first scale, a capacity run: simulated people (relais and staff,
   weighted like real use) who each wait 30 to 120 s between two actions; the
   largest number served with a p95 under 500 ms and no error;
3. the two scales side by side: what the mid-size organisation's pages lost
   when everyone else's data grew (issue 23: at most 10 % of their share), and
   the largest landlord's slowest p95 (under 300 ms);
4. the bilan PDF of the largest organisation and of the mid-size one
   (`manage.py bilan`, a process of its own, as an operator runs it: time and
   its own peak memory), the import (`bench_import`), the reminders' throughput
   in one process (`bench_reminders`) and the J-1 reminders of 50,000 relais
   sent by two Celery nodes (`bench_reminders --nodes 2`).

wrk (Debian's package) and the driver run on the same machine as the server:
they take their share of its cores, as does anything else running there.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import io
import json
import math
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.crypto import get_random_string
from pypdf import PdfReader

from core.models import Membership, Organisation, User
from devtools.bench import bilan_in_child, free_port, number, percentile
from devtools.management.commands.bench_scale import PREFIX, largest, mid_size
from initiatives.models import Initiative
from relais.models import Relais, RelaisResidence, Residence
from remontees.models import Remontee, Theme
from vitrine import services as public_services
from vitrine.models import PublicPage

HOST = "127.0.0.1"
CONNECTIONS = 8
FLOOR_SECONDS = 5
# Targets of issue 7.
SHARE_TARGET, SHARE_AIM, P95_TARGET_MS = 0.20, 0.35, 150
# Issue 22: the public page, cached, against the anonymous floor.
PUBLIC_SHARE_TARGET = 0.50
CAPACITY_P95_MS, CAPACITY_TARGET = 500, 300
# Issue 23: a mid-size organisation's pages lose at most this share when the
# others' data grows tenfold; the largest landlord's pages stay under this p95;
# its bilan under these.
SCALE_LOSS_TARGET, LARGEST_P95_MS = 0.10, 300
BILAN_SECONDS, BILAN_MB = 60, 1024
THINK = (30.0, 120.0)
CAPACITY_BUDGET = 240  # seconds for the levels of the capacity run

# wrk's report: requests, p50/p95 (µs) and every answer that is not a 200
# (wrk itself counts only 4xx/5xx, and a lost session answers 302).
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body) if status ~= 200 then not_ok = not_ok + 1 end end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("not_ok") end
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "us": %d, "p50": %d, "p95": %d, "p99": %d, '
    .. '"not_ok": %d, "socket_errors": %d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), bad,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Page:
    name: str
    path: str
    who: str  # "staff", "relais" or "anonyme" (no session)
    target: float = SHARE_TARGET  # the share of its floor it must reach


@dataclass
class Measure:
    page: Page
    queries: int = 0
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    not_ok: int = 0
    web_ms: float = 0.0  # CPU time of the gunicorn workers per request
    db_ms: float = 0.0  # CPU time of their PostgreSQL backends per request
    floor_rps: float = 0.0  # the floor's, measured just before and just after


# The main pages; {residence}: one of the organisation's.
PAGES = [
    Page("plancher", "/plancher/", "staff"),
    Page("tableau de bord", "/tableau-de-bord/", "staff"),
    Page("à traiter", "/a-traiter/", "staff"),
    Page("liste des relais", "/relais/", "staff"),
    Page("remontées (tableau)", "/remontees/", "staff"),
    Page("catalogue des initiatives", "/initiatives/", "staff"),
    Page("une résidence", "/residences/{residence}/", "staff"),
    Page("accueil du relais", "/espace/", "relais"),
]


def open_sessions(users: list[User]) -> list[str]:
    """A logged-in session per entry, as `login()` would make it, in one insert."""
    store = SessionStore()
    expire = timezone.now() + datetime.timedelta(days=1)
    backend = settings.AUTHENTICATION_BACKENDS[0]
    rows = [
        Session(
            session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
            session_data=store.encode(
                {SESSION_KEY: str(u.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: u.get_session_auth_hash()}
            ),
            expire_date=expire,
        )
        for u in users
    ]
    Session.objects.bulk_create(rows, batch_size=2000)
    return [r.session_key for r in rows]


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU time of each of these processes so far (Linux /proc)."""
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone
        times[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return times


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU time spent in between, by the processes alive at the end (a database
    connection opened meanwhile counts whole; one closed meanwhile is lost)."""
    return sum(spent - before.get(pid, 0.0) for pid, spent in after.items())


# The capacity run's people and what they do.


@dataclass
class Person:
    role: str
    cookie: str
    remontees: list[int]  # theirs (relais) or their organisation's (staff)
    relais: list[int] = field(default_factory=list)
    new: list[int] = field(default_factory=list)  # « nouvelle », for staff to answer
    residence: int = 0
    themes: list[int] = field(default_factory=list)


# (weight, action): what a person does at each visit, weighted like real use —
# relais mostly glance at their home page; staff work through the board.
RELAIS_ACTIONS = [
    (45, "home"),
    (15, "mine"),
    (10, "detail"),
    (10, "report"),
    (10, "reunions"),
    (5, "initiatives"),
    (5, "guide"),
]
STAFF_ACTIONS = [
    (20, "dashboard"),
    (25, "board"),
    (15, "detail"),
    (5, "answer"),
    (10, "relais_list"),
    (10, "relais_detail"),
    (10, "catalogue"),
    (5, "reunions"),
]
RELAIS_SHARE = 0.75  # three relais for one member of staff among the people online


def requests_for(person: Person, action: str, rng: random.Random) -> list[tuple[str, str, dict | None]]:
    """The requests of one action: a page, or a form and its answer."""
    simple = {
        "home": "/espace/",
        "mine": "/remontees/mes-remontees/",
        "reunions": "/reunions/mes-reunions/" if person.role == "relais" else "/reunions/",
        "initiatives": "/initiatives/mes-initiatives/",
        "guide": "/espace/guide/",
        "dashboard": "/tableau-de-bord/",
        "board": "/remontees/",
        "relais_list": "/relais/",
        "catalogue": "/initiatives/",
    }
    if action in simple:
        return [("GET", simple[action], None)]
    if action == "detail" and person.remontees:
        return [("GET", f"/remontees/{rng.choice(person.remontees)}/", None)]
    if action == "relais_detail" and person.relais:
        return [("GET", f"/relais/{rng.choice(person.relais)}/", None)]
    if action == "report":
        form = {
            "residence": person.residence,
            "theme": rng.choice(person.themes),
            "description": "L'éclairage du hall ne marche plus depuis lundi.",
            "client_key": str(uuid.uuid4()),
        }
        return [("GET", "/remontees/signaler/", None), ("POST", "/remontees/signaler/", form)]
    if action == "answer" and person.new:
        remontee = person.new.pop()
        form = {"status": "prise_en_compte", "comment": "Transmis au responsable de secteur."}
        return [("GET", f"/remontees/{remontee}/", None), ("POST", f"/remontees/{remontee}/statut/", form)]
    return [("GET", "/tableau-de-bord/" if person.role == "staff" else "/espace/", None)]


class Recorder:
    def __init__(self):
        self.times: list[float] = []
        self.by_page: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.counting = False

    def add(self, elapsed: float, error: str | None, page: str = "") -> None:
        if not self.counting:
            return
        self.times.append(elapsed)
        self.by_page.setdefault(page, []).append(elapsed)
        if error:
            self.errors[error] = self.errors.get(error, 0) + 1

    def slowest(self, n: int = 3) -> str:
        p95 = {page: percentile(times, 95) * 1000 for page, times in self.by_page.items() if len(times) >= 5}
        return ", ".join(f"{page} {ms:.0f} ms" for page, ms in sorted(p95.items(), key=lambda i: -i[1])[:n])


async def http(port: int, method: str, path: str, cookie: str, form: dict | None, timeout: float = 30) -> int:
    """One request on its own connection (gunicorn's sync workers close each one)."""
    csrf = "c" * 32  # a CSRF secret of our own, in the cookie and in the form
    body = urlencode({**form, "csrfmiddlewaretoken": csrf}).encode() if form is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nCookie: sessionid={cookie}; csrftoken={csrf}\r\n"
    if form is not None:
        head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
    head += "Connection: close\r\n\r\n"

    async def exchange() -> int:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            writer.write(head.encode() + body)
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            while await reader.read(65536):  # the whole answer is part of the time
                pass
            return status
        finally:
            writer.close()

    return await asyncio.wait_for(exchange(), timeout)


async def visit(port: int, person: Person, rng: random.Random, recorder: Recorder, stop: float) -> None:
    # The first visit falls where a person in the middle of their day would be:
    # the forward-recurrence time of the think time, so the load is steady at once.
    low, high = THINK
    mean = (low + high) / 2
    if rng.random() < low / mean:
        wait = rng.uniform(0, low)
    else:
        wait = high - (high - low) * math.sqrt(rng.random())
    await asyncio.sleep(wait)
    actions = RELAIS_ACTIONS if person.role == "relais" else STAFF_ACTIONS
    while time.monotonic() < stop:
        action = rng.choices([a for _, a in actions], weights=[w for w, _ in actions])[0]
        for n, (method, path, form) in enumerate(requests_for(person, action, rng)):
            if n:  # typing the form
                await asyncio.sleep(rng.uniform(*THINK))
                if time.monotonic() >= stop:
                    return
            started = time.monotonic()
            try:
                status = await http(port, method, path, person.cookie, form)
                expected = 302 if method == "POST" else 200
                error = None if status == expected else f"{method} {status}"
            except (TimeoutError, OSError, ValueError, IndexError) as exc:
                error = type(exc).__name__
            recorder.add(time.monotonic() - started, error, f"{method} {action}")
        await asyncio.sleep(rng.uniform(*THINK))


async def saturate(port: int, people: list[Person], seconds: float, rng: random.Random) -> tuple[float, float]:
    """The same mix with no think time, at 8 connections: what the stack can do at most."""
    recorder = Recorder()
    recorder.counting = True
    stop = time.monotonic() + seconds

    async def loop(i: int) -> None:
        while time.monotonic() < stop:
            person = people[rng.randrange(len(people))]
            actions = RELAIS_ACTIONS if person.role == "relais" else STAFF_ACTIONS
            action = rng.choices([a for _, a in actions], weights=[w for w, _ in actions])[0]
            for method, path, form in requests_for(person, action, rng):
                started = time.monotonic()
                try:
                    status = await http(port, method, path, person.cookie, form)
                    error = None if status in (200, 302) else str(status)
                except (TimeoutError, OSError, ValueError, IndexError) as exc:
                    error = type(exc).__name__
                recorder.add(time.monotonic() - started, error)

    started = time.monotonic()
    await asyncio.gather(*(loop(i) for i in range(CONNECTIONS)))
    elapsed = time.monotonic() - started
    return len(recorder.times) / elapsed, percentile(recorder.times, 50) * 1000


async def run_level(port: int, people: list[Person], seconds: float, warmup: float, seed: int) -> dict:
    recorder = Recorder()
    stop = time.monotonic() + warmup + seconds
    rngs = [random.Random(seed * 100_003 + i) for i in range(len(people))]
    tasks = [asyncio.create_task(visit(port, p, r, recorder, stop)) for p, r in zip(people, rngs, strict=True)]
    await asyncio.sleep(warmup)
    recorder.counting = True
    await asyncio.sleep(seconds)
    recorder.counting = False
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "users": len(people),
        "rps": len(recorder.times) / seconds,
        "p50": percentile(recorder.times, 50) * 1000,
        "p95": percentile(recorder.times, 95) * 1000,
        "requests": len(recorder.times),
        "errors": recorder.errors,
        "slowest": recorder.slowest(),
    }


class Command(BaseCommand):
    help = "Banc d'essai web : pages principales face au plancher (wrk), capacité en personnes, bilan PDF, rappels."

    def add_arguments(self, parser):
        parser.add_argument("--fresh", action="store_true", help="recréer la base, migrer et générer les données")
        parser.add_argument("--seconds", type=int, default=10, help="durée de chaque mesure wrk")
        parser.add_argument("--capacity-seconds", type=int, default=40, help="durée de chaque palier de capacité")
        parser.add_argument("--skip-capacity", action="store_true")
        parser.add_argument("--skip-pages", action="store_true")
        parser.add_argument(
            "--only",
            default="",
            help="seulement les pages dont le chemin contient ce texte, et le plancher (ni capacité, bilan, rappels)",
        )
        parser.add_argument("--reminders", type=int, default=2000)
        parser.add_argument(
            "--network-reminders",
            type=int,
            default=50_000,
            help="rappels J-1 dus à la même minute, envoyés par deux nœuds Celery (0 : sans)",
        )
        parser.add_argument(
            "--scales",
            type=lambda text: [float(x) for x in text.split(",")],
            default=[1.0, 10.0],
            help="avec --fresh : les échelles des données (bench_scale --scale), mesurées l'une après l'autre "
            "dans le même run, la plus grande ajoutée à la plus petite (par défaut 1,10)",
        )

    def handle(
        self,
        *args,
        fresh,
        seconds,
        capacity_seconds,
        skip_capacity,
        skip_pages,
        reminders,
        network_reminders,
        only,
        scales,
        **options,
    ):
        if connection.vendor != "postgresql":
            raise CommandError("Le banc d'essai tourne sur PostgreSQL : DATABASE_URL=postgres://…")
        if not shutil.which("wrk"):
            raise CommandError("wrk est nécessaire : apt-get install wrk (make bench l'installe).")
        begun = time.perf_counter()
        load_at_start = os.getloadavg()[0]
        out = self.stdout.write
        scales = sorted(set(scales))
        if fresh:
            self.recreate_database()
            call_command("migrate", interactive=False, verbosity=0)
        elif len(scales) > 1:
            raise CommandError("Plusieurs échelles ne se mesurent qu'avec --fresh (les données sont refaites).")
        call_command("collectstatic", interactive=False, verbosity=0)
        sets: dict[float, dict[str, tuple[Organisation, list[Measure]]]] = {}
        for n, scale in enumerate(scales):
            if fresh:
                out(f"\n=== Échelle ×{scale:g} ===")
                call_command("bench_scale", scale=scale, extend=n > 0, stdout=self.stdout)
            mid, big = mid_size(), largest()
            if big.size < mid.size * 2:  # no landlord far above the others at this scale
                big = None
            sets[scale] = {}
            public = []
            if n == 0 and (not only or only in "/p/"):
                public_page = publish(mid)
                public = [
                    Page("plancher anonyme", "/plancher/anonyme/", "anonyme"),
                    Page("page publique", f"/p/{mid.slug}/", "anonyme", target=PUBLIC_SHARE_TARGET),
                ]
                out(f"Sa page publique montre {public_page}.")
            with tempfile.TemporaryDirectory() as tmp, self.serve(Path(tmp)) as port:
                script = Path(tmp) / "report.lua"
                script.write_text(WRK_SCRIPT)
                for which, org in (("mid", mid), ("largest", big)):
                    if org is None or skip_pages:
                        continue
                    role = "de taille moyenne" if which == "mid" else "la plus grande"
                    measures, cookies = self.prepare(
                        org, [p for p in PAGES if p.path == "/plancher/" or only in p.path]
                    )
                    title = f"1. Échelle ×{scale:g}, « {org.name} », {role} ({describe(org)})"
                    self.pages(port, measures, cookies, script, seconds, title=title)
                    sets[scale][which] = (org, measures[1:])
                if public and not skip_pages:
                    anonymous, cookies = self.prepare(mid, public)
                    self.pages(port, anonymous, cookies, script, seconds, title="1 bis. Page publique, sans session")
                if n == 0 and not (skip_capacity or only):
                    self.capacity(port, capacity_seconds)
        if len(scales) > 1 and not skip_pages:
            self.side_by_side(scales, sets)
        if only:
            return
        big = largest()
        self.bilan(big, mid_size())
        out("\n5. Import d'un grand fichier (bench_import, par le worker) :")
        call_command("bench_import", stdout=self.stdout)
        out(f"\n6. Rappels de réunion, un worker dans le processus (bench_reminders, {number(reminders)} messages) :")
        call_command("bench_reminders", count=reminders, stdout=self.stdout)
        if network_reminders:
            out(
                f"\n7. Rappels J-1 de tout un réseau ({number(network_reminders)} relais) envoyés par deux nœuds "
                "Celery, un beat, un serveur SMTP local :"
            )
            call_command("bench_reminders", count=network_reminders, nodes=2, stdout=self.stdout)
        out(
            f"\nBanc d'essai terminé en {time.perf_counter() - begun:.0f} s. Charge de la machine (moyenne sur 1 min) "
            f"au départ : {load_at_start:.1f}, à la fin : {os.getloadavg()[0]:.1f} ; au-delà de 2 (deux cœurs), "
            "d'autres travaux tournaient et les requêtes/s sont à lire avec les colonnes CPU."
        )

    def prepare(self, org: Organisation, pages: list[Page]) -> tuple[list[Measure], dict[str, str]]:
        """Each page's SQL queries counted once through the test client, and the
        sessions wrk will use: the organisation's staff and one of its relais."""
        users = {
            "staff": User.objects.get(email=f"mediation@{org.slug}.test"),
            "relais": User.objects.filter(
                relais_profiles__organisation=org, relais_profiles__status=Relais.Status.ACTIF
            )
            .order_by("pk")
            .first(),
        }
        residence = Residence.objects.filter(organisation=org).order_by("pk").first()
        cookies = {"anonyme": ""}
        measures = []
        for page in pages:
            page = dataclasses.replace(page, path=page.path.format(residence=residence.pk))
            client = Client(HTTP_HOST=HOST)
            if page.who != "anonyme":
                client.force_login(users[page.who])
            # The session's first visit writes its policy, the public page's fills its cache: not counted.
            client.get(page.path)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page.path)
            if response.status_code != 200:
                raise CommandError(f"{page.path} répond {response.status_code} à {users.get(page.who, 'anonyme')}.")
            if page.who == "anonyme" and response.cookies:
                raise CommandError(f"{page.path} pose un cookie à un visiteur anonyme : {list(response.cookies)}.")
            measures.append(Measure(page, queries=len(queries)))
            if page.who != "anonyme":
                cookies[page.who] = client.cookies["sessionid"].value
        return measures, cookies

    def side_by_side(self, scales: list[float], sets: dict) -> None:
        """The mid-size organisation's pages at each scale: what everyone else's
        data costs it; then the largest landlord's p95."""
        out = self.stdout.write
        low, high = scales[0], scales[-1]
        if "mid" not in sets[low] or "mid" not in sets[high]:
            return
        org, before = sets[low]["mid"]
        _, after = sets[high]["mid"]
        out(
            f"\n3. Les deux échelles côte à côte : « {org.name} », la même organisation avec les mêmes données, "
            f"quand les autres passent de ×{low:g} à ×{high:g} (part du plancher mesuré dans le même run) :"
        )
        heads = [f"×{scale:g} : part   p50    p95    CPU" for scale in (low, high)]
        out(f"   {'page':27} {heads[0]:>35} {heads[1]:>35}  perte de part  CPU en plus")
        worst = 0.0
        for a, b in zip(before, after, strict=True):
            share_a, share_b = a.rps / a.floor_rps, b.rps / b.floor_rps
            loss = (share_a - share_b) / share_a
            worst = max(worst, loss)
            cpu_a, cpu_b = a.web_ms + a.db_ms, b.web_ms + b.db_ms
            out(
                f"   {a.page.name:27} {share_a * 100:12.0f} % {a.p50:4.0f} {a.p95:5.0f} ms {cpu_a:4.1f} ms"
                f" {share_b * 100:12.0f} % {b.p50:4.0f} {b.p95:5.0f} ms {cpu_b:4.1f} ms  {loss * 100:+8.1f} %"
                f"  {(cpu_b - cpu_a) / cpu_a * 100:+10.1f} %"
            )
        verdict = "atteint" if worst <= SCALE_LOSS_TARGET else "MANQUÉ"
        out(
            f"   objectif : aucune page ne perd plus de {SCALE_LOSS_TARGET * 100:.0f} % de sa part ; "
            f"la plus forte perte : {worst * 100:.1f} % ({verdict}). « CPU » : workers gunicorn et connexions "
            "PostgreSQL par requête, que le reste de la machine fausse peu ; les parts bougent de quelques points "
            "d'une mesure à l'autre."
        )
        if "largest" in sets[high]:
            org, measures = sets[high]["largest"]
            slowest = max(measures, key=lambda m: m.p95)
            verdict = "atteint" if slowest.p95 < LARGEST_P95_MS and not any(m.not_ok for m in measures) else "MANQUÉ"
            out(
                f"   « {org.name} » ({describe(org)}) : p95 le plus lent {slowest.p95:.0f} ms ({slowest.page.name}) "
                f"à {CONNECTIONS} connexions ; objectif < {LARGEST_P95_MS} ms sur chaque page ({verdict})."
            )

    # Steps

    def pages(
        self, port: int, measures: list[Measure], cookies: dict, script: Path, seconds: int, title: str = ""
    ) -> None:
        self.stdout.write(
            f"\n{title or '1. Pages principales'} ; gunicorn 2 workers, wrk {CONNECTIONS} connexions, "
            f"{seconds} s par page ; le plancher ({FLOOR_SECONDS} s) avant et après chacune :"
        )
        # Floor, page, floor, page… : each page is read against the floor measured
        # just before and just after it, whatever else the machine does meanwhile.
        floor, *main = measures

        def measure_floor() -> Measure:
            return self.wrk(
                port, Measure(floor.page, queries=floor.queries), cookies[floor.page.who], script, FLOOR_SECONDS
            )

        floors = [measure_floor()]
        for measure in main:
            self.wrk(port, measure, cookies[measure.page.who], script, seconds)
            floors.append(measure_floor())
            measure.floor_rps = statistics.mean([floors[-2].rps, floors[-1].rps])
        self.report(floors, main)

    def recreate_database(self) -> None:
        import psycopg2

        s = connection.settings_dict
        connection.close()
        try:
            server = psycopg2.connect(
                dbname="postgres", user=s["USER"], password=s["PASSWORD"], host=s["HOST"], port=s["PORT"] or 5432
            )
        except psycopg2.OperationalError as error:
            raise CommandError(f"PostgreSQL ne répond pas ({s['HOST']}:{s['PORT'] or 5432}) : {error}") from None
        server.autocommit = True
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{s["NAME"]}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{s["NAME"]}"')
        server.close()
        self.stdout.write(f"Base « {s['NAME']} » recréée.")

    @contextlib.contextmanager
    def serve(self, tmp: Path) -> Iterator[int]:
        """gunicorn with the production configuration, and a Celery worker."""
        port = free_port(HOST)
        log = open(tmp / "serve.log", "w")  # noqa: SIM115 - closed below
        # Database connections kept for the whole run, so that each one's CPU time can be read.
        env = {**os.environ, "WEB_CONCURRENCY": "2", "DB_CONN_MAX_AGE": "900"}
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "config.wsgi",
             "--bind", f"{HOST}:{port}",
             # No recycling within a 10-second measure: production recycles every
             # ~2,000 requests, minutes or hours apart at real traffic.
             "--max-requests", "0"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "celery", "-c", "1",
             "--without-mingle", "--without-gossip", "--loglevel=WARNING", "-n", f"bench-{port}@%h"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.web = web
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    status = asyncio.run(http(port, "GET", "/plancher/", "none", None, timeout=5))
                except OSError:
                    status = None
                if status == 302:
                    break
                if web.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise CommandError(f"gunicorn ne démarre pas :\n{(tmp / 'serve.log').read_text()[-3000:]}")
                time.sleep(0.2)
            yield port
        finally:
            for process in (web, worker):
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in (web, worker):
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            log.close()

    def wrk(self, port: int, measure: Measure, cookie: str, script: Path, seconds: int) -> Measure:
        url = f"http://{HOST}:{port}{measure.page.path}"
        command = ["wrk", "-t1", f"-c{CONNECTIONS}", "--timeout", "10s", "-s", str(script)]
        command += ["-H", f"Cookie: sessionid={cookie}", url] if cookie else [url]
        subprocess.run([*command[:1], "-d2s", *command[1:]], check=True, capture_output=True)  # warm-up
        web_before, db_before = cpu_seconds(self.web_pids()), cpu_seconds(self.db_pids())
        result = subprocess.run([*command[:1], f"-d{seconds}s", *command[1:]], check=True, capture_output=True)
        web_cpu = cpu_used(web_before, cpu_seconds(self.web_pids()))
        db_cpu = cpu_used(db_before, cpu_seconds(self.db_pids()))
        line = re.search(r"^RESULT (.*)$", result.stdout.decode(), re.MULTILINE)
        if line is None:
            raise CommandError(f"wrk n'a pas rendu de résultat :\n{result.stdout.decode()}{result.stderr.decode()}")
        data = json.loads(line.group(1))
        measure.rps = data["requests"] / (data["us"] / 1e6)
        measure.p50 = data["p50"] / 1000
        measure.p95 = data["p95"] / 1000
        measure.not_ok = data["not_ok"] + data["socket_errors"]
        measure.web_ms = web_cpu / max(1, data["requests"]) * 1000
        measure.db_ms = db_cpu / max(1, data["requests"]) * 1000
        return measure

    def web_pids(self) -> list[int]:
        children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def db_pids(self) -> list[int]:
        """The PostgreSQL backends serving the benchmark's database (gunicorn's, the worker's)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [pid for (pid,) in cursor.fetchall()]

    def report(self, floors: list[Measure], pages: list[Measure]) -> None:
        out = self.stdout.write
        out(
            f"   {'page':27} {'req/s':>7} {'p50':>8} {'p95':>8} {'SQL':>4} {'CPU web + base':>15} "
            f"{'part du plancher':>17}  objectifs"
        )
        rps = [f.rps for f in floors]
        floor = Measure(
            floors[0].page,
            queries=floors[0].queries,
            rps=statistics.mean(rps),
            p50=statistics.median(f.p50 for f in floors),
            p95=max(f.p95 for f in floors),
            not_ok=sum(f.not_ok for f in floors),
            web_ms=statistics.mean(f.web_ms for f in floors),
            db_ms=statistics.mean(f.db_ms for f in floors),
        )
        for m in [floor, *pages]:
            if m is floor:
                verdict = f"(référence : {len(floors)} mesures, de {min(rps):.0f} à {max(rps):.0f} req/s)"
                shown = "—"
            else:
                share = m.rps / m.floor_rps
                ok = share >= m.page.target and m.p95 < P95_TARGET_MS and not m.not_ok
                aim = m.page.target == SHARE_TARGET and share >= SHARE_AIM
                verdict = ("atteints" + (" (visée 35 % aussi)" if aim else "")) if ok else "MANQUÉS"
                shown = f"{share * 100:.0f} %"
            errors = f", {m.not_ok} réponses ≠ 200" if m.not_ok else ""
            out(
                f"   {m.page.name:27} {m.rps:7.0f} {m.p50:6.1f} ms {m.p95:6.1f} ms {m.queries:4} "
                f"{m.web_ms:5.1f} + {m.db_ms:4.1f} ms {shown:>17}  {verdict}{errors}"
            )
        targets = sorted({m.page.target for m in pages})
        out(
            f"   objectifs : chaque page ≥ {' / '.join(f'{t * 100:.0f}' for t in targets)} % des requêtes/s du "
            f"plancher mesuré juste avant et juste après elle (visée {SHARE_AIM * 100:.0f} % pour les pages "
            f"connectées), p95 < {P95_TARGET_MS} ms à {CONNECTIONS} "
            "connexions ; « CPU » : le temps de processeur des workers gunicorn et de leurs connexions "
            "PostgreSQL par requête, que le reste de la machine fausse peu."
        )

    def people(self, count: int, seed: int) -> list[Person]:
        """`count` people online, each with a session of their own: three relais
        for one member of staff, spread over the organisations by their size."""
        rng = random.Random(seed)
        orgs = list(Organisation.objects.filter(slug__startswith=PREFIX))
        themes: dict[int, list[int]] = {}
        for org_id, theme_id in Theme.objects.filter(organisation__in=orgs, is_active=True).values_list(
            "organisation_id", "pk"
        ):
            themes.setdefault(org_id, []).append(theme_id)
        relais_rows = list(
            Relais.objects.filter(organisation__in=orgs, status=Relais.Status.ACTIF, user__isnull=False)
            .select_related("user")
            .order_by("pk")
        )
        homes = dict(RelaisResidence.objects.filter(relais__in=relais_rows).values_list("relais_id", "residence_id"))
        theirs: dict[int, list[int]] = {}
        for relais_id, remontee_id in Remontee.objects.filter(relais__in=relais_rows).values_list("relais_id", "pk"):
            theirs.setdefault(relais_id, []).append(remontee_id)
        # Staff who see their whole organisation (the pages they open are the organisation's).
        staff_rows = list(
            Membership.objects.filter(organisation__in=orgs, role__in=["admin", "staff"], quartiers__isnull=True)
            .select_related("user")
            .order_by("pk")
        )
        per_org_remontees: dict[int, list[int]] = {}
        per_org_new: dict[int, list[int]] = {}
        recent = Remontee.objects.filter(organisation__in=orgs).order_by("-pk")
        for org_id, pk, status in recent.values_list("organisation_id", "pk", "status"):
            if len(per_org_remontees.setdefault(org_id, [])) < 300:
                per_org_remontees[org_id].append(pk)
            if status == Remontee.Status.NOUVELLE:
                per_org_new.setdefault(org_id, []).append(pk)
        per_org_relais: dict[int, list[int]] = {}
        for org_id, pk in Relais.objects.filter(organisation__in=orgs).values_list("organisation_id", "pk"):
            per_org_relais.setdefault(org_id, []).append(pk)

        n_relais = round(count * RELAIS_SHARE)
        chosen_relais = [relais_rows[i % len(relais_rows)] for i in range(n_relais)]
        chosen_staff = [staff_rows[i % len(staff_rows)] for i in range(count - n_relais)]
        cookies = open_sessions([r.user for r in chosen_relais] + [m.user for m in chosen_staff])
        people = [
            Person(
                role="relais",
                cookie=cookie,
                remontees=theirs.get(r.pk, []),
                residence=homes[r.pk],
                themes=themes[r.organisation_id],
            )
            for r, cookie in zip(chosen_relais, cookies, strict=False)
        ]
        for m, cookie in zip(chosen_staff, cookies[n_relais:], strict=True):
            # Staff of one organisation share its « nouvelle » remontées, each answers its own part.
            new = per_org_new.get(m.organisation_id, [])
            people.append(
                Person(
                    role="staff",
                    cookie=cookie,
                    remontees=per_org_remontees.get(m.organisation_id, []),
                    relais=per_org_relais.get(m.organisation_id, [])[:300],
                    new=new[rng.randrange(len(new) or 1) :][:20],
                )
            )
        rng.shuffle(people)
        return people

    def capacity(self, port: int, seconds: int) -> None:
        out = self.stdout.write
        out(
            f"\n2. Capacité : des personnes qui attendent {THINK[0]:.0f} à {THINK[1]:.0f} s entre deux actions "
            f"({RELAIS_SHARE * 100:.0f} % de relais, {100 - RELAIS_SHARE * 100:.0f} % d'équipe)."
        )
        sample = self.people(400, seed=1)
        rps, p50 = asyncio.run(saturate(port, sample, 15, random.Random(2)))
        mean_cycle = sum(THINK) / 2
        out(
            f"   sans temps de réflexion, {CONNECTIONS} connexions : {rps:.0f} requêtes/s au plus "
            f"(p50 {p50:.0f} ms) ; une personne fait une requête toutes les ~{mean_cycle:.0f} s."
        )
        # Levels around what the saturation predicts (the target at least), each a
        # fresh set of people; stop at the first one not held.
        predicted = rps * mean_cycle
        levels = sorted({max(CAPACITY_TARGET, int(predicted * f) // 100 * 100) for f in (0.5, 0.75, 0.9)})
        best = 0
        deadline = time.monotonic() + CAPACITY_BUDGET
        n = 0
        while n < len(levels) and time.monotonic() + seconds + 5 < deadline:
            users = levels[n]
            resource_limit(users + 1000)
            people = self.people(users, seed=10 + n)
            level = asyncio.run(run_level(port, people, seconds, warmup=5, seed=n))
            ok = level["p95"] < CAPACITY_P95_MS and not level["errors"]
            best = max(best, users) if ok else best
            errors = ", ".join(f"{k} × {v}" for k, v in level["errors"].items()) or "aucune erreur"
            out(
                f"   {number(users):>7} personnes : {level['rps']:5.1f} requêtes/s, p50 {level['p50']:4.0f} ms, "
                f"p95 {level['p95']:4.0f} ms, {errors} — {'tenu' if ok else 'NON TENU'}"
            )
            if not ok:
                out(f"            les plus lentes (p95) : {level['slowest']}")
                break
            if n == len(levels) - 1:  # all held: further, a quarter more each time, while time allows
                levels.append(int(users * 1.25) // 100 * 100)
            n += 1
        verdict = "atteint" if best >= CAPACITY_TARGET else "MANQUÉ"
        out(
            f"   ici, une machine à 2 cœurs sert au moins {number(best)} personnes avec un p95 < {CAPACITY_P95_MS} ms "
            f"et sans erreur (objectif ≥ {CAPACITY_TARGET} : {verdict})."
        )

    def bilan(self, big: Organisation, mid: Organisation) -> None:
        """The bilan PDF of the largest organisation and of the mid-size one, each
        by `manage.py bilan` in a process of its own, as an operator runs it."""
        year = timezone.localdate().year - 1
        self.stdout.write(f"\n4. Bilan PDF {year} (manage.py bilan, un processus à part ; mémoire : son pic) :")
        for org in dict.fromkeys([big, mid]):
            seconds, peak_mb, pdf = bilan_in_child(org.slug, year)
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            ok = seconds < BILAN_SECONDS and peak_mb < BILAN_MB
            self.stdout.write(
                f"   « {org.name} » ({describe(org)}) : {seconds:.1f} s, pic {peak_mb:.0f} Mo, "
                f"{len(pdf) // 1024} Ko, {pages} pages — objectif < {BILAN_SECONDS} s et < {BILAN_MB} Mo : "
                f"{'atteint' if ok else 'MANQUÉ'}"
            )


def describe(org: Organisation) -> str:
    dwellings = Residence.objects.filter(organisation=org).aggregate(n=Sum("dwellings"))["n"] or 0
    return (
        f"{number(org.residences.count())} résidences, {number(dwellings)} logements, "
        f"{number(org.relais.count())} relais, {number(Remontee.objects.filter(organisation=org).count())} remontées"
    )


def publish(org: Organisation) -> str:
    """The organisation's public page, as a landlord would publish it: every
    part shown, its upcoming events and its latest stories chosen."""
    today = timezone.localdate()
    upcoming = Initiative.objects.filter(organisation=org, status=Initiative.Status.PREVUE, starts_on__gte=today)
    done = Initiative.objects.filter(organisation=org, status=Initiative.Status.REALISEE, starts_on__lte=today)
    chosen = list(upcoming.order_by("starts_on", "pk")[:20]) + list(done.order_by("-starts_on", "-pk")[:12])
    admin = User.objects.get(email=f"mediation@{org.slug}.test")
    current = PublicPage.objects.filter(organisation=org).first() or PublicPage(organisation=org)
    current.published = current.show_names = True
    current.contact = "Accueil : 1 place de la Mairie\nDu lundi au vendredi, de 9 h à 17 h"
    public_services.public_page_save(organisation=org, by=admin, page=current, initiatives=chosen)
    upcoming_n = sum(1 for i in chosen if i.status == Initiative.Status.PREVUE)
    return f"{upcoming_n} rendez-vous à venir et {len(chosen) - upcoming_n} initiatives passées"


def resource_limit(files: int) -> None:
    """Enough file descriptors for the people waiting on an answer at once."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < files:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(files, hard), hard))
