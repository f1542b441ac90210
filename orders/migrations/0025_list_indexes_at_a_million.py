from django.db import migrations, models

# Measured on a million orders (docs/benchmarks.md, issue 31):
# - The status filter's index covers every status: the Completed and Archived
#   lists walked the number index past every newer order of another status
#   (280,000 at a million) to find their first page. With the id in it the page's
#   ids are read from the index alone, which is also what makes the planner
#   prefer it to the number index.
# - The placed-date drill-down of the default list reads the visible orders'
#   placed dates: a year of archived orders is not read for their status.
# - A trigram index of the names of the orders not archived: the default list's
#   name search reads only the visible orders' rows (a common name is shared by
#   4,000 orders, 1,100 of them not archived), not every match's heap row.
#   The whole-table one of migration 0003 stays for searches among archived ones.
VISIBLE_NAME_TRGM = (
    "CREATE INDEX IF NOT EXISTS order_visible_name_trgm_idx ON orders_order "
    "USING gin ((UPPER(customer_name::text)) gin_trgm_ops) WHERE NOT (status = 5)"
)


def create_visible_name_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VISIBLE_NAME_TRGM)


def drop_visible_name_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS order_visible_name_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0024_verbose_names"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="order", name="order_unfinished_number_idx"),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                fields=["status", "-number", "id"], name="order_status_number_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                fields=["-placed_at", "-id"],
                condition=models.Q(("status", 5), _negated=True),
                name="order_visible_placed_idx",
            ),
        ),
        migrations.RunPython(create_visible_name_index, drop_visible_name_index),
    ]
