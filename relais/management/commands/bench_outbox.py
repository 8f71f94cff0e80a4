"""Benchmark (not a test): how fast one worker empties the outbox, against the
bare cost of sending the same number of e-mails with the same backend.

    python manage.py bench_outbox --count 10000

It builds a throwaway organisation with N recipients and N due messages, runs
the send task exactly as a worker does (batches of 25, row lock, render, send,
mark) and prints the figures; then it deletes what it built.
"""

import statistics
import time

from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, get_connection
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from relais.models import Membership, Message, Organisation, User
from relais.tasks import BATCH, send_messages


def build_due_invitations(org: Organisation, count: int, *, due) -> list[User]:
    """N new users of `org`, each with a membership and an invitation due at `due`."""
    users = User.objects.bulk_create(
        [User(email=f"relais{i:05d}-{org.pk}@example.test", password="!") for i in range(count)], batch_size=2000
    )
    members = Membership.objects.bulk_create(
        [Membership(user=u, organisation=org, role=Membership.Role.RELAIS) for u in users], batch_size=2000
    )
    subject_type = ContentType.objects.get_for_model(Membership)
    Message.objects.bulk_create(
        [
            Message(
                organisation=org,
                recipient_user=m.user,
                subject_type=subject_type,
                subject_id=m.pk,
                kind="invitation-1",
                address=m.user.email,
                scheduled_for=due,
                next_attempt_at=due,
            )
            for m in members
        ],
        batch_size=2000,
    )
    return users


class Command(BaseCommand):
    help = "Mesure le débit d'envoi de l'outbox face à une simple boucle send_mail."

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
            build_due_invitations(org, count, due=due)
            out(
                f"données : {count} destinataires et messages en {time.perf_counter() - started:.1f} s "
                f"({connection.vendor}, {backend.rsplit('.', 1)[-1]})"
            )

            # Floor: the same number of e-mails through the same backend, nothing else.
            mail = get_connection()
            started = time.perf_counter()
            for i in range(count):
                EmailMessage(subject="Rappel", body="Bonjour", to=[f"floor{i}@example.test"], connection=mail).send()
            floor = time.perf_counter() - started

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
            out(f"envoyés : {sent.count()} / {count} ; retard au 99e centile : {p99:.1f} s après l'échéance")
        finally:
            Message.objects.filter(organisation=org).delete()
            User.objects.filter(memberships__organisation=org).delete()
            org.delete()
