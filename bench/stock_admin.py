"""Stock Django admin for the same models, mounted at /stock/ for bench/admin_pages.py.

What an admin written the usual way would be: `ModelAdmin`s with the same
columns, Django's own list filters and `search_fields` (`icontains` through the
joins), the default paginator (an exact `COUNT(*)`), and the order page with
editable inlines for lines, shipments and events. Only the benchmark imports it.
"""

from django.contrib import admin
from django.urls import path

from backoffice.board.site import BackOfficeSite
from centra_orders.urls import urlpatterns as project_urls
from orders.models import Order, OrderEvent, OrderLine
from payments.models import Payment
from shipments.models import Shipment


class StockSite(admin.AdminSite):
    """Django's AdminSite, plus the language page the shared base template links to."""

    def get_urls(self):
        language = path("language/", self.admin_view(self.language), name="language")
        return [language, *super().get_urls()]

    language = BackOfficeSite.language


site = StockSite(name="stock")


class LineInline(admin.TabularInline):
    model = OrderLine
    extra = 0


class ShipmentInline(admin.TabularInline):
    model = Shipment
    extra = 0


class EventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0


@admin.register(Order, site=site)
class StockOrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "placed_at",
        "customer_name",
        "customer_email",
        "shipping_country",
        "grand_total",
        "status",
        "on_hold",
    ]
    list_filter = [
        "status",
        "on_hold",
        "hold_kind",
        "market",
        "shipping_country",
        "payment__status",
        "placed_at",
    ]
    search_fields = [
        "number",
        "customer_email",
        "customer_name",
        "lines__sku",
        "shipments__tracking_number",
    ]
    inlines = [LineInline, ShipmentInline, EventInline]


@admin.register(Shipment, site=site)
class StockShipmentAdmin(admin.ModelAdmin):
    list_display = ["id", "order", "status", "warehouse", "amount", "tracking_number"]
    list_filter = ["status", "warehouse"]
    search_fields = ["tracking_number", "order__number"]
    list_select_related = ["order", "warehouse"]


@admin.register(Payment, site=site)
class StockPaymentAdmin(admin.ModelAdmin):
    list_display = ["order", "status", "method", "authorized_amount", "captured_amount"]
    list_filter = ["status", "provider"]
    search_fields = ["order__number", "provider_reference"]
    list_select_related = ["order"]


urlpatterns = [path("stock/", site.urls), *project_urls]
