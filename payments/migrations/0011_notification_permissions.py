from django.db import migrations

from core.roles import FINANCE, grant_permissions


def grant_notification_permissions(apps, schema_editor):
    # Finance reads what the providers said; the Back-office admin has every payments right.
    grant_permissions(
        apps, {FINANCE: ["payments.view_providernotification"]}, all_of_app="payments"
    )


class Migration(migrations.Migration):
    dependencies = [("payments", "0010_providernotification_and_more")]

    operations = [
        migrations.RunPython(grant_notification_permissions, migrations.RunPython.noop),
    ]
