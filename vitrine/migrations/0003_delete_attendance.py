"""The neighbours' « Je viendrai » now belongs to initiatives
(initiatives/migrations/0007_neighbourattendance.py took over the table and its
rows): only the model's state goes from here, the table is not dropped."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('public', '0002_attendance'),
        ('initiatives', '0007_neighbourattendance'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Attendance')],
            database_operations=[],
        ),
    ]
