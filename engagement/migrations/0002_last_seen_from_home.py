"""A relais' last visit starts from what was known: the last time they opened
their home page (relais.home_seen_at), so that nobody looks « sans visite »
on the day visits begin to be recorded."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Relais = apps.get_model("relais", "Relais")
    LastSeen = apps.get_model("engagement", "LastSeen")
    rows = Relais.objects.filter(home_seen_at__isnull=False).values_list("pk", "home_seen_at")
    LastSeen.objects.bulk_create(
        [LastSeen(relais_id=pk, seen_on=timezone.localdate(at)) for pk, at in rows.iterator()],
        batch_size=1000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial"), ("relais", "0009_merge_20261203_1512")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
