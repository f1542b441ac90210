from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class StorefrontConfig(AppConfig):
    name = "storefront"
    verbose_name = gettext_lazy("Storefronts")

    def ready(self) -> None:
        from backoffice.demo.build import demo_built, demo_resetting
        from storefront import demo

        demo_built.connect(demo.make_demo_storefront, dispatch_uid="storefront.demo")
        demo_resetting.connect(demo.delete_storefronts, dispatch_uid="storefront.demo")
