from django.db import migrations, models


class Migration(migrations.Migration):
    """Comments are events of subject "comment" on the order's timeline."""

    dependencies = [("orders", "0005_event_order_index_dropped")]

    operations = [
        migrations.AlterField(
            model_name="orderevent",
            name="subject",
            field=models.CharField(
                choices=[
                    ("order", "Order"),
                    ("shipment", "Shipment"),
                    ("payment", "Payment"),
                    ("comment", "Comment"),
                ],
                default="order",
                max_length=16,
            ),
        ),
    ]
