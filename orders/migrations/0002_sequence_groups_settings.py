from django.db import migrations

from core.roles import CUSTOMER_SERVICE, FINANCE, WAREHOUSE, grant_permissions

VIEW_ORDERS = ["orders.view_order", "orders.view_orderline", "orders.view_orderevent"]


def create_number_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS orders_order_number_seq START 1001")


def drop_number_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS orders_order_number_seq")


def create_groups(apps, schema_editor):
    grant_permissions(
        apps,
        {
            CUSTOMER_SERVICE: [
                *VIEW_ORDERS,
                "orders.change_order",
                "orders.confirm_order",
                "orders.unconfirm_order",
                "orders.hold_order",
                "orders.resume_order",
                "orders.cancel_order",
            ],
            WAREHOUSE: VIEW_ORDERS,
            FINANCE: VIEW_ORDERS,
        },
        all_of_app="orders",
    )


def create_store_settings(apps, schema_editor):
    apps.get_model("orders", "StoreSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_number_sequence, drop_number_sequence),
        migrations.RunPython(create_groups, migrations.RunPython.noop),
        migrations.RunPython(create_store_settings, migrations.RunPython.noop),
    ]
