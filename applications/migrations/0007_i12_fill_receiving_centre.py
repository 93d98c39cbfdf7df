from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    # Every submitted application was received by its unit's centre: the only rule until now.
    Application = apps.get_model("applications", "Application")
    Organisation = apps.get_model("accounts", "Organisation")
    centre = Organisation.objects.filter(pk=OuterRef("organisation_id")).values("centre_id")[:1]
    Application.objects.exclude(status="draft").update(centre_id=Subquery(centre))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("applications", "0006_i12_receiving_centre"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
