"""An idempotent file transport: each message is written to a file named by
its Message-ID, so delivering the same message twice leaves one file. Used by
the worker tests and the reminder benchmark; a pickup directory for a real MTA
works the same way."""

import os
import re
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class PickupDirectoryBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            raw = message.message()
            name = re.sub(r"[^A-Za-z0-9_.@-]", "_", raw["Message-ID"].strip("<>"))
            tmp = folder / f".{name}.tmp"
            tmp.write_bytes(raw.as_bytes())
            os.replace(tmp, folder / f"{name}.eml")  # atomic: never half a message
            # Every hand-off is logged, re-deliveries included: the log tells how
            # often the idempotence of the folder was needed.
            with open(folder / "deliveries.log", "a") as log:
                log.write(f"{name}\n")
        return len(email_messages)
