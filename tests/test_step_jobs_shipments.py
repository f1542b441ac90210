"""The shipments list queues its bulk steps over large selections too: the same
worker, the same progress page, with shipments in place of orders."""

from __future__ import annotations

import pytest

from backoffice.models import StepJob
from core.roles import WAREHOUSE
from orders.models import HoldKind
from orders.services import hold_order
from shipments.models import Shipment, ShipmentStatus
from tests.admin_support import messages_of, role_user
from tests.factories import LineDataFactory, OrderFactory, ShipmentFactory
from tests.test_step_jobs import progress_url, queued_message, run_all, state_line

SHIPMENTS_URL = "/admin/shipments/shipment/"
QUERY = f"?status={ShipmentStatus.CREATED}"


def created_shipment(*, held: bool = False) -> Shipment:
    order = OrderFactory(status=2, lines=[LineDataFactory(quantity=1)])
    shipment = ShipmentFactory(order=order)
    if held:
        hold_order(order_id=order.pk, by="test", kind=HoldKind.MANUAL, reason="Check")
    return shipment


@pytest.mark.django_db
def test_good_to_go_over_every_created_shipment_is_queued_and_taken(client, settings):
    settings.BACKGROUND_STEP_THRESHOLD = 3
    client.force_login(role_user(WAREHOUSE))
    free = [created_shipment() for _ in range(4)]
    held = created_shipment(held=True)

    page = client.get(SHIPMENTS_URL + QUERY).context["cl"].result_list
    response = client.post(
        SHIPMENTS_URL + QUERY,
        {"action": "good_to_go", "index": 0, "select_across": 1, "_selected_action": [page[0].pk]},
    )
    job = StepJob.objects.get()
    assert response["Location"] == progress_url(job)
    queued = queued_message("Marking good-to-go", 5, "shipments")
    assert messages_of(response)[0].startswith(queued)
    assert not Shipment.objects.exclude(status=ShipmentStatus.CREATED).exists()

    run_all()
    statuses = dict(Shipment.objects.values_list("pk", "status"))
    assert {statuses[s.pk] for s in free} == {ShipmentStatus.GOOD_TO_GO}
    assert statuses[held.pk] == ShipmentStatus.CREATED  # its order is on hold
    html = client.get(progress_url(job)).content.decode()
    assert state_line(html).startswith("Finished on ")
    assert state_line(html).endswith("4 of 5 shipments done, 1 skipped.")
    assert f'href="/admin/shipments/shipment/{free[0].pk}/change/"' in html
