from django.db import migrations

from core.roles import FINANCE, grant_permissions


def grant_reconciliation_permissions(apps, schema_editor):
    # Finance reads the reconciliation's findings; the Back-office admin has every payments right.
    grant_permissions(
        apps,
        {FINANCE: ["payments.view_reconciliationline", "payments.view_reconciliationrun"]},
        all_of_app="payments",
    )


class Migration(migrations.Migration):
    dependencies = [("payments", "0013_reconciliation")]

    operations = [
        migrations.RunPython(grant_reconciliation_permissions, migrations.RunPython.noop),
    ]
