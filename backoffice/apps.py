from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """What spans the apps: checkout, cancel, line edits, the order admin, the commands."""

    name = "backoffice"
    verbose_name = "Back office"
