from django.db import migrations

from core.roles import grant_permissions


def grant_integration_permissions(apps, schema_editor):
    # Integrations are managed by the Back-office admin group alone.
    grant_permissions(apps, {}, all_of_app="outbox")


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(grant_integration_permissions, migrations.RunPython.noop),
    ]
