"""The single « date du consentement » of each relais becomes consent records.

It meant « agreed to be listed and contacted »: the date becomes a consent to be
listed, and to be contacted by e-mail and by SMS where the fiche has that
address. Nothing is invented for a relais whose date was empty.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Relais = apps.get_model("relais", "Relais")
    Consent = apps.get_model("privacy", "Consent")
    rows = []
    for relais in Relais.objects.exclude(consent_date=None).iterator():
        scopes = ["annuaire"] + (["email"] if relais.email else []) + (["sms"] if relais.phone else [])
        rows += [
            Consent(organisation_id=relais.organisation_id, relais=relais, scope=scope, given_on=relais.consent_date)
            for scope in scopes
        ]
    Consent.objects.bulk_create(rows, batch_size=500)


def backwards(apps, schema_editor):
    Relais = apps.get_model("relais", "Relais")
    Consent = apps.get_model("privacy", "Consent")
    for consent in Consent.objects.filter(scope="annuaire", withdrawn_on=None):
        Relais.objects.filter(pk=consent.relais_id).update(consent_date=consent.given_on)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial"), ("relais", "0005_retention_and_anonymisation")]
    operations = [migrations.RunPython(forwards, backwards)]
