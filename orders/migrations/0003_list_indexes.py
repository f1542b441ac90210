from django.db import migrations, models

# Django's `icontains` on PostgreSQL emits UPPER("customer_name"::text) LIKE UPPER(%s);
# a trigram index on exactly that expression lets the admin's name search use it.
NAME_TRGM = (
    "CREATE INDEX IF NOT EXISTS order_name_trgm_idx ON orders_order "
    "USING gin ((UPPER(customer_name::text)) gin_trgm_ops)"
)


def create_name_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(NAME_TRGM)


def drop_name_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS order_name_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_sequence_groups_settings"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["market", "-number"], name="order_market_number_idx"),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                fields=["shipping_country", "-number"], name="order_country_number_idx"
            ),
        ),
        migrations.RunPython(create_name_trigram_index, drop_name_trigram_index),
    ]
