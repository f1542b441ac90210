from django.db import migrations

from core.roles import CUSTOMER_SERVICE, FINANCE, WAREHOUSE, grant_permissions

# Everyone who works orders may look the catalogue up; Back-office admins keep it.
VIEW_CATALOGUE = [
    "catalog.view_product",
    "catalog.view_item",
    "catalog.view_pricelist",
    "catalog.view_price",
    "catalog.view_countrytax",
    "catalog.view_market",
    "catalog.view_marketcountry",
    "catalog.view_allocationpriority",
    "catalog.view_shippingmethod",
]


def grant_catalogue_permissions(apps, schema_editor):
    grant_permissions(
        apps,
        {group: VIEW_CATALOGUE for group in (CUSTOMER_SERVICE, WAREHOUSE, FINANCE)},
        all_of_app="catalog",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("shipments", "0002_groups"),
    ]

    operations = [migrations.RunPython(grant_catalogue_permissions, migrations.RunPython.noop)]
