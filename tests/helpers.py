"""Small assertions shared by the tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection
from django.forms.models import model_to_dict

from orders.models import Order, OrderEvent
from shipments.models import Shipment, ShipmentLine, Stock


def snapshot(order: Order) -> dict:
    """Everything about an order that a refused action must leave alone."""
    fresh = Order.objects.get(pk=order.pk)
    return {
        **model_to_dict(fresh),
        "status": fresh.status,
        "updated_at": fresh.updated_at,
        "events": OrderEvent.objects.filter(order=fresh).count(),
        "lines": list(fresh.lines.values()),
        "shipments": list(Shipment.objects.filter(order=fresh).order_by("pk").values()),
        "shipment_lines": list(
            ShipmentLine.objects.filter(shipment__order=fresh).order_by("pk").values()
        ),
    }


def stock_snapshot() -> list[dict]:
    """Every stock row, for refusals that must not allocate or release anything."""
    return list(Stock.objects.order_by("pk").values())


def payment_snapshot(order_id: int) -> dict:
    """A payment's state, amounts, successful ledger and the order's events.

    A refused or declined payment action must leave all of it alone (a decline
    adds only its failed ledger row, which this leaves out).
    """
    from payments.models import Payment

    payment = Payment.objects.get(order_id=order_id)
    return {
        "status": payment.status,
        "amounts": (payment.authorized_amount, payment.captured_amount, payment.refunded_amount),
        "updated_at": payment.updated_at,
        "ledger": list(
            payment.transactions.filter(outcome="success").values_list(
                "id", "kind", "amount", "shipment_ref", "reversed_at"
            )
        ),
        "events": OrderEvent.objects.filter(order_id=order_id).count(),
        "order": snapshot(Order(pk=order_id)),
    }


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at the same moment, each on its own database connection.

    Returns each call's result or the exception it raised.
    """
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
