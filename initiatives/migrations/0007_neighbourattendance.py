"""The neighbours' « Je viendrai » moves from the public app to initiatives,
the event's owner, so that the count can feed the initiative's report without
an upward import. The rows stay where they are: the model's state is created
here over the public app's table (no SQL), then the table takes this app's
name; public's 0003 drops the old model from its state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_merge_20261203_1638'),
        ('initiatives', '0006_merge_20261203_1512'),
        # The table this model takes over is created there.
        ('public', '0002_attendance'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='NeighbourAttendance',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(blank=True, max_length=80, verbose_name='nom ou pseudonyme')),
                        ('household', models.PositiveSmallIntegerField(default=1, verbose_name='nombre de personnes')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('initiative', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='neighbour_attendances', to='initiatives.initiative')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.organisation')),
                    ],
                    options={
                        'verbose_name': 'venue annoncée',
                        'ordering': ['created_at', 'pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('household__gte', 1), ('household__lte', 20)), name='attendance_household_sane')],
                        'db_table': 'public_attendance',
                    },
                ),
            ],
            database_operations=[],
        ),
        # Renames public_attendance to initiatives_neighbourattendance, rows and all.
        migrations.AlterModelTable(name='neighbourattendance', table=None),
    ]
