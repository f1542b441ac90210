from django.db import migrations

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, grant_permissions

# Customer service makes orders on the phone, exchanges and resends (Centra's
# "Create selection"); a resend above the store's limit is a Back-office admin's.
# Finance marks invoice payments paid with the shipments' "mark paid" it has.
STAFF_ORDERS = [
    "orders.create_selection",
    "orders.checkout_order",
    "returns.exchange_return",
    "shipments.resend_shipment",
]


def grant_staff_order_permissions(apps, schema_editor):
    grant_permissions(
        apps,
        {
            CUSTOMER_SERVICE: STAFF_ORDERS,
            BACKOFFICE_ADMIN: [*STAFF_ORDERS, "shipments.resend_above_limit"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0004_return_exchange"),
        ("orders", "0022_order_origin"),
        ("shipments", "0007_resend_permissions"),
    ]

    operations = [migrations.RunPython(grant_staff_order_permissions, migrations.RunPython.noop)]
