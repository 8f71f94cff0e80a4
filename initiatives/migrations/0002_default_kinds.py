from django.db import migrations

DEFAULT_KINDS = [
    "Fête des voisins",
    "Repas partagé",
    "Atelier cuisine",
    "Atelier théâtre",
    "Atelier bien-être",
    "Atelier de langue",
    "Atelier numérique",
    "Atelier couture",
    "Porte-à-porte",
    "Visite de courtoisie",
    "Jardinières et jardin partagé",
    "Sortie",
    "Action solidaire",
    "Autre",
]


def default_kinds(apps, schema_editor):
    """Organisations that exist already get the usual kinds of initiative."""
    Organisation = apps.get_model("relais", "Organisation")
    InitiativeKind = apps.get_model("initiatives", "InitiativeKind")
    for organisation in Organisation.objects.all():
        for position, name in enumerate(DEFAULT_KINDS):
            InitiativeKind.objects.get_or_create(organisation=organisation, name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0001_initial")]

    operations = [migrations.RunPython(default_kinds, migrations.RunPython.noop)]
