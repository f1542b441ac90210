"""The default staff groups, and a helper for the data migrations that fill them.

Each app's migration grants its own permissions, so a group gains shipment or
payment rights when that app's tables exist, and never before.
"""

from django.contrib.auth.management import create_permissions

CUSTOMER_SERVICE = "Customer service"
WAREHOUSE = "Warehouse"
FINANCE = "Finance"
BACKOFFICE_ADMIN = "Back-office admin"
DEFAULT_GROUPS = [CUSTOMER_SERVICE, WAREHOUSE, FINANCE, BACKOFFICE_ADMIN]


def grant_permissions(apps, grants: dict[str, list[str]], *, all_of_app: str = "") -> None:
    """Give groups permissions ("app_label.codename"), creating groups as needed.

    With `all_of_app`, the Back-office admin group also gets every permission of
    that app. Permissions are created first: on a fresh database Django would
    only create them after the last migration.
    """
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name in DEFAULT_GROUPS:
        Group.objects.get_or_create(name=group_name)
    for group_name, perms in grants.items():
        group = Group.objects.get(name=group_name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    if all_of_app:
        admin_group = Group.objects.get(name=BACKOFFICE_ADMIN)
        admin_group.permissions.add(*Permission.objects.filter(content_type__app_label=all_of_app))
