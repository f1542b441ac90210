from django.db import migrations, models

# A search by SKU reads the orders' ids from (sku, order) alone. The new index is
# built first, so searches keep an index while it builds; then the SKU's own two
# (sku, and its varchar_pattern_ops twin, which no LIKE uses) are dropped.


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0014_event_indexes_for_reads_only"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="orderline",
            index=models.Index(fields=["sku", "order"], name="line_sku_order_idx"),
        ),
        migrations.AlterField(
            model_name="orderline",
            name="sku",
            field=models.CharField(max_length=64, verbose_name="SKU"),
        ),
    ]
