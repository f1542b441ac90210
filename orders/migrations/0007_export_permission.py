from django.db import migrations

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, grant_permissions


def grant_export(apps, schema_editor):
    grant_permissions(
        apps,
        {
            CUSTOMER_SERVICE: ["orders.export_order"],
            FINANCE: ["orders.export_order"],
            BACKOFFICE_ADMIN: ["orders.export_order"],
        },
    )


class Migration(migrations.Migration):
    """The right to export the orders list to CSV, for customer service, finance
    and back-office admins (the warehouse prints documents, it does not export)."""

    dependencies = [("orders", "0006_comment_events")]

    operations = [
        migrations.AlterModelOptions(
            name="order",
            options={
                "ordering": ["-number"],
                "permissions": [
                    ("checkout_order", "Can create an order from a selection (checkout)"),
                    ("confirm_order", "Can confirm orders"),
                    ("unconfirm_order", "Can unconfirm orders"),
                    ("hold_order", "Can put orders on hold"),
                    ("resume_order", "Can resume held orders"),
                    ("cancel_order", "Can cancel orders"),
                    ("archive_order", "Can archive orders"),
                    ("reactivate_order", "Can reactivate archived orders"),
                    ("purge_order", "Can permanently delete cancelled orders"),
                    ("export_order", "Can export orders to CSV"),
                ],
            },
        ),
        migrations.RunPython(grant_export, migrations.RunPython.noop),
    ]
