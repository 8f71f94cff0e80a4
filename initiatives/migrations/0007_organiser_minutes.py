"""Organisers carry the time they gave (engagement/): the plain many-to-many
becomes a model of its own on the same table (state only), which then gains
`minutes`. No row is touched."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0006_merge_20261203_1512"),
        ("relais", "0009_merge_20261203_1512"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Organiser",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "initiative",
                            models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="initiatives.initiative"),
                        ),
                        ("relais", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="relais.relais")),
                    ],
                    options={
                        "db_table": "initiatives_initiative_organisers",
                        "unique_together": {("initiative", "relais")},
                    },
                ),
                migrations.AlterField(
                    model_name="initiative",
                    name="organisers",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="initiatives",
                        through="initiatives.Organiser",
                        to="relais.relais",
                        verbose_name="relais organisateurs",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="organiser",
            name="minutes",
            field=models.PositiveIntegerField(default=0, verbose_name="temps donné (minutes)"),
        ),
        migrations.AddConstraint(
            model_name="organiser",
            constraint=models.CheckConstraint(
                condition=models.Q(("minutes__lte", 12000)), name="organiser_minutes_sane"
            ),
        ),
    ]
