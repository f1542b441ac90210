from django.db import migrations, models

# anonymize_orders reads one customer's orders in keyset batches by id: with the
# id in the e-mail's index the batches are range scans of it, already in order.
# It serves the e-mail's equality lookups as the old index did, so that one goes;
# the new one is built first, so the lookups keep an index while it builds.


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0016_anonymized_customers"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["customer_email", "id"], name="order_email_id_idx"),
        ),
        migrations.RemoveIndex(model_name="order", name="order_email_idx"),
    ]
