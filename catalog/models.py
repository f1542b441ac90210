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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import MONEY_FIELD
from shipments.models import Warehouse


class Category(models.Model):
    """A shelf of the shop: a storefront lists them and shows a category's products."""

    name = models.CharField(_("name"), max_length=100)
    uri = models.SlugField(
        _("uri"), max_length=200, unique=True, help_text=_("Its path in the shop.")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower comes first.")
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(_("name"), max_length=200)
    uri = models.SlugField(
        _("uri"), max_length=200, unique=True, help_text=_("Its path in the shop.")
    )
    is_active = models.BooleanField(_("is active"), default=True)
    categories = models.ManyToManyField(
        Category, related_name="products", blank=True, verbose_name=_("categories")
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """One sellable variant of a product (a size): the SKU an order line names."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="items", verbose_name=_("product")
    )
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    ean = models.CharField(_("EAN"), max_length=14, blank=True)
    size = models.CharField(_("size"), max_length=100, blank=True)
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["product__name", "pk"]

    def __str__(self) -> str:
        return self.sku


class Pricelist(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        verbose_name = _("pricelist")
        verbose_name_plural = _("pricelists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Price(models.Model):
    """An item's price in a pricelist, tax included, in the pricelist's currency."""

    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="prices", verbose_name=_("item")
    )
    pricelist = models.ForeignKey(
        Pricelist, on_delete=models.CASCADE, related_name="prices", verbose_name=_("pricelist")
    )
    amount = models.DecimalField(_("price incl. tax"), **MONEY_FIELD)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["pricelist", "item"]
        constraints = [
            models.UniqueConstraint(fields=["item", "pricelist"], name="price_one_per_pricelist"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return gettext("%(item)s in %(pricelist)s") % {
            "item": self.item,
            "pricelist": self.pricelist,
        }


class CountryTax(models.Model):
    """The tax rate of goods shipped to a country."""

    country = models.CharField(
        _("country"), max_length=2, unique=True, help_text=_("ISO 3166 code")
    )
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("tax rate")
        verbose_name_plural = _("tax rates")
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
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("What an order's market field says, e.g. EU."),
    )
    name = models.CharField(_("name"), max_length=100)
    pricelist = models.ForeignKey(
        Pricelist, on_delete=models.PROTECT, related_name="markets", verbose_name=_("pricelist")
    )
    warehouses = models.ManyToManyField(
        Warehouse,
        through="AllocationPriority",
        related_name="markets",
        blank=True,
        verbose_name=_("warehouses"),
    )

    class Meta:
        verbose_name = _("market")
        verbose_name_plural = _("markets")
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

    market = models.ForeignKey(
        Market, on_delete=models.CASCADE, related_name="countries", verbose_name=_("market")
    )
    country = models.CharField(
        _("country"), max_length=2, unique=True, help_text=_("ISO 3166 code")
    )

    class Meta:
        verbose_name = _("market country")
        verbose_name_plural = _("market countries")
        ordering = ["country"]

    def __str__(self) -> str:
        return self.country


class AllocationPriority(models.Model):
    """One warehouse of a market's allocation rule; lower priority is tried first."""

    market = models.ForeignKey(
        Market, on_delete=models.CASCADE, related_name="priorities", verbose_name=_("market")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("warehouse")
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=1)

    class Meta:
        verbose_name_plural = _("allocation rule warehouses")
        verbose_name = _("allocation rule warehouse")
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

    market = models.ForeignKey(
        Market, on_delete=models.CASCADE, related_name="shipping_methods", verbose_name=_("market")
    )
    name = models.CharField(_("name"), max_length=100)
    price = models.DecimalField(_("price incl. tax"), **MONEY_FIELD)
    is_default = models.BooleanField(
        _("is default"),
        default=False,
        help_text=_("Chosen for a selection that has not chosen one."),
    )

    class Meta:
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
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

    market = models.ForeignKey(
        Market, on_delete=models.CASCADE, related_name="vouchers", verbose_name=_("market")
    )
    code = models.CharField(
        _("code"), max_length=64, help_text=_("What the buyer types; not case-sensitive.")
    )
    percent = models.DecimalField(
        _("percent off"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(
        _("amount off"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
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
