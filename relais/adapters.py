from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Nobody signs up alone: staff invite relais and colleagues.
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Login codes and password resets go through Celery like every other
        # message, so a slow mail server never holds a web request.
        from relais.tasks import send_rendered_email

        msg = self.render_mail(template_prefix, email, context)
        html = next((c for c, mime in getattr(msg, "alternatives", []) if mime == "text/html"), "")
        transaction.on_commit(
            lambda: send_rendered_email.delay(
                subject=msg.subject, body=msg.body, to=list(msg.to), html=html
            )
        )
