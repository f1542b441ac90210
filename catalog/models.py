"""What the shop sells, at what price, where, and from which warehouses.

As small as checkout needs, not a PIM: a product has sellable items (one per
size, each a SKU); a pricelist prices items in one currency; tax is one rate per
country; a market groups countries, sells from one pricelist, ships by its
shipping methods and reserves stock from its warehouses in priority order (its
allocation rule). An order names its market and pricelist by `Market.code` and
`Pricelist.name`, the strings `orders.Order.market` and `.pricelist` hold.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.money import MONEY_FIELD
from shipments.models import Warehouse


class Category(models.Model):
    """A shelf of the shop: a storefront lists them and shows a category's products."""

    name = models.CharField(max_length=100)
    uri = models.SlugField(max_length=200, unique=True, help_text="Its path in the shop.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(max_length=200)
    uri = models.SlugField(max_length=200, unique=True, help_text="Its path in the shop.")
    is_active = models.BooleanField(default=True)
    categories = models.ManyToManyField(Category, related_name="products", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """One sellable variant of a product (a size): the SKU an order line names."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="items")
    sku = models.CharField("SKU", max_length=64, unique=True)
    ean = models.CharField("EAN", max_length=14, blank=True)
    size = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["product__name", "pk"]

    def __str__(self) -> str:
        return self.sku


class Pricelist(models.Model):
    name = models.CharField(max_length=64, unique=True)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Price(models.Model):
    """An item's price in a pricelist, tax included, in the pricelist's currency."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="prices")
    pricelist = models.ForeignKey(Pricelist, on_delete=models.CASCADE, related_name="prices")
    amount = models.DecimalField("price incl. tax", **MONEY_FIELD)

    class Meta:
        ordering = ["pricelist", "item"]
        constraints = [
            models.UniqueConstraint(fields=["item", "pricelist"], name="price_one_per_pricelist"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item} in {self.pricelist}"


class CountryTax(models.Model):
    """The tax rate of goods shipped to a country."""

    country = models.CharField(max_length=2, unique=True, help_text="ISO 3166 code")
    percent = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "tax rate"
        verbose_name_plural = "tax rates"
        ordering = ["country"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="country_tax_0_to_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.percent}%"


class Market(models.Model):
    code = models.CharField(
        max_length=32, unique=True, help_text="What an order's market field says, e.g. EU."
    )
    name = models.CharField(max_length=100)
    pricelist = models.ForeignKey(Pricelist, on_delete=models.PROTECT, related_name="markets")
    warehouses = models.ManyToManyField(
        Warehouse, through="AllocationPriority", related_name="markets", blank=True
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def allocation_rule(self) -> list[Warehouse]:
        """The active warehouses its orders reserve stock from, first choice first.

        Empty: the market has no allocation rule, and its orders take stock only
        when a shipment is created.
        """
        return [
            priority.warehouse
            for priority in self.priorities.select_related("warehouse").filter(
                warehouse__is_active=True
            )
        ]


class MarketCountry(models.Model):
    """A country a market sells to; a country belongs to one market."""

    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="countries")
    country = models.CharField(max_length=2, unique=True, help_text="ISO 3166 code")

    class Meta:
        verbose_name_plural = "market countries"
        ordering = ["country"]

    def __str__(self) -> str:
        return self.country


class AllocationPriority(models.Model):
    """One warehouse of a market's allocation rule; lower priority is tried first."""

    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="priorities")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    priority = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = "allocation rule warehouse"
        # Equal priorities go in the order they were added. (No unique priority:
        # swapping two in the admin's inline would break it half-way through.)
        ordering = ["market", "priority", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["market", "warehouse"], name="allocation_warehouse_once_per_market"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.priority}. {self.warehouse}"


class ShippingMethod(models.Model):
    """A way a market ships, priced in the market's pricelist currency, tax included."""

    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="shipping_methods")
    name = models.CharField(max_length=100)
    price = models.DecimalField("price incl. tax", **MONEY_FIELD)
    is_default = models.BooleanField(
        default=False, help_text="Chosen for a selection that has not chosen one."
    )

    class Meta:
        ordering = ["market", "-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["market", "name"], name="shipping_method_name_once"),
            models.UniqueConstraint(
                fields=["market"],
                condition=Q(is_default=True),
                name="shipping_method_one_default",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="shipping_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.market.code})"


class Voucher(models.Model):
    """A code a buyer types for a discount in one market: a percentage off every
    line, or a fixed amount (in the market's currency) shared across the lines by
    their price. Shipping is never discounted."""

    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="vouchers")
    code = models.CharField(max_length=64, help_text="What the buyer types; not case-sensitive.")
    percent = models.DecimalField(
        "percent off", max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(
        "amount off", max_digits=14, decimal_places=2, null=True, blank=True
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["market", "code"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Upper("code"), "market", name="voucher_code_once_per_market"
            ),
            # Exactly one of a percentage (above 0, at most 100) or an amount above 0.
            models.CheckConstraint(
                condition=(
                    Q(percent__gt=0, percent__lte=100, amount__isnull=True)
                    | Q(percent__isnull=True, amount__gt=0)
                ),
                name="voucher_percent_or_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.code
