from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class IntegrationsConfig(AppConfig):
    name = "integrations"
    label = "integrations"
    verbose_name = gettext_lazy("Integrations")
