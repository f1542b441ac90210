"""An order to return from, and what a refused return step must leave alone.

The order: line A 3 × 10.00 less a 1.00 discount (29.00), line B 1 × 20.00,
shipping 5.00: 54.00, shipped in one shipment from "Main", captured and
completed. Its shipment lines were charged A 29.00 and B 20.00, and the
shipment 5.00 of shipping.
"""

from __future__ import annotations

from decimal import Decimal

from orders.models import Order, OrderEvent, OrderStatus, StoreSettings
from payments.models import Payment
from returns import services as returns
from returns.models import Return, ReturnLine, StockAction
from shipments.models import Shipment, ShipmentLine, Stock
from tests.factories import FACTORY, OrderFactory
from tests.helpers import stock_snapshot

D = Decimal
LINES = [
    {"sku": "A", "product_name": "Shirt", "quantity": 3, "unit_price": D("10.00"),
     "tax_percent": D("25.00"), "discount": D("1.00")},
    {"sku": "B", "product_name": "Cap", "quantity": 1, "unit_price": D("20.00"),
     "tax_percent": D("25.00"), "discount": D("0.00")},
]  # fmt: skip


def completed_order(status: int = OrderStatus.COMPLETED) -> Order:
    return OrderFactory(status=status, lines=LINES)


def shipment_of(order: Order) -> Shipment:
    return order.shipments.get()


def line_of(order: Order, sku: str) -> ShipmentLine:
    return ShipmentLine.objects.get(shipment__order=order, order_line__sku=sku)


def make_return(order: Order, *, by=FACTORY, a: int = 1, b: int = 0, **kwargs) -> Return:
    """A return of `a` units of A and `b` of B (back to Main unless told otherwise)."""
    quantities = {line_of(order, "A").pk: a, line_of(order, "B").pk: b}
    kwargs.setdefault("stock_action", StockAction.BACK_TO_ORIGIN)
    return returns.create_return(
        shipment_id=shipment_of(order).pk, quantities=quantities, by=by, **kwargs
    )


def world(order: Order) -> dict:
    """Everything a refused return step must leave alone: returns, stock, payment, ledger,
    events (the failed ledger rows of a decline are left out)."""
    payment = Payment.objects.get(order=order)
    return {
        "returns": list(Return.objects.filter(order=order).order_by("pk").values()),
        "return_lines": list(
            ReturnLine.objects.filter(order_return__order=order).order_by("pk").values()
        ),
        "stock": stock_snapshot(),
        "payment": (payment.status, payment.captured_amount, payment.refunded_amount),
        "ledger": list(
            payment.transactions.filter(outcome="success")
            .order_by("pk")
            .values_list("pk", "kind", "amount", "return_ref")
        ),
        "events": list(OrderEvent.objects.filter(order=order).values_list("pk", flat=True)),
        "order": Order.objects.filter(pk=order.pk).values("status", "updated_at").get(),
    }


def on_hand(sku: str, warehouse: str = "Main") -> int:
    row = Stock.objects.filter(warehouse__name=warehouse, sku=sku).first()
    return row.on_hand if row else 0


def allow_handling(limit: str) -> None:
    """The store refunds handling with a return up to `limit` (default: none)."""
    settings_row = StoreSettings.load()
    settings_row.return_handling_limit = D(limit)
    settings_row.save()
