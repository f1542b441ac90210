"""The demo's orders staff made (docs/staff-orders.md), told after the markets have
their allocation rules, since a staff order reserves its stock at placement: a
phone order waiting for its payment link, an exchange of a returned item for
another size, and a resend of a parcel the carrier lost."""

from __future__ import annotations

from backoffice.demo.stories import Staff
from backoffice.services import selections
from backoffice.services.exchanges import create_exchange, replacement_choices
from backoffice.services.resends import ResendReason, create_resend
from backoffice.services.staff_orders import (
    CheckedOut,
    check_out_selection,
    start_staff_selection,
)
from orders.models import Order, OrderStatus, StoreSettings
from returns import services as returns
from returns.models import Return, ReturnReason, StockAction
from shipments.models import Shipment, ShipmentStatus

# Where the demo serves the admin (README's quick start): the payment link's host.
BASE_URL = "http://127.0.0.1:8000/"


def tell_staff_stories(staff: Staff) -> str:
    """The three orders; a line for the demo's report, naming them."""
    phone, exchanged, *others = _recent_completed_shipments(12)
    link = _phone_order(phone.order, staff)
    exchange = _exchange(exchanged, staff)
    resend = _resend(others, staff)
    made = [
        f"phone order {link.order.number} waiting for its payment link ({link.payment_link})",
        f"exchange {exchange.number} for return "
        f"{Return.objects.get(exchange_order=exchange).number}",
    ]
    if resend is not None:
        made.append(f"resend {resend.number} of order {resend.related_order.number}")
    return "Orders staff made (docs/staff-orders.md): " + "; ".join(made) + "."


def _recent_completed_shipments(count: int) -> list[Shipment]:
    """The last completed orders' shipments with nothing returned (one per order)."""
    shipments = (
        Shipment.objects.filter(
            status=ShipmentStatus.COMPLETED,
            order__status=OrderStatus.COMPLETED,
            returns__isnull=True,
        )
        .select_related("order")
        # With the sequence: an order's shipments would come back in any order, and
        # a rerun of the demo could pick another one (another exchange, another total).
        .order_by("-order__number", "sequence")
    )
    chosen: dict[int, Shipment] = {}
    for shipment in shipments[: count * 4]:
        chosen.setdefault(shipment.order_id, shipment)
    return list(chosen.values())[:count]


def _resend(shipments: list[Shipment], staff: Staff) -> Order | None:
    """The cheapest unit of the first shipment whose unit Customer service may resend."""
    limit = StoreSettings.load().resend_limit
    for shipment in shipments:
        lines = shipment.lines.select_related("order_line")
        line = lines.order_by("order_line__unit_price", "order_line_id")[0]
        if line.order_line.unit_price <= limit:
            return create_resend(
                shipment_id=shipment.pk,
                quantities={line.pk: 1},
                reason=ResendReason.LOST,
                note="The carrier lost the parcel.",
                by=staff.customer_service,
            )
    return None


def _phone_order(earlier: Order, staff: Staff) -> CheckedOut:
    """The customer of an earlier order phones in another, paid by link."""
    by = staff.customer_service
    order = start_staff_selection(market=earlier.market, from_order_id=earlier.pk, by=by)
    for line in earlier.lines.all()[:2]:
        selections.add_item(order_id=order.pk, sku=line.sku, by=by)
    return check_out_selection(order_id=order.pk, payment="link", base_url=BASE_URL, by=by)


def _exchange(shipment: Shipment, staff: Staff) -> Order:
    """One unit back for another size: the return, then its exchange order."""
    by = staff.customer_service
    line = shipment.lines.select_related("order_line").first()
    return_ = returns.create_return(
        shipment_id=shipment.pk,
        quantities={line.pk: 1},
        stock_action=StockAction.BACK_TO_ORIGIN,
        reason=ReturnReason.WRONG_SIZE,
        by=by,
    )
    [choice, *_] = replacement_choices(return_)
    sku = choice.options[0][0] if choice.options else choice.returned_sku
    return create_exchange(
        return_id=return_.pk, lines={sku: 1}, payment="link", base_url=BASE_URL, by=by
    )
