from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.db import transaction
from django.utils.encoding import force_str

from core.tasks import send_rendered_email

SITE_NAME = "Trait d'union"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Nobody signs up alone: staff invite relais and colleagues.
        return False

    def format_email_subject(self, subject: str) -> str:
        # Not "[host name]": the product's name, as in our own e-mails.
        return f"[{SITE_NAME}] {force_str(subject)}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Login codes and password resets go through Celery like every other
        # message, so a slow mail server never holds a web request.
        # The context allauth's templates expect ("Bonjour, c'est {site} !").
        ctx = {
            "request": allauth_context.request,
            "email": email,
            "current_site": SimpleNamespace(name=SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc),
            **context,
        }
        msg = self.render_mail(template_prefix, email, ctx)
        html = next((c for c, mime in getattr(msg, "alternatives", []) if mime == "text/html"), "")
        # A broker out of reach is logged, not raised: the page answers, and the
        # person asks for another code (these short-lived mails are not outbox rows).
        transaction.on_commit(
            lambda: send_rendered_email.delay(subject=msg.subject, body=msg.body, to=list(msg.to), html=html),
            robust=True,
        )
