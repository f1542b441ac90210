"""Every return step × return state × role, as data, through the services.

Each case gets the exact result, or a refusal in one sentence that changed
nothing (returns, stock, payment, ledger, events). The return of the table:
1 × A (9.67 EUR, see tests/returns_support.py) back to Main.
"""

from decimal import Decimal

import pytest

from core.errors import DomainError, NotPermitted
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders.models import OrderEvent
from payments.models import Payment
from returns import services as returns
from returns.models import Return
from tests.admin_support import ROLES, role_user
from tests.factories import FACTORY
from tests.machine_edges import edges_taken
from tests.returns_support import completed_order, make_return, on_hand, world

D = Decimal
pytestmark = pytest.mark.django_db

PENDING, REFUNDED, COMPLETED, COMPLETED_AFTER_REFUND = (
    "pending",
    "refunded",
    "completed",
    "completed after refund",
)
STATES = [PENDING, REFUNDED, COMPLETED, COMPLETED_AFTER_REFUND]

# How the table's return reaches each state (by a process, which has every right).
SETUP = {
    PENDING: [],
    REFUNDED: [returns.refund_return],
    COMPLETED: [returns.complete_return],
    COMPLETED_AFTER_REFUND: [returns.refund_return, returns.complete_return],
}

STEPS = {
    "create": lambda r, by: make_return(r.order, a=1, by=by),
    "complete": lambda r, by: returns.complete_return(return_id=r.pk, by=by),
    "uncomplete": lambda r, by: returns.uncomplete_return(return_id=r.pk, by=by),
    "refund": lambda r, by: returns.refund_return(return_id=r.pk, by=by),
    "delete": lambda r, by: returns.delete_return(return_id=r.pk, by=by),
}

ROLES_ALLOWED = {
    "create": {CUSTOMER_SERVICE, BACKOFFICE_ADMIN},
    "delete": {CUSTOMER_SERVICE, BACKOFFICE_ADMIN},
    "complete": {WAREHOUSE, BACKOFFICE_ADMIN},
    "uncomplete": {WAREHOUSE, BACKOFFICE_ADMIN},
    "refund": {FINANCE, BACKOFFICE_ADMIN},
}

# (step, state) → the return's status after it ("deleted": gone), the units of A
# it put on Main's shelf (−1 taken back) and what the payment refunded in all.
# A pair not listed is refused by the state, whoever asks, with the sentence in REFUSED.
ALLOWED = {
    ("create", PENDING): ("pending", 0, D("0.00")),
    ("create", REFUNDED): ("refunded", 0, D("9.67")),
    ("create", COMPLETED): ("completed", 0, D("0.00")),
    ("create", COMPLETED_AFTER_REFUND): ("completed", 0, D("9.67")),
    ("complete", PENDING): ("completed", 1, D("0.00")),
    ("complete", REFUNDED): ("completed", 1, D("9.67")),
    ("uncomplete", COMPLETED): ("pending", -1, D("0.00")),
    ("refund", PENDING): ("refunded", 0, D("9.67")),
    ("refund", COMPLETED): ("completed", 0, D("9.67")),
    ("delete", PENDING): ("deleted", 0, D("0.00")),
}

# The return's transition each step runs, and the status each state of the table is.
TRANSITION = {
    "create": "create",
    "complete": "complete",
    "uncomplete": "uncomplete",
    "refund": "refund",
    "delete": "delete_return",
}
STATUS = {
    PENDING: "pending",
    REFUNDED: "refunded",
    COMPLETED: "completed",
    COMPLETED_AFTER_REFUND: "completed",
}


def row_edge(step: str, state: str, after: str) -> tuple:
    """The edge of the return's machine an allowed row takes: creating one makes a new
    pending return whatever the state of the table's; a deletion keeps the status."""
    source = "pending" if step == "create" else STATUS[state]
    target = source if after == "deleted" or step == "create" else after
    return (Return, TRANSITION[step], source, target)


# The edges this table sees the services take (each row checks its own below).
OBSERVED_EDGES = {row_edge(step, state, after) for (step, state), (after, *_) in ALLOWED.items()}

PAST = {"complete": "completed", "uncomplete": "uncompleted", "refund": "refunded"}
PAST["delete"] = "deleted"
LABEL = {PENDING: "Pending", REFUNDED: "Refunded", COMPLETED: "Completed"}
LABEL[COMPLETED_AFTER_REFUND] = "Completed"


def state_refusal(step: str, state: str, number: str) -> str:
    if (step, state) == ("uncomplete", COMPLETED_AFTER_REFUND):
        return f"Return {number} was refunded; a refund cannot be undone."
    if (step, state) == ("refund", COMPLETED_AFTER_REFUND):
        return f"Return {number} was refunded already."
    return f"Return {number} is {LABEL[state]}, so it cannot be {PAST[step]}."


def build(state: str) -> Return:
    return_ = make_return(completed_order(), a=1)
    for step in SETUP[state]:
        step(return_id=return_.pk, by=FACTORY)
    return Return.objects.select_related("order").get(pk=return_.pk)


def refunded(return_: Return) -> Decimal:
    return Payment.objects.get(order=return_.order).refunded_amount


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("step", list(STEPS))
def test_return_step(step, state, role):
    user = role_user(role)
    return_ = build(state)
    order = return_.order
    before, shelf = world(order), on_hand("A")

    allowed = (step, state) in ALLOWED
    if allowed and role in ROLES_ALLOWED[step]:
        with edges_taken(Return) as taken:
            result = STEPS[step](return_, user)
        status, units, money = ALLOWED[(step, state)]
        assert taken == {row_edge(step, state, status)}
        found = Return.objects.filter(pk=return_.pk).first()
        assert (found.status if found else "deleted") == status
        assert on_hand("A") == shelf + units
        assert refunded(return_) == money
        written = OrderEvent.objects.filter(order=order, pk__gt=max(before["events"]))
        # One event of the return's step; a refund's money writes the payment's too.
        expected = ["payment", "return"] if step == "refund" else ["return"]
        assert [event.subject for event in written] == expected
        if step == "create":
            assert result.number == f"{order.number}-R2"
        return
    if allowed:
        with pytest.raises(NotPermitted) as refused:
            STEPS[step](return_, user)
        assert str(refused.value) == f"You do not have permission to {step} returns."
    else:
        with pytest.raises(DomainError) as refused:
            STEPS[step](return_, user)
        assert not isinstance(refused.value, NotPermitted)
        assert str(refused.value) == state_refusal(step, state, return_.number)
    assert world(order) == before
