from django.db import migrations

from core.roles import CUSTOMER_SERVICE, FINANCE, WAREHOUSE, grant_permissions

VIEW_RETURNS = ["returns.view_return", "returns.view_returnline"]


def grant_return_permissions(apps, schema_editor):
    grant_permissions(
        apps,
        {
            CUSTOMER_SERVICE: [*VIEW_RETURNS, "returns.create_return", "returns.delete_return"],
            WAREHOUSE: [*VIEW_RETURNS, "returns.complete_return", "returns.uncomplete_return"],
            # The money of a return goes back with the return's permission; the
            # free-amount refund on the payments list is a goodwill refund now
            # (payments 0006), for the Back-office admin group only.
            FINANCE: [*VIEW_RETURNS, "returns.refund_return"],
        },
        all_of_app="returns",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0001_initial"),
        ("payments", "0006_refund_per_return_goodwill_refund"),
        ("shipments", "0003_tracking_index"),
    ]

    operations = [migrations.RunPython(grant_return_permissions, migrations.RunPython.noop)]
