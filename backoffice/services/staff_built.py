"""What every order staff make shares: built as a selection from the catalogue
(`backoffice.services.selections`), placed through the one checkout, paid by a
link, an invoice or not at all. Staff selections, exchanges and resends
(`staff_orders`, `exchanges`, `resends`) are made of these pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.services import selections
from backoffice.services.checkout import AUTHORIZE_NOW, NO_PAYMENT, PAY_BY_LINK, checkout_order
from backoffice.services.payment_links import open_payment_link
from catalog.selectors import market_of
from core.actors import Actor
from core.errors import DomainError
from core.money import ZERO, voucher_discounts
from orders.models import Order, OrderLine

INVOICE = "invoice"  # the payment method, and the manual provider behind it

PAYMENT_CHOICES = [
    (PAY_BY_LINK, gettext_lazy("Payment link: the customer pays at the test provider's page")),
    (INVOICE, gettext_lazy("Invoice: Finance marks it paid when the money is in")),
    (NO_PAYMENT, gettext_lazy("No payment (the total is 0)")),
]

ADDRESS_PARTS = ("name", "street", "city", "zipcode", "country")


@dataclass(frozen=True)
class CheckedOut:
    order: Order
    payment_link: str = ""  # the address the customer pays at, for a payment link


def check_quantities(lines: dict[str, int]) -> None:
    if not lines:
        raise DomainError(_("Choose at least one item."))
    for sku, units in lines.items():
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise DomainError(
                _("The quantity of %(sku)s must be a whole number, 1 or more.") % {"sku": sku}
            )
        if units > selections.MAX_UNITS:
            raise DomainError(
                _("At most %(max)s units of an item fit in an order.")
                % {"max": selections.MAX_UNITS}
            )


def build_staff_order(*, original: Order, lines: dict[str, int], origin: str, by: Actor) -> Order:
    """A selection for `original`'s customer: its market, addresses and language,
    `lines` (SKU → units) at the market's prices, and no shipping charged."""
    check_quantities(lines)
    order = selections.start_selection(
        market=original.market,
        country=country_for(original, original.market),
        language=original.language,
        origin=origin,
        by=by,
    )
    order.related_order = original
    order.shipping_price, order.shipping_price_by_hand = ZERO, True
    order.save(update_fields=["related_order", "shipping_price", "shipping_price_by_hand"])
    for sku, units in lines.items():
        selections.add_item(order_id=order.pk, sku=sku, quantity=units, by=by)
    return copy_customer(order, original, by=by)


def country_for(earlier: Order | None, market: str) -> str:
    """The earlier order's shipping country when the market ships there, else ""."""
    if earlier is None:
        return ""
    shipped_to = market_of(market).countries.filter(country=earlier.shipping_country)
    return earlier.shipping_country if shipped_to.exists() else ""


def copy_customer(order: Order, earlier: Order, *, by: Actor) -> Order:
    """The earlier order's e-mail, name and both addresses onto the selection."""

    def address(kind: str) -> selections.Address:
        return selections.Address(
            **{part: getattr(earlier, f"{kind}_{part}") for part in ADDRESS_PARTS}
        )

    order = selections.set_customer(
        order_id=order.pk,
        email=earlier.customer_email,
        billing=address("billing"),
        shipping=address("shipping"),
        by=by,
    )
    order.customer_name = earlier.customer_name
    order.save(update_fields=["customer_name", "updated_at"])
    return order


def credit_lines(order: Order, *, amount: Decimal) -> Order:
    """`amount` taken off the lines' price as discounts shared to the cent (the
    way a fixed voucher is), so every total, capture and refund reads it."""
    lines = list(order.lines.order_by("pk"))
    grosses = [line.unit_price * line.quantity for line in lines]
    discounts = voucher_discounts(grosses, amount=amount, currency=order.currency)
    for line, discount in zip(lines, discounts, strict=True):
        line.discount = discount
    OrderLine.objects.bulk_update(lines, ["discount"])
    order.recalculate_totals()
    order.save(update_fields=["grand_total", "updated_at"])
    return order


def place_staff_order(order: Order, *, payment: str, base_url: str, by: Actor) -> CheckedOut:
    """The one checkout, paid as `payment` says ("link", "invoice", "none")."""
    if payment not in dict(PAYMENT_CHOICES):
        raise DomainError(
            _("“%(payment)s” is not a way to pay: choose a payment link or invoice.")
            % {"payment": payment}
        )
    if payment == PAY_BY_LINK and not base_url:
        raise DomainError(_("A payment link needs the site's address."))
    if not order.customer_email:
        raise DomainError(
            _("%(order)s has no customer e-mail: the customer is told of it.") % {"order": order}
        )
    order.payment_method = INVOICE if payment == INVOICE else ""
    order.save(update_fields=["payment_method", "updated_at"])
    way = AUTHORIZE_NOW if payment == INVOICE else payment
    order = checkout_order(order_id=order.pk, by=by, payment=way)
    link = open_payment_link(order_id=order.pk, base_url=base_url) if payment == PAY_BY_LINK else ""
    return CheckedOut(order=order, payment_link=link)
