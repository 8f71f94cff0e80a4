"""What keeps « Devenir relais » free of robots without a third-party service:
a signed timestamp (a form sent less than MIN_SECONDS after it was shown, or
more than a day later, is refused; each one is good once), a honeypot field
(public/forms.py), and rate limits per IP address and per e-mail address in
Django's cache. The mechanics are core's (core/antispam.py); the words and
the limits are the public page's."""

from __future__ import annotations

from core import antispam as shared

SALT = "public.candidate"
MIN_SECONDS = 3
MAX_SECONDS = 86400
PER_IP = (5, 3600)  # 5 forms an hour from one address
PER_EMAIL = (2, 86400)  # 2 a day for one e-mail address or phone number

TOO_FAST = "Le formulaire a été envoyé trop vite. Relisez-le et envoyez-le à nouveau dans quelques secondes."
TOO_OLD = "Ce formulaire a expiré. Rechargez la page et remplissez-le à nouveau."
REPLAYED = "Ce formulaire a déjà été envoyé. Rechargez la page pour en remplir un nouveau."
INVALID = "Ce formulaire n'est pas valable. Rechargez la page et remplissez-le à nouveau."
TOO_MANY = "Trop de candidatures ont été envoyées d'ici. Réessayez plus tard, ou appelez l'accueil du bailleur."
HONEYPOT = "Ce formulaire n'a pas pu être enregistré."


def issue(organisation_id: int) -> str:
    return shared.issue(SALT, organisation_id)


def check_token(token: str, organisation_id: int, *, now: float | None = None) -> tuple[str, str]:
    """("", nonce) when the token is good, (the French refusal, "") otherwise.
    Does not spend it (see `spend`)."""
    refusal, nonce = shared.check_token(
        token, organisation_id, salt=SALT, min_seconds=MIN_SECONDS, max_seconds=MAX_SECONDS, now=now
    )
    refusals = {shared.INVALID: INVALID, shared.TOO_FAST: TOO_FAST, shared.TOO_OLD: TOO_OLD}
    return (refusals.get(refusal, REPLAYED) if refusal else ""), nonce


def spend(nonce: str) -> bool:
    """Mark the token used; False when it already was (two sends at once)."""
    return shared.spend(SALT, nonce, MAX_SECONDS)


def allow_ip(ip: str) -> bool:
    return shared.hit(f"public:rate:ip:{shared.network(ip)}", *PER_IP)


def allow_address(address: str) -> bool:
    return shared.hit(f"public:rate:addr:{address.strip().lower()}", *PER_EMAIL)
