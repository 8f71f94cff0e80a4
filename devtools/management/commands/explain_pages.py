"""The query plans of the main pages, for a mid-size organisation (PostgreSQL).

    DEVTOOLS=1 python manage.py explain_pages [--show-all]

On the data of `bench_scale` (where the other organisations hold most of the
rows), it opens each main page once through the test client as a member of
staff (and the relais home as one of its relais) of a mid-size organisation,
runs `EXPLAIN` on every query the page made, with its parameters, and prints
the plan nodes that read a table of more than 1,000 rows in a way that does not
start from the organisation: a sequential scan, or an index scan on an index
whose first column is not the row's organisation (or a key already narrowed to
it), with sequential scans priced out (`enable_seqscan = off`: what is still
read whole has no index to use, whatever the table's size). `--show-all`
prints every plan. Exit code 1 when a page has a finding.
"""

from __future__ import annotations

import json
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import User
from devtools.management.commands.bench_scale import mid_size
from relais.models import Relais, Residence

BIG = 1000  # rows: a table smaller than this is read whole whatever the plan
PAGES = [
    ("tableau de bord", "/tableau-de-bord/", "staff"),
    ("à traiter", "/a-traiter/", "staff"),
    ("liste des relais", "/relais/", "staff"),
    ("remontées (tableau)", "/remontees/", "staff"),
    ("catalogue des initiatives", "/initiatives/", "staff"),
    ("une résidence", "/residences/{residence}/", "staff"),
    ("accueil du relais", "/espace/", "relais"),
]


def plan_of(sql: str, params) -> dict:
    """The plan with sequential scans priced out: on a test-sized database the
    planner rightly reads a small table whole; what it still scans whole with
    `enable_seqscan` off has no index it could use, at any size."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("RESET enable_seqscan")
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def table_sizes() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")
        return dict(cursor.fetchall())


def index_columns() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.relname, array_agg(a.attname ORDER BY k.n)
               FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
               CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
               LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
               GROUP BY i.relname"""
        )
        return {name: [c or "(expression)" for c in columns] for name, columns in cursor.fetchall()}


def findings(plan: dict, sizes: dict[str, int], indexes: dict[str, list[str]]) -> list[str]:
    """Nodes reading a big table from something other than the organisation.

    An index scan is fine when its condition is an equality on the index's
    first column: the organisation, or a key (a residence, a relais, a
    remontée's id) the plan already narrowed to this organisation's rows."""
    found = []
    for node in nodes(plan):
        kind, table = node.get("Node Type", ""), node.get("Relation Name", "")
        if sizes.get(table, 0) < BIG:
            continue
        if kind == "Seq Scan":
            found.append(f"Seq Scan sur {table} ({sizes[table]} lignes) filtre {node.get('Filter', '—')}")
        elif kind in ("Index Scan", "Index Only Scan", "Bitmap Index Scan"):
            columns = indexes.get(node.get("Index Name", ""), [])
            condition = node.get("Index Cond", "")
            if not condition:
                found.append(f"{kind} sans condition sur {table} par {node.get('Index Name')} {columns}")
            elif columns and not re.search(rf"\b{columns[0]}\b\s*=", condition):
                found.append(f"{kind} sur {table} par {node.get('Index Name')} {columns} : {condition}")
    return found


class Command(BaseCommand):
    help = "Plans (EXPLAIN) des requêtes des pages principales pour une organisation moyenne."

    def add_arguments(self, parser):
        parser.add_argument("--show-all", action="store_true")
        parser.add_argument("--full-sql", action="store_true")

    def handle(self, *args, show_all, full_sql, **options):
        if connection.vendor != "postgresql":
            raise CommandError("EXPLAIN se lit sur PostgreSQL : DATABASE_URL=postgres://…")
        org = mid_size()
        staff = User.objects.get(email=f"mediation@{org.slug}.test")
        relais_user = (
            User.objects.filter(relais_profiles__organisation=org, relais_profiles__status=Relais.Status.ACTIF)
            .order_by("pk")
            .first()
        )
        residence = Residence.objects.filter(organisation=org).order_by("pk").first()
        sizes, indexes = table_sizes(), index_columns()
        total = sum(n for name, n in sizes.items() if not name.startswith("pg_"))
        own = Residence.objects.filter(organisation=org).count()
        self.stdout.write(
            f"« {org.name} » : {own} résidences sur {Residence.objects.count()} ; environ {total} lignes dans la base."
        )
        bad = 0
        for name, path, who in PAGES:
            client = Client(HTTP_HOST="localhost")
            client.force_login(staff if who == "staff" else relais_user)
            url = path.format(residence=residence.pk)
            client.get(url)  # first visit of the session: not measured
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"{url} répond {response.status_code}.")
            page_findings = []
            for query in queries.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                plan = plan_of(sql, None)
                found = findings(plan, sizes, indexes)
                page_findings += [(sql, f) for f in found]
                if show_all:
                    self.stdout.write(f"\n{sql[:300]}\n{json.dumps(plan, indent=1)[:3000]}")
            self.stdout.write(f"\n{name} ({url}) : {len(queries)} requêtes, {len(page_findings)} à revoir")
            for sql, finding in page_findings:
                self.stdout.write(f"  - {finding}\n      {sql[:400] if not full_sql else sql}")
            bad += len(page_findings)
        if bad:
            raise SystemExit(1)
