"""Carried-over agenda items copied their action owner's name into their title
(« Suivi : … (Awa Diallo, échéance …) »), which then reached everyone invited,
partners included, whatever the relais consented to. The item points at its
action: keep only « Suivi : <action> » and let the page name the owner as the
reader may see it."""

from django.db import migrations


def forget_copied_names(apps, schema_editor):
    AgendaItem = apps.get_model("reunions", "AgendaItem")
    items = list(AgendaItem.objects.filter(action__isnull=False).select_related("action"))
    for item in items:
        item.title = f"Suivi : {item.action.title}"[:300]
    AgendaItem.objects.bulk_update(items, ["title"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("reunions", "0003_alter_calendarfeed_organisation_and_more")]

    operations = [migrations.RunPython(forget_copied_names, migrations.RunPython.noop)]
