

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0003_list_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['grand_total'], name='order_grand_total_idx'),
        ),
    ]
