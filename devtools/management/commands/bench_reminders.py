"""Benchmark (not a test): how fast one worker sends meeting reminders,
against the bare cost of sending the same number of e-mails with the same
backend.

    python manage.py bench_reminders --count 10000     (or: make bench-reminders)

It builds a throwaway organisation (devtools.builder, in bulk) with a meeting,
N invited relais and their N J-1 reminders all due at once, runs the send task exactly as a worker does
(batches of 25, row lock, render with the .ics and the answer link, send, mark)
and prints the figures; then it deletes what it built.

    python manage.py bench_reminders --count 50000 --nodes 2     (make bench runs it)

With `--nodes N`, the reminders are sent as in production: N Celery worker
nodes (processes of their own, named differently), one beat waking the
dispatcher every DISPATCH_EVERY_SECONDS (a minute), and a real SMTP server on
loopback (aiosmtpd, in this process) that counts what it accepts by
Message-ID. The reminders fall due as beat starts, so the wait for its first
tick (a whole interval: the worst case) is part of the time measured.
"""

import logging
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from core.models import Message, Organisation
from core.outbox import BATCH, send_messages
from devtools.bench import free_port, number, percentile, remove_organisations
from devtools.builder import Builder

BEAT_PERIOD = 60  # seconds: the dispatcher runs every minute
TARGET = 300  # issue 23: every reminder out within 5 minutes of its due time
MESSAGE_ID = re.compile(rb"<tdu-message-(\d+)@")


class Command(BaseCommand):
    help = "Mesure le débit d'envoi des rappels de réunion face à une simple boucle send_mail."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10_000)
        parser.add_argument(
            "--backend", default="django.core.mail.backends.locmem.EmailBackend", help="EMAIL_BACKEND to use"
        )
        parser.add_argument(
            "--nodes",
            type=int,
            default=0,
            help="0 : envoyés dans ce processus ; N : par N nœuds Celery, un beat et un serveur SMTP local",
        )
        parser.add_argument("--concurrency", type=int, default=2, help="processus par nœud (avec --nodes)")

    def handle(self, *args, count, backend, nodes, concurrency, **options):
        if nodes:
            self.nodes(count, nodes, concurrency)
            return
        with override_settings(EMAIL_BACKEND=backend):
            self.run(count, backend)

    def nodes(self, count: int, nodes: int, concurrency: int) -> None:
        out = self.stdout.write
        org = Organisation.objects.create(
            name="Banc d'essai du réseau", slug=f"bench-{time.time_ns()}", kind="bailleur"
        )
        try:
            started = time.perf_counter()
            Builder(org, bulk=True).due_reminders(count, due=timezone.now())  # nobody sends them yet
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE reunions_invitee, relais_message, relais_relais")
            reminders = Message.objects.filter(organisation=org)
            out(f"   données : {count} relais invités et leurs rappels J-1 en {time.perf_counter() - started:.0f} s")
            with tempfile.TemporaryDirectory() as tmp, Smtp() as smtp, Processes(Path(tmp) / "nodes.log") as procs:
                env = {
                    **os.environ,
                    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                    "EMAIL_HOST": "127.0.0.1",
                    "EMAIL_PORT": str(smtp.port),
                    "EMAIL_USE_TLS": "0",
                    "LOG_LEVEL": "WARNING",
                }
                names = [f"rappels{n + 1}@bench" for n in range(nodes)]
                for name in names:
                    procs.start(
                        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "celery",
                         "-c", str(concurrency), "--without-mingle", "--without-gossip", "--loglevel=WARNING",
                         "-n", name],
                        env,
                    )  # fmt: skip
                procs.ready(names)
                # Due now, as beat starts: its first tick comes a whole interval later.
                due = timezone.now()
                reminders.update(scheduled_for=due, next_attempt_at=due)
                procs.start(
                    [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=WARNING",
                     "--schedule", str(Path(tmp) / "beat")],
                    env,
                )  # fmt: skip
                sent = reminders.filter(state=Message.State.SENT)
                deadline = time.monotonic() + 4 * TARGET
                while sent.count() < count and time.monotonic() < deadline:
                    procs.alive()
                    time.sleep(2)
                per_node = procs.tasks(names)
            lateness = sorted((s - due).total_seconds() for s in sent.values_list("sent_at", flat=True))
            accepted = Counter(smtp.ids)
            twice = sum(1 for n in accepted.values() if n > 1)
            within = sum(1 for late in lateness if late <= TARGET)
            last = lateness[-1] if lateness else float("nan")
            out(
                f"   {nodes} nœuds × {concurrency} processus, beat toutes les {settings.DISPATCH_EVERY_SECONDS} s : "
                f"{len(lateness)} / {count} envoyés ; le dernier {last:.0f} s après l'échéance "
                f"(médiane {percentile(lateness, 50):.0f} s, 99e centile {percentile(lateness, 99):.0f} s)"
                if lateness
                else f"   aucun rappel envoyé en {4 * TARGET} s"
            )
            share = ", ".join(f"{name} {number(n)}" for name, n in per_node.items())
            out(
                f"   lots de {BATCH} par nœud : {share} ; le serveur SMTP a accepté {len(accepted)} messages, "
                f"{twice} deux fois"
            )
            verdict = "atteint" if within == count and not twice else "MANQUÉ"
            out(
                f"   objectif : tous partis moins de {TARGET // 60} minutes après l'échéance : "
                f"{within / count * 100:.1f} % ({verdict})"
            )
        finally:
            remove_organisations(Organisation.objects.filter(pk=org.pk))

    def run(self, count: int, backend: str) -> None:
        out = self.stdout.write
        org = Organisation.objects.create(name="Banc d'essai", slug=f"bench-{time.time_ns()}", kind="bailleur")
        try:
            started = time.perf_counter()
            due = timezone.now()
            Builder(org, bulk=True).due_reminders(count, due=due)
            if connection.vendor == "postgresql":
                # Fresh statistics, as autovacuum would have them on a live
                # database: without them the planner scans the invitees table.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE reunions_invitee, relais_message, relais_relais")
            out(
                f"données : {count} destinataires et messages en {time.perf_counter() - started:.1f} s "
                f"({connection.vendor}, {backend.rsplit('.', 1)[-1]})"
            )

            # Floor: the same number of e-mails through the same backend, nothing else.
            mail = get_connection()
            started = time.perf_counter()
            for i in range(count):
                EmailMessage(
                    subject="Demain : Réunion plénière annuelle",
                    body="Bonjour",
                    to=[f"floor{i}@example.test"],
                    connection=mail,
                ).send()
            floor = time.perf_counter() - started

            # All of them fall due now, the worst case: a whole network's J-1
            # reminders at the same minute.
            due = timezone.now()
            Message.objects.filter(organisation=org).update(scheduled_for=due, next_attempt_at=due)
            ids = list(Message.objects.filter(organisation=org).order_by("pk").values_list("pk", flat=True))
            started = time.perf_counter()
            for start in range(0, len(ids), BATCH):
                send_messages(ids[start : start + BATCH])
            elapsed = time.perf_counter() - started

            sent = Message.objects.filter(organisation=org, state=Message.State.SENT)
            lateness = [(s - due).total_seconds() for s in sent.values_list("sent_at", flat=True)]
            p99 = statistics.quantiles(lateness, n=100)[98] if len(lateness) > 1 else 0.0
            out(f"boucle send_mail seule : {count / floor:8.0f} messages/s ({floor:.2f} s)")
            out(
                f"outbox, un worker      : {count / elapsed:8.0f} messages/s ({elapsed:.2f} s), "
                f"{elapsed / floor:.1f} × la boucle seule"
            )
            within = sum(1 for late in lateness if late + BEAT_PERIOD <= 300) / count * 100
            out(f"envoyés : {sent.count()} / {count} ; retard au 99e centile : {p99:.1f} s après l'échéance")
            out(
                f"en comptant jusqu'à {BEAT_PERIOD} s d'attente du battement (beat, chaque minute) : "
                f"{within:.1f} % envoyés moins de 5 minutes après l'échéance"
            )
        finally:
            remove_organisations(Organisation.objects.filter(pk=org.pk))


class Smtp:
    """A real SMTP server on loopback (aiosmtpd, a thread of this process) that
    notes the outbox id of every message it accepts."""

    def __init__(self):
        self.ids: list[int] = []

    def __enter__(self) -> "Smtp":
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command otherwise
        ids = self.ids

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                found = MESSAGE_ID.search(envelope.content)
                if found:
                    ids.append(int(found.group(1)))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class Processes:
    """Celery processes of this benchmark, each in a process group of its own."""

    def __init__(self, log: Path):
        self.log = log
        self.running: list[subprocess.Popen] = []

    def __enter__(self) -> "Processes":
        return self

    def start(self, argv: list[str], env: dict) -> None:
        with self.log.open("a") as out:
            self.running.append(
                subprocess.Popen(
                    argv, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
                )
            )

    def alive(self) -> None:
        for process in self.running:
            if process.poll() is not None:
                raise CommandError(f"un processus Celery s'est arrêté :\n{self.log.read_text()[-3000:]}")

    def ready(self, names: list[str]) -> None:
        """Until every node answers a ping."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.alive()
            answered = {name for reply in current_app.control.ping(destination=names, timeout=1) for name in reply}
            if answered >= set(names):
                return
        raise CommandError(f"les nœuds ne répondent pas :\n{self.log.read_text()[-3000:]}")

    def tasks(self, names: list[str]) -> dict[str, int]:
        """Batches each node took (its `send_messages` tasks)."""
        stats = current_app.control.inspect(destination=names, timeout=5).stats() or {}
        return {name: stats.get(name, {}).get("total", {}).get("core.outbox.send_messages", 0) for name in names}

    def __exit__(self, *exc) -> None:
        for process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
