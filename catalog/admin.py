"""The catalogue in the back office: products and their items with prices, pricelists,
tax rates, markets with their countries, allocation rule and shipping methods,
vouchers.

Back-office admins keep it; the other groups may look (the permissions are
granted by `catalog/migrations/0002_groups.py`).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import (
    AllocationPriority,
    Category,
    CountryTax,
    Item,
    Market,
    MarketCountry,
    Price,
    Pricelist,
    Product,
    ShippingMethod,
    Voucher,
)
from core.admin.changelist import CheckedChangeListMixin
from core.admin.inlines import LabelledTabularInline


class ItemInline(LabelledTabularInline):
    model = Item
    extra = 0
    fields = ["sku", "ean", "size", "is_active"]


@admin.register(Category)
class CategoryAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["name", "uri", "position"]
    search_fields = ["name", "uri"]
    prepopulated_fields = {"uri": ["name"]}


@admin.register(Product)
class ProductAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["name", "uri", "is_active"]
    list_filter = ["is_active", "categories"]
    filter_horizontal = ["categories"]
    search_fields = ["name", "uri", "=items__sku"]
    prepopulated_fields = {"uri": ["name"]}
    inlines = [ItemInline]


class PriceInline(LabelledTabularInline):
    model = Price
    extra = 0
    fields = ["pricelist", "amount"]


@admin.register(Item)
class ItemAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["sku", "product", "size", "ean", "is_active"]
    list_select_related = ["product"]
    list_filter = ["is_active"]
    search_fields = ["=sku", "=ean", "product__name"]
    inlines = [PriceInline]


@admin.register(Pricelist)
class PricelistAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["name", "currency"]


@admin.register(Price)
class PriceAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["item", "pricelist", "amount"]
    list_select_related = ["item", "pricelist"]
    list_filter = ["pricelist"]
    search_fields = ["=item__sku"]


@admin.register(CountryTax)
class CountryTaxAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["country", "percent"]
    search_fields = ["=country"]


class MarketCountryInline(LabelledTabularInline):
    model = MarketCountry
    extra = 0


class AllocationPriorityInline(LabelledTabularInline):
    model = AllocationPriority
    extra = 0
    verbose_name_plural = gettext_lazy(
        "allocation rule: where stock is reserved, lowest priority first"
    )

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return ["warehouse", "priority"]
        # A viewer sees the warehouse's name: Django would link it, and not every
        # group that sees the catalogue may open a warehouse.
        return ["warehouse_name", "priority"]

    def get_readonly_fields(self, request, obj=None):
        return [] if self.has_change_permission(request, obj) else self.get_fields(request, obj)

    @admin.display(description=gettext_lazy("warehouse"))
    def warehouse_name(self, priority: AllocationPriority) -> str:
        return str(priority.warehouse)


class ShippingMethodInline(LabelledTabularInline):
    model = ShippingMethod
    extra = 0
    fields = ["name", "price", "is_default"]


@admin.register(Market)
class MarketAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["code", "name", "pricelist", "allocation_rule_text"]
    list_select_related = ["pricelist"]
    inlines = [MarketCountryInline, AllocationPriorityInline, ShippingMethodInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("priorities__warehouse")

    @admin.display(description=gettext_lazy("allocation rule"))
    def allocation_rule_text(self, market: Market) -> str:
        warehouses = [str(priority.warehouse) for priority in market.priorities.all()]
        return " → ".join(warehouses) or _("at shipment creation")


@admin.register(ShippingMethod)
class ShippingMethodAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["name", "market", "price", "is_default"]
    list_select_related = ["market"]
    list_filter = ["market"]


@admin.register(Voucher)
class VoucherAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["code", "market", "percent", "amount", "is_active"]
    list_select_related = ["market"]
    list_filter = ["market", "is_active"]
    search_fields = ["code"]
