"""`started_on` is the start of the relais' last spell: a relais who left and came
back through candidat started again (the service kept the old date until now).
Recomputed from each relais' history; relais without history keep theirs."""

from itertools import groupby

from django.db import migrations

ACTIF, PAUSE = "actif", "pause"


def recompute(apps, schema_editor):
    Relais = apps.get_model("relais", "Relais")
    Change = apps.get_model("relais", "RelaisStatusChange")
    rows = Change.objects.order_by("relais_id", "date", "created_at", "pk").values_list(
        "relais_id", "from_status", "to_status", "date"
    )
    for relais_id, changes in groupby(rows.iterator(chunk_size=2000), key=lambda row: row[0]):
        # The rule of relais.models.starts_a_spell, written out: a migration keeps its own copy.
        started_on = None
        for _, from_status, to_status, date in changes:
            if to_status == ACTIF and (from_status != PAUSE or started_on is None):
                started_on = date
        if started_on is not None:  # a history that never says « actif » is for check_data to report
            Relais.objects.filter(pk=relais_id).exclude(started_on=started_on).update(started_on=started_on)


class Migration(migrations.Migration):
    dependencies = [("relais", "0007_remove_message_created_by_and_more")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
