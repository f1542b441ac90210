from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from outbox import subscriptions

        subscriptions.connect_signals()
