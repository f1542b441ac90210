"""Every shipment step × role × shipment state (order on hold or not), through the
shipments list (bulk) and the shipment page: done as docs/guide.md's shipment table
says, or refused with a message and nothing changed. The expectations are this file's own table."""

import pytest
from django.utils import timezone

from orders import services as order_services
from orders.models import HoldKind
from payments.models import Payment
from shipments.models import Shipment, ShipmentStatus
from tests.admin_support import NO_PERMISSIONS, ROLES, messages_of, role_user
from tests.factories import LineDataFactory, OrderFactory, ShipmentFactory, advance_shipment
from tests.machine_edges import edges_taken
from tests.test_admin_shipping import shipping_state

SS = ShipmentStatus
SHIPMENTS_URL = "/admin/shipments/shipment/"
DELETED = "deleted"
PAID_BY_HAND = "paid by hand"
STATES = [SS.CREATED, SS.GOOD_TO_GO, SS.PAID, PAID_BY_HAND, SS.COMPLETED]

# (shipment state, order on hold) → state after; every pair not listed is refused.
ALLOWED = {
    "good_to_go": {(SS.CREATED, False): SS.GOOD_TO_GO},
    "not_good_to_go": {(SS.GOOD_TO_GO, held): SS.CREATED for held in (False, True)},
    "capture": {(SS.GOOD_TO_GO, False): SS.PAID},
    "mark_paid": {(SS.GOOD_TO_GO, False): PAID_BY_HAND},
    "mark_unpaid": {(PAID_BY_HAND, held): SS.GOOD_TO_GO for held in (False, True)},
    "complete": {(s, False): SS.COMPLETED for s in (SS.GOOD_TO_GO, SS.PAID, PAID_BY_HAND)},
    "delete_shipment": {(s, h): DELETED for s in (SS.CREATED, SS.GOOD_TO_GO) for h in (0, 1)},
}


def row_edges(step: str, state, expected) -> set[tuple]:
    """The edges of the shipment's machine an allowed row takes (each step is its
    transition's name); completing a good-to-go shipment captures it first."""
    source = SS.PAID if state == PAID_BY_HAND else state
    if step == "complete" and state == SS.GOOD_TO_GO:
        return {(Shipment, "capture", source, SS.PAID), (Shipment, "complete", SS.PAID, expected)}
    target = {DELETED: source, PAID_BY_HAND: SS.PAID}.get(expected, expected)
    return {(Shipment, step, source, target)}


# The edges this table sees the services take (each row checks its own below).
OBSERVED_EDGES = set().union(
    *(
        row_edges(step, state, expected)
        for step, rows in ALLOWED.items()
        for (state, _held), expected in rows.items()
    )
)
CAPTURING = {"shipments.capture_shipment", "payments.capture_payment"}
BY_HAND = {"shipments.mark_paid_shipment", "payments.record_manual_payment"}
PERMISSIONS = {
    "good_to_go": {"shipments.good_to_go_shipment"},
    "not_good_to_go": {"shipments.good_to_go_shipment"},
    "capture": CAPTURING,
    "mark_paid": BY_HAND,
    "mark_unpaid": BY_HAND,
    "complete": {"shipments.complete_shipment"},
    "delete_shipment": {"shipments.delete_shipment"},
}
PAST = {
    "good_to_go": "marked good-to-go",
    "not_good_to_go": "marked no good-to-go",
    "capture": "captured",
    "mark_paid": "marked paid",
    "mark_unpaid": "marked unpaid",
    "complete": "completed",
    "delete_shipment": "deleted",
}


def shipment_in(state, held: bool) -> Shipment:
    # Two units, one shipped: the order stays Processing, so it can be held in every case.
    order = OrderFactory(status=2, lines=[LineDataFactory(quantity=2)])
    line = order.lines.get()
    shipment = ShipmentFactory(order=order, quantities={line.pk: 1})
    if state == PAID_BY_HAND:
        advance_shipment(shipment, status=SS.GOOD_TO_GO)
        from shipments.services import mark_shipment_paid

        mark_shipment_paid(shipment_id=shipment.pk, by="test", reference="BT-1")
    else:
        advance_shipment(shipment, status=state)
    if held:
        order_services.hold_order(
            order_id=order.pk, by="test", kind=HoldKind.MANUAL, reason="Check"
        )
    return Shipment.objects.select_related("order").get(pk=shipment.pk)


def step_input(step: str, shipment: Shipment) -> dict:
    if step == "complete":
        return {
            "carrier": "DHL",
            "shipped_date": timezone.localdate().isoformat(),
            f"tracking_{shipment.pk}": f"TR-{shipment.pk}",
        }
    if step == "mark_paid":
        return {"reference": "BT-2"}
    return {}


def state_of(shipment: Shipment):
    fresh = Shipment.objects.filter(pk=shipment.pk).first()
    if fresh is None:
        return DELETED
    return PAID_BY_HAND if fresh.paid_manually and fresh.status == SS.PAID else fresh.status


def full_state(shipment: Shipment) -> dict:
    payment = Payment.objects.get(order_id=shipment.order_id)
    return {
        **shipping_state(shipment.order),
        "payment": (payment.status, payment.captured_amount),
    }


def cases():
    for step in ALLOWED:
        for role in ROLES:
            for state in STATES:
                for held in (False, True):
                    yield pytest.param(step, role, state, held, id=f"{step}-{role}-{state}-{held}")


@pytest.mark.django_db
@pytest.mark.parametrize(("step", "role", "state", "held"), list(cases()))
def test_shipment_step_by_role_and_state(client, step, role, state, held):
    user = role_user(role)
    client.force_login(user)
    in_bulk, on_page = shipment_in(state, held), shipment_in(state, held)
    before = {s.pk: full_state(s) for s in (in_bulk, on_page)}

    bulk_data = {"action": step, "_selected_action": [in_bulk.pk], "post": "yes", "index": 0}
    if step in ("complete", "mark_paid", "mark_unpaid", "delete_shipment"):
        bulk_data.pop("index")
    with edges_taken(Shipment) as taken:
        bulk = client.post(SHIPMENTS_URL, {**bulk_data, **step_input(step, in_bulk)})
        page = client.post(f"{SHIPMENTS_URL}{on_page.pk}/step/{step}/", step_input(step, on_page))

    if not user.has_perm("shipments.view_shipment"):
        assert role in (NO_PERMISSIONS, "Customer service")
        assert (bulk.status_code, page.status_code) == (403, 403)
        assert {s.pk: full_state(s) for s in (in_bulk, on_page)} == before
        return
    needed = set(PERMISSIONS[step])
    if step == "complete" and state == SS.GOOD_TO_GO:
        needed |= CAPTURING  # completing a good-to-go shipment captures it first
    expected = ALLOWED[step].get((state, held)) if user.has_perms(needed) else None

    if expected is None:
        assert {s.pk: full_state(s) for s in (in_bulk, on_page)} == before
        for response in (bulk, page):
            said = messages_of(response)
            assert len(said) == 1 and said[0].endswith("."), said
    else:
        assert state_of(in_bulk) == state_of(on_page) == expected
        assert taken == row_edges(step, state, expected)
        assert messages_of(bulk) == [f"1 shipment {PAST[step]}: {in_bulk.ref}."]
        assert messages_of(page) == [f"1 shipment {PAST[step]}: {on_page.ref}."]
