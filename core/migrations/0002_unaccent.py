"""PostgreSQL's `unaccent`, for the accent-insensitive search (core/search.py).
Nothing on SQLite, where the same function is registered on each connection."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [UnaccentExtension()]
