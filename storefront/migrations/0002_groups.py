from django.db import migrations

from core.roles import grant_permissions


def grant_storefront_permissions(apps, schema_editor):
    # Back-office admins keep the storefronts (and may set a new secret); no other group.
    grant_permissions(apps, {}, all_of_app="storefront")


class Migration(migrations.Migration):
    dependencies = [
        ("storefront", "0001_initial"),
        ("catalog", "0005_categories"),
    ]

    operations = [migrations.RunPython(grant_storefront_permissions, migrations.RunPython.noop)]
