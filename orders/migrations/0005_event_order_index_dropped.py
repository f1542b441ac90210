import django.db.models.deletion
from django.db import migrations, models

# event_order_time_idx (order_id, created_at) serves every lookup of events by
# order, so the foreign key's own index only costs inserts. Django's AlterField
# would also drop and re-add the foreign key constraint, which revalidates every
# event row under a lock that blocks writes; dropping just the index does not.


def _order_index_names(schema_editor, model):
    return schema_editor._constraint_names(model, ["order_id"], index=True)


def drop_order_index(apps, schema_editor):
    model = apps.get_model("orders", "OrderEvent")
    for name in _order_index_names(schema_editor, model):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_order_index(apps, schema_editor):
    model = apps.get_model("orders", "OrderEvent")
    if not _order_index_names(schema_editor, model):
        field = model._meta.get_field("order")
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_grand_total_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="orderevent",
                    name="order",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="orders.order",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_order_index, create_order_index)],
        ),
    ]
