"""An action item names its organisation (its reunion's), so that an
organisation's open actions are read by an index of their own instead of a
join through every meeting."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    ActionItem = apps.get_model("reunions", "ActionItem")
    Reunion = apps.get_model("reunions", "Reunion")
    # One UPDATE, whatever the number of actions.
    ActionItem.objects.update(
        organisation_id=Subquery(Reunion.objects.filter(pk=OuterRef("reunion_id")).values("organisation_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_network"),
        ("reunions", "0005_time_given"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionitem",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="core.organisation",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
