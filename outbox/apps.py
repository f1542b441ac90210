from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from outbox import subscriptions

        subscriptions.connect_signals()
