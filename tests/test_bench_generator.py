"""The benchmark's data generator keeps up with the schema: a small run fills
every table, and the database's constraints accept every row it writes."""

import importlib.util
from pathlib import Path

import pytest

from orders.models import Order, OrderEvent, OrderLine
from payments.models import Payment, PaymentTransaction
from shipments.models import Shipment, ShipmentLine

GENERATOR = Path(__file__).resolve().parent.parent / "bench" / "generate_million.py"


def load_generator():
    spec = importlib.util.spec_from_file_location("generate_million", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.postgres("the generator's SQL: generate_series, LATERAL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_generator_fills_every_table_within_the_constraints():
    counts = load_generator().generate(400, log=lambda _: None)

    # The 400 orders and the benchmark's big order (50 lines, 10 shipments).
    assert Order.objects.count() == 401 == counts["orders"] + 1
    assert OrderLine.objects.count() == counts["lines"] + 50
    assert Shipment.objects.count() == counts["shipments"] + 10
    assert ShipmentLine.objects.exists() and Payment.objects.exists()
    assert PaymentTransaction.objects.count() >= counts["ledger rows"]
    assert OrderEvent.objects.count() >= counts["events"]
    statuses = set(Order.objects.values_list("status", flat=True))
    assert len(statuses) >= 5, statuses
