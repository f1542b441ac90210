from django.db import migrations

from core.roles import FINANCE, WAREHOUSE, grant_permissions

VIEW_SHIPMENTS = [
    "shipments.view_shipment",
    "shipments.view_shipmentline",
    "shipments.view_warehouse",
    "shipments.view_stock",
]


def grant_shipment_permissions(apps, schema_editor):
    grant_permissions(
        apps,
        {
            WAREHOUSE: [
                *VIEW_SHIPMENTS,
                "shipments.create_shipment",
                "shipments.good_to_go_shipment",
                "shipments.capture_shipment",
                "shipments.complete_shipment",
                "shipments.delete_shipment",
                "shipments.change_stock",
                # Capturing a shipment captures its payment, and the ledger names
                # whoever asked, so the packer who completes a shipment needs it.
                "payments.capture_payment",
            ],
            FINANCE: [
                *VIEW_SHIPMENTS,
                "shipments.capture_shipment",
                "shipments.mark_paid_shipment",
            ],
        },
        all_of_app="shipments",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shipments", "0001_initial"),
        ("orders", "0002_sequence_groups_settings"),
        ("payments", "0002_finance_permissions"),
    ]

    operations = [migrations.RunPython(grant_shipment_permissions, migrations.RunPython.noop)]
