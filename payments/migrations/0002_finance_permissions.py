from django.db import migrations

from core.roles import FINANCE, grant_permissions

VIEW_PAYMENTS = ["payments.view_payment", "payments.view_paymenttransaction"]


def grant_payment_permissions(apps, schema_editor):
    grant_permissions(
        apps,
        {
            FINANCE: [
                *VIEW_PAYMENTS,
                "payments.capture_payment",
                "payments.refund_payment",
                "payments.record_manual_payment",
            ],
        },
        all_of_app="payments",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("orders", "0002_sequence_groups_settings"),
    ]

    operations = [
        migrations.RunPython(grant_payment_permissions, migrations.RunPython.noop),
    ]
