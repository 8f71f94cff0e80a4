"""`make run`'s launcher: the web server, a Celery worker with beat and the
bilans' worker, stopped together by one Ctrl-C.

A shell's `worker & runserver` would start the worker with SIGINT ignored (POSIX
does so for background jobs of non-interactive shells), leaving it running after
Ctrl-C; starting both from here keeps the signals and waits for both to stop.
"""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


def _interrupt(signum, frame):
    # A SIGTERM (from a supervisor or a test) stops everything like Ctrl-C.
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Lance le serveur web et un worker Celery avec beat ; Ctrl-C arrête tout."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        python = sys.executable
        commands = [
            [python, "-m", "celery", "-A", "config", "worker", "--beat", "-Q", "celery", "-n", "default@%h"]
            + ["--loglevel=INFO", "--concurrency=2"],
            # The bilan PDFs in their own worker: one at a time, a fresh process every 10 (memory).
            [python, "-m", "celery", "-A", "config", "worker", "-Q", "bilans", "-n", "bilans@%h"]
            + ["--loglevel=INFO", "--concurrency=1", "--max-tasks-per-child=10"],
            [python, "manage.py", "runserver", "--noreload", addrport],
        ]
        processes = [subprocess.Popen(command) for command in commands]
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("Trait d'union est arrêté.")
