from django.db import migrations, models

# The orders list hides archived orders unless asked: a broad search (a
# best-selling SKU, a common name) or a range filter joined its matching ids to
# a read of the whole table's heap for "not archived", in the count and again in
# the page. This partial index holds only the orders not archived, in the list's
# order and with their ids, so the join reads it instead (an index-only scan).


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0018_store_return_handling_limit"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                fields=["-number", "id"],
                condition=~models.Q(status=5),
                name="order_visible_number_idx",
            ),
        ),
    ]
