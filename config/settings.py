"""One settings module, driven by environment variables.

The defaults run the whole product on one laptop with no external server: SQLite
under var/, and a filesystem broker for Celery. Production sets DATABASE_URL and
REDIS_URL (see README). A bad value fails loudly at start-up rather than later.
"""

import json
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_json(name: str, default: dict) -> dict:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = json.loads(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} is not valid JSON.") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object.")
    return value


def local_secret_key() -> str:
    """A key made once for this checkout and kept under var/.

    Never a value written in the code; production sets SECRET_KEY (several web
    processes must share one key).
    """
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: `runserver` leaves static files to whitenoise, as in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_filters",
    "core",
    "relais",
    "reunions",
    "remontees",
    "initiatives",
    "parcours",
    "engagement",
    "espace",
    "inbox",
    "vitrine",
    "enquetes",
    "bilans",
    "reseau",
    # Last: its ready() wires the access journal to the models every app registered.
    "privacy",
]

# The development toolbox (demo data, benchmarks, run_local, the floor view):
# `make run`, `make test` and `make bench` set DEVTOOLS=1; production never does.
DEVTOOLS = env_bool("DEVTOOLS", False)
if DEVTOOLS:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.security.SecurityHeadersMiddleware",
    # Before anything reads the URL (static files, sessions, views).
    "core.security.RejectControlCharactersMiddleware",
    # Static files are answered here, before sessions and the rest, but after the
    # security headers so that they carry them too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.access.AccessMiddleware",
    # A relais opening their pages: the last day seen, written once a day (relais at risk).
    "engagement.middleware.VisitMiddleware",
    "core.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "espace.middleware.OutboxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.access.access_context",
                "inbox.context.waiting_count",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        # Persistent connections with a health check: a restarted PostgreSQL is
        # reconnected to on the next request instead of failing forever.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails a request (and the health check) in
    # seconds instead of holding a web worker for the system's TCP time-out.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
    # Django reads forms' option lists with .iterator(), which on PostgreSQL opens a
    # server-side cursor: three round trips instead of one for a list of residences
    # (make bench). Nothing here streams large results; a pooler in transaction
    # mode (PgBouncer) needs them off as well.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # No JIT compilation: PostgreSQL compiles a plan whose estimate passes
    # jit_above_cost, and a page's subqueries over a large landlord's 2,000 relais
    # pass it: 84 ms of compiling for 38 ms of work, at every request (make bench,
    # README). The queries here are short; none gained from it.
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker write to the same file: wait for the
    # lock instead of failing, and take it at the start of each transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "relais.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts: e-mail is the login, nobody signs up alone (staff invite), and a
# relais who will not keep a password logs in with a one-time code.
ACCOUNT_ADAPTER = "core.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# No « remember me » box: the session length follows the role (core/access.py):
# months for a relais on their own phone, a working day for staff.
ACCOUNT_SESSION_REMEMBER = True
RELAIS_SESSION_DAYS = env_int("RELAIS_SESSION_DAYS", 180)
STAFF_SESSION_HOURS = env_int("STAFF_SESSION_HOURS", 10)
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS_ENABLED = env_bool("ACCOUNT_RATE_LIMITS_ENABLED", True)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# Two-factor authentication: staff may add an authenticator app (TOTP) with
# recovery codes; relais, on their own phone with one-time codes, are not asked.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Trait d'union"
# Personal data: the access journal is kept this long (the retention of people's
# data is set per organisation, in months after they leave).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
# Invitation links reuse the password-reset token: valid for a week.
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    # Uploaded photos and bilan PDFs: a folder (a volume in docker-compose.yml), or
    # an S3-compatible bucket with MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage
    # once django-storages[s3] is installed, and its options (bucket_name,
    # endpoint_url, region_name…) as a JSON object in MEDIA_STORAGE_OPTIONS.
    # Files are always read back through the page that owns them, never by URL.
    "default": {
        "BACKEND": env_str("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json("MEDIA_STORAGE_OPTIONS", {}),
    },
    # Static files under hashed names, compressed at collectstatic, and served by
    # whitenoise with a year's cache (a changed file gets a new name).
    "staticfiles": {"BACKEND": "config.storage.StaticFilesStorage"},
}
# Imports are parsed in memory and kept in the session until confirmed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# Above this size (about 2,000 rows), a CSV import is checked and written by a
# worker, with a page that shows its progress; below, in the request.
IMPORT_TASK_BYTES = env_int("IMPORT_TASK_BYTES", 200 * 1024)
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
# A library's document (reseau/): a PDF, an office document or an image.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
# Pixels an uploaded image may make a worker decode (core/uploads.py): a baseline
# JPEG counted after its reduced-scale decoding, everything else in full (WebP
# counts double). 20 million keeps the worst accepted image under 300 MB of
# peak memory with room to spare (manage.py bench_images, README).
MAX_IMAGE_PIXELS = env_int("MAX_IMAGE_PIXELS", 20_000_000)
# The map's background tiles ({z}/{x}/{y}); empty: markers on a blank background.
MAP_TILES_URL = env_str("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS in production: browsers are told to come back over HTTPS only (a year).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The container's own health check asks over plain HTTP, from inside.
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]
# Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the web processes add to X-Forwarded-For
# (docker-compose.yml's Caddy: 1). The client's address for rate limits is read
# that many places from the header's right end; 0: the header is ignored (anyone
# can write it) and the connection's own address counts (core/security.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# E-mail: console by default so that `make run` shows what would be sent.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mails"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Trait d'union <ne-pas-repondre@traitdunion.local>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
MESSAGE_ID_DOMAIN = env_str("MESSAGE_ID_DOMAIN", "traitdunion.local")
SMS_BACKEND = env_str("SMS_BACKEND", "core.sms.ConsoleBackend")
# For SMS_BACKEND=core.sms.HttpBackend: the provider's JSON API.
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN", "")
SMS_HTTP_SENDER = env_str("SMS_HTTP_SENDER", "TraitUnion")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
# 1 only if the provider refuses a second SMS with the same reference /
# Idempotency-Key: then an SMS whose hand-off was interrupted is sent again by
# itself; otherwise it waits for staff as « envoi incertain » (README).
SMS_HTTP_HONOURS_REFERENCE = env_bool("SMS_HTTP_HONOURS_REFERENCE", False)

# Celery. Without REDIS_URL, an embedded filesystem broker under var/ needs no
# server; with it, Redis carries the messages. The database stays the source of
# truth for what is due: the broker only carries ids.
REDIS_URL = env_str("REDIS_URL", "")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# allauth's rate limits count in the cache: with several web processes it must
# be shared, so production uses Redis; the embedded default keeps it in memory.
CACHES = {
    "default": (
        {
            # A Redis outage leaves the pages answering, with the limits off until it is back.
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tdu",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# PDFs of bilans have their own queue, served by a worker with concurrency 1
# and --max-tasks-per-child (see run_local and the README): one large document
# never delays the messages, and its memory goes back with its process.
# The attestations d'engagement (engagement/) and the network's figures (its
# members' bilans, reseau/) are made by the same worker as the bilans.
CELERY_TASK_ROUTES = {
    "bilans.tasks.*": {"queue": "bilans"},
    "engagement.tasks.*": {"queue": "bilans"},
    "reseau.tasks.*": {"queue": "bilans"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A minute in production; the deployment test shortens it so as not to wait.
DISPATCH_EVERY_SECONDS = env_int("DISPATCH_EVERY_SECONDS", 60)
# The database says what is due; beat only wakes the dispatcher. Each entry
# expires just under its interval so a backlog never piles up copies.
CELERY_BEAT_SCHEDULE = {
    "dispatch-messages": {
        "task": "core.outbox.dispatch_messages",
        "schedule": float(DISPATCH_EVERY_SECONDS),
        "options": {"expires": DISPATCH_EVERY_SECONDS * 11 / 12},
    },
    "personal-data-retention": {
        "task": "privacy.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 3600},
    },
    # What waits for each staff member who chose a digest (inbox/): it replaced
    # the Monday digest, whose overdue actions it lists among the rest.
    "handoffs-daily": {
        "task": "remontees.tasks.handoffs_daily",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 3600},
    },
    # The milestones of the day before (parcours/): each thank-you prepared once.
    "milestones-daily": {
        "task": "parcours.tasks.prepare_milestones",
        "schedule": crontab(hour=6, minute=15),
        "options": {"expires": 3600},
    },
    "daily-digest": {
        "task": "inbox.tasks.daily_digest",
        "schedule": crontab(hour=7, minute=30),
        "options": {"expires": 3600},
    },
    # The questionnaire of a meeting goes to those who came, the morning after.
    "enquetes-after-meetings": {
        "task": "enquetes.tasks.after_meetings",
        "schedule": crontab(hour=9, minute=0),
        "options": {"expires": 3600},
    },
}

# Plain lines for a person at a terminal; LOG_FORMAT=json for a log collector:
# one JSON object per line (config/logs.py), the same for gunicorn and Celery.
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is neither plain nor json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs each step of each PDF at INFO.
    "loggers": {"django.db.backends": {"level": "INFO"}, "weasyprint": {"level": "WARNING"}},
}
