"""The action's organisation required, and read by its indexes: every action of
an organisation by due date (the bilan), its open ones (the inbox, the
reminders). Apart from 0006: PostgreSQL alters no table with the fill's
foreign-key checks still pending in the same transaction."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reunions", "0006_action_organisation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="actionitem",
            name="organisation",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.organisation"
            ),
        ),
        migrations.AddIndex(
            model_name="actionitem",
            index=models.Index(fields=["organisation", "due_on"], name="action_org_due"),
        ),
        migrations.AddIndex(
            model_name="actionitem",
            index=models.Index(
                condition=models.Q(("status", "ouverte")), fields=["organisation", "due_on"], name="action_open_due"
            ),
        ),
    ]
