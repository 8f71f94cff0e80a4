"""Thin test override: eager Celery, fast hasher, in-memory mail.

Everything else (database, broker) comes from the same environment variables as
production, so `DATABASE_URL=postgres://...` runs the suite on PostgreSQL.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-key")
# The tests build their data with the development toolbox (devtools), as make test does.
os.environ.setdefault("DEVTOOLS", "1")

from config.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Rate limits stay on (they are part of what is tested); each test starts with
# an empty per-process cache (tests/conftest.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False  # the test client and the live server speak plain HTTP
# Uploads are real files, as in production, in a folder of each test's own
# (tests/conftest.py sets MEDIA_ROOT under the test's tmp_path).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files from their sources, as `make run` serves them: no collectstatic
# before the tests (tests/test_deploy.py runs it where production does).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
