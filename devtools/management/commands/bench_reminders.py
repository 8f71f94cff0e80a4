"""Benchmark (not a test): how fast one worker sends meeting reminders,
against the bare cost of sending the same number of e-mails with the same
backend.

    python manage.py bench_reminders --count 10000     (or: make bench-reminders)

It builds a throwaway organisation (devtools.builder, in bulk) with a meeting,
N invited relais and their N J-1 reminders all due at once, runs the send task exactly as a worker does
(batches of 25, row lock, render with the .ics and the answer link, send, mark)
and prints the figures; then it deletes what it built.
"""

import statistics
import time

from django.core.mail import EmailMessage, get_connection
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from core.models import Message, Organisation
from core.outbox import BATCH, send_messages
from devtools.bench import remove_organisations
from devtools.builder import Builder

BEAT_PERIOD = 60  # seconds: the dispatcher runs every minute


class Command(BaseCommand):
    help = "Mesure le débit d'envoi des rappels de réunion face à une simple boucle send_mail."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10_000)
        parser.add_argument(
            "--backend", default="django.core.mail.backends.locmem.EmailBackend", help="EMAIL_BACKEND to use"
        )

    def handle(self, *args, count, backend, **options):
        with override_settings(EMAIL_BACKEND=backend):
            self.run(count, backend)

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
