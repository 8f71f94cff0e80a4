"""The charter written in the guide (espace's Guide.charter) becomes version 1
of the versioned charter, published when the guide was last saved; from now on
a new version is published in parcours and each relais signs it."""

from django.db import migrations


def forward(apps, schema_editor):
    Guide = apps.get_model("espace", "Guide")
    CharterVersion = apps.get_model("parcours", "CharterVersion")
    versions = [
        CharterVersion(
            organisation_id=guide.organisation_id,
            number=1,
            text=guide.charter.strip(),
            published_at=guide.updated_at,
            published_by_id=guide.updated_by_id,
        )
        for guide in Guide.objects.exclude(charter="").order_by("pk")
        if guide.charter.strip()
    ]
    CharterVersion.objects.bulk_create(versions, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("parcours", "0001_initial"),
        ("espace", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
