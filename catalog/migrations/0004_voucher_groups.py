from django.db import migrations

from core.roles import CUSTOMER_SERVICE, FINANCE, WAREHOUSE, grant_permissions


# As the rest of the catalogue (0002_groups): everyone may look, Back-office admins keep.
def grant_voucher_permissions(apps, schema_editor):
    grant_permissions(
        apps,
        {group: ["catalog.view_voucher"] for group in (CUSTOMER_SERVICE, WAREHOUSE, FINANCE)},
        all_of_app="catalog",
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_vouchers")]

    operations = [migrations.RunPython(grant_voucher_permissions, migrations.RunPython.noop)]
