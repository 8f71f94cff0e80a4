"""A database made by the previous release migrates forward with nothing lost.

`tests/fixtures/release-7076e29-demo.sql.gz` is the PostgreSQL database of release
7076e29 (before the platform's models moved to `core/`) with its demo data, made by
that release's own code:

    git worktree add ../previous 7076e29 && cd ../previous && make venv
    DATABASE_URL=postgres://root@127.0.0.1:5432/previous DEBUG=1 .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://root@127.0.0.1:5432/previous DEBUG=1 .venv/bin/python manage.py seed_demo
    pg_dump --no-owner --no-privileges previous | gzip -9 > tests/fixtures/release-7076e29-demo.sql.gz

The test restores it, runs today's `migrate`, and checks every table keeps its
rows, that rows of the moved models read the same through their new home, and
that the schema is the one a fresh database gets.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from django.db.migrations.loader import MigrationLoader

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent
DUMP = Path(__file__).parent / "fixtures" / "release-7076e29-demo.sql.gz"

pytestmark = [pytest.mark.services, pytest.mark.slow]

# What the rows of the moved models said in the previous release (read with SQL
# from the restored dump), read back through today's models.
READ_BACK = """
import json
from core.models import AuditEvent, Consent, Membership, Message, Organisation, User
print(json.dumps({
    "organisations": sorted(Organisation.objects.values_list("slug", "name", "kind")),
    "memberships": sorted(Membership.objects.values_list("user__email", "organisation__slug", "role")),
    "messages": sorted(Message.objects.values_list("pk", "kind", "state", "address")),
    "consents": sorted(Consent.objects.values_list("pk", "relais_id", "scope", "given_on")),
    "journal": AuditEvent.objects.count(),
    "users": sorted(User.objects.values_list("email", flat=True)),
    "relais_of_first_org": sorted(
        Organisation.objects.order_by("pk").first().relais.values_list("last_name", flat=True)
    ),
}, default=str))
"""

OLD_ROWS = {
    "organisations": "SELECT slug, name, kind FROM relais_organisation",
    "memberships": """SELECT u.email, o.slug, m.role FROM relais_membership m
                      JOIN relais_user u ON u.id = m.user_id JOIN relais_organisation o ON o.id = m.organisation_id""",
    "messages": "SELECT id, kind, state, address FROM relais_message",
    "consents": "SELECT id, relais_id, scope, given_on FROM privacy_consent",
    "users": "SELECT email FROM relais_user",
}


def _url(database: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{database}"))


def _connect(database: str):
    parts = urlsplit(_url(database))
    connection = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname=database
    )
    connection.autocommit = True
    return connection


def _manage(database: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": _url(database), "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _tables(connection) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        names = [row[0] for row in cursor.fetchall()]
        counts = {}
        for name in names:
            cursor.execute(f'SELECT count(*) FROM "{name}"')
            counts[name] = cursor.fetchone()[0]
    return counts


def _applied(connection) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return set(cursor.fetchall())


def _on_disk() -> set[tuple[str, str]]:
    """Every migration of the installed apps, as the code has them now."""
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _schema(connection) -> dict[str, set]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT table_name, column_name, data_type, is_nullable, character_maximum_length
               FROM information_schema.columns WHERE table_schema = 'public'"""
        )
        columns = set(cursor.fetchall())
        cursor.execute(
            """SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
               FROM pg_constraint WHERE connamespace = 'public'::regnamespace"""
        )
        constraints = set(cursor.fetchall())
        cursor.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'")
        indexes = set(cursor.fetchall())
    return {"columns": columns, "constraints": constraints, "indexes": indexes}


@pytest.fixture
def databases():
    require_service("PostgreSQL (DATABASE_URL)", os.environ.get("DATABASE_URL", "").startswith("postgres"))
    suffix = uuid.uuid4().hex[:8]
    names = {"previous": f"tdu_previous_{suffix}", "fresh": f"tdu_fresh_{suffix}"}
    admin = _connect("postgres")
    try:
        for name in names.values():
            with admin.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        yield names
    finally:
        for name in names.values():
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _restore(database: str) -> None:
    parts = urlsplit(_url(database))
    sql = gzip.decompress(DUMP.read_bytes())
    done = subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", parts.hostname, "-p", str(parts.port or 5432),
         "-U", parts.username or "root", "-d", database],
        input=sql, capture_output=True, timeout=120,
        env={**os.environ, "PGPASSWORD": parts.password or ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def test_a_database_of_the_previous_release_migrates_forward_with_nothing_lost(databases):
    _restore(databases["previous"])
    previous = _connect(databases["previous"])
    try:
        before = _tables(previous)
        applied_before = _applied(previous)
        with previous.cursor() as cursor:
            old = {}
            for key, sql in OLD_ROWS.items():
                cursor.execute(sql)
                old[key] = sorted(tuple(str(v) for v in row) for row in cursor.fetchall())
        assert before["relais_relais"] > 50 and before["relais_message"] > 0 and before["privacy_consent"] > 50

        # Every migration written since that release, each applied once (core.0001
        # and one per app whose foreign keys moved were the first of them).
        out = _manage(databases["previous"], "migrate", "--noinput")
        assert "core.0001_initial... OK" in out

        after = _tables(previous)
        # Every migration written since is applied, and only those: the ones on
        # disk that the previous release had not recorded.
        applied = _applied(previous)
        assert applied - applied_before == _on_disk() - applied_before
        for table in ("django_migrations", "django_content_type", "auth_permission"):
            after.pop(table), before.pop(table)
        # New tables start empty but for backfills: one line of history per
        # initiative (initiatives.0005); the charter each guide held, as its
        # version 1 (parcours.0002); the last visit known from the home page's
        # « seen » date (engagement.0002).
        new_tables = set(after) - set(before)
        assert after["initiatives_initiativestatuschange"] == before["initiatives_initiative"]
        with previous.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM espace_guide WHERE charter <> ''")
            charters = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM relais_relais WHERE home_seen_at IS NOT NULL")
            seen = cursor.fetchone()[0]
        assert charters and after["parcours_charterversion"] == charters
        assert after["engagement_lastseen"] == seen
        backfills = {"initiatives_initiativestatuschange", "parcours_charterversion", "engagement_lastseen"}
        assert {t for t in new_tables if after[t]} <= backfills
        assert {t: after[t] for t in before} == before, "a table lost or gained rows"
        with previous.cursor() as cursor:
            cursor.execute(
                "SELECT app_label, model FROM django_content_type WHERE model IN "
                "('organisation', 'membership', 'message', 'consent', 'auditevent', 'sensitiveflag')"
            )
            assert {label for label, _ in cursor.fetchall()} == {"core"}, "the content types follow the models"
            cursor.execute(
                """SELECT count(*), count(*) FILTER (WHERE a.organisation_id = r.organisation_id)
                   FROM reunions_actionitem a JOIN reunions_reunion r ON r.id = a.reunion_id"""
            )
            actions, filled = cursor.fetchone()
            assert actions and filled == actions, "each action names its meeting's organisation (reunions.0006)"
    finally:
        previous.close()

    now = json.loads(_manage(databases["previous"], "shell", "--no-imports", "-c", READ_BACK))
    for key, rows in old.items():
        read = sorted(tuple(str(v) for v in (row if isinstance(row, list) else [row])) for row in now[key])
        assert read == rows, key
    assert now["journal"] == before["privacy_auditevent"]
    assert len(now["relais_of_first_org"]) > 10

    _manage(databases["fresh"], "migrate", "--noinput")
    migrated, fresh = _connect(databases["previous"]), _connect(databases["fresh"])
    try:
        assert _schema(migrated) == _schema(fresh), "the migrated schema differs from a fresh one"
    finally:
        migrated.close()
        fresh.close()
