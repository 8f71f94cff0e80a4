"""The neighbours' « Je viendrai » moved from the public app to initiatives:
rows written before the move are read through the new model, nothing lost."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("public", "0002_attendance"), ("initiatives", "0006_merge_20261203_1512")]


def test_rows_written_before_the_move_are_kept():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    organisation = old.get_model("core", "Organisation").objects.create(name="Habitat M", slug="habitat-m")
    kind = old.get_model("initiatives", "InitiativeKind").objects.create(organisation=organisation, name="Goûter")
    initiative = old.get_model("initiatives", "Initiative").objects.create(
        organisation=organisation, kind=kind, title="Goûter", starts_on=datetime.date(2026, 12, 20), status="prevue"
    )
    old.get_model("public", "Attendance").objects.create(
        organisation=organisation, initiative=initiative, name="Mamie Jo", household=3
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from initiatives.models import NeighbourAttendance

    row = NeighbourAttendance.objects.get()
    assert (row.initiative_id, row.name, row.household) == (initiative.pk, "Mamie Jo", 3)
    assert "public_attendance" not in connection.introspection.table_names()
