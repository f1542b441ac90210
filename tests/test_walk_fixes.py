"""The rough edges a walk of every role found (issue 30's numbered fixes), each
with the page as the role sees it."""

from __future__ import annotations

import re
from html import unescape

import pytest

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE
from orders.models import OrderStatus
from shipments.models import ShipmentStatus
from tests.admin_support import role_user
from tests.factories import OrderFactory, UserFactory, advance_shipment
from tests.returns_support import completed_order, make_return

pytestmark = pytest.mark.django_db

ORDERS_URL = "/admin/orders/order/"


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def payment_section(client, order) -> str:
    page = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    return page.split('id="payment"')[1].split('class="centra-ledger"')[0]


# 2. Finance's payment section on a completed order said "No payment steps you can
# take now.": it says where refunds are made and whose step a goodwill refund is.
def test_fix_2_finance_is_told_where_refunds_are_made(client):
    order = completed_order()
    client.force_login(role_user(FINANCE))
    section = text_of(payment_section(client, order))
    assert "No payment steps you can take now." not in section
    assert "Refunds are made from a return" in section
    assert "A goodwill refund (money back without a return) is a Back-office admin's step." in (
        section
    )


def test_fix_2_a_return_to_refund_is_named_with_its_link(client):
    order = completed_order()
    return_ = make_return(order)
    client.force_login(role_user(FINANCE))
    section = payment_section(client, order)
    assert 'href="#returns"' in section
    assert f"refund {return_.number}" in text_of(section)


def test_fix_2_customer_service_gets_the_create_return_links(client):
    order = completed_order()
    client.force_login(role_user(CUSTOMER_SERVICE))
    section = payment_section(client, order)
    assert 'data-step="instruction-create_return"' in section


def test_fix_2_a_back_office_admin_has_the_goodwill_refund_button(client):
    order = completed_order()
    client.force_login(role_user(BACKOFFICE_ADMIN))
    section = text_of(payment_section(client, order))
    assert "Refunds are made from a return" not in section


# 3. The bulk Cancel refusal after a capture offered only "Back": each refused
# order now names the way forward, a return, with a link to its shipments.
def test_fix_3_the_bulk_cancel_refusal_links_each_order_to_its_return_way(client):
    captured = [completed_order(status=OrderStatus.PROCESSING) for _ in range(2)]
    for order in captured:
        advance_shipment(order.shipments.get(), status=ShipmentStatus.PAID)
    pending = OrderFactory(status=OrderStatus.PENDING)
    client.force_login(role_user(CUSTOMER_SERVICE))
    selected = [order.pk for order in [*captured, pending]]
    page = client.post(ORDERS_URL, {"action": "cancel", "_selected_action": selected})
    skips = page.content.decode().split('class="centra-skips"')[1].split("</ul>")[0]
    for order in captured:
        assert f'href="{ORDERS_URL}{order.pk}/change/#shipments"' in skips
    assert "Refund it through a return instead" in text_of(skips)


def blocked_of(client, order) -> str:
    page = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    return (
        page.split('class="centra-blocked"')[1].split("</ul>")[0]
        if "centra-blocked" in (page)
        else ""
    )


# 1. A Processing order whose units are all in an open shipment showed no "Cancel
# products…" and no reason: it says why, and links the shipment's delete step for
# whoever may take it.
def test_fix_1_units_all_in_an_open_shipment_say_why_and_what_to_do(client):
    order = completed_order(status=OrderStatus.PROCESSING)
    shipment = order.shipments.get()
    client.force_login(role_user(BACKOFFICE_ADMIN))
    blocked = blocked_of(client, order)
    assert f"every unit left is in shipment {shipment.ref}, not paid yet" in text_of(blocked)
    assert f"/admin/shipments/shipment/{shipment.pk}/step/delete_shipment/" in blocked


def test_fix_1_customer_service_is_told_who_deletes_the_shipment(client):
    order = completed_order(status=OrderStatus.PROCESSING)
    client.force_login(role_user(CUSTOMER_SERVICE))
    blocked = text_of(blocked_of(client, order))
    assert "The warehouse can delete the shipment first" in blocked


def test_fix_1_says_nothing_once_the_shipment_is_paid(client):
    order = completed_order(status=OrderStatus.PROCESSING)
    advance_shipment(order.shipments.get(), status=ShipmentStatus.PAID)
    client.force_login(role_user(BACKOFFICE_ADMIN))
    assert "every unit left is in shipment" not in text_of(blocked_of(client, order))


# 9. Machine words: the e-mails column said `order.confirmed` and the timeline
# `integration:storefront`; both now read as staff speak.
def test_fix_9_event_types_and_processes_in_words():
    from core.actors import actor_words
    from outbox.event_types import EventType, event_words

    assert event_words(EventType.ORDER_CONFIRMED) == "Order confirmed"
    assert event_words(EventType.SHIPMENT_GOOD_TO_GO) == "Shipment good-to-go"
    assert actor_words("integration:storefront") == "Integration storefront"
    assert actor_words("store:direct_capture") == "The store (direct capture)"
    assert actor_words("carol") == "carol"


def test_fix_9_the_order_page_shows_no_machine_words(client):
    from orders.models import OrderEvent

    order = completed_order()
    OrderEvent.objects.filter(order=order).update(actor="integration:storefront")
    client.force_login(role_user(BACKOFFICE_ADMIN))
    page = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    timeline = page.split('id="events-group"')[1].split("</table>")[0]
    assert "integration:storefront" not in timeline
    assert "Integration storefront" in text_of(timeline)
    emails = page.split('id="customer-emails"')[1].split("</table>")[0]
    assert "<td>order.confirmed</td>" not in emails
    assert "Order confirmed" in text_of(emails)


# 14. A completed order for Customer service said "No steps you can take here now."
# at the top while "Create return…" was 2,000 px down, and the comment box was at
# the bottom: both are now linked next to the step buttons, above the facts.
def test_fix_14_the_parts_steps_and_the_comment_box_are_linked_at_the_top(client):
    order = completed_order()
    shipment = order.shipments.get()
    client.force_login(role_user(CUSTOMER_SERVICE))
    page = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    top = page.split('class="centra-glance')[0]
    assert "No steps you can take here now." not in top
    assert f"/admin/shipments/shipment/{shipment.pk}/step/create_return/" in top
    assert f"Create return {shipment.ref}…" in top
    assert 'href="#comments"' in top
    assert 'id="comments"' in page


# 11. The progress page listed every skipped order one by one: the reasons come
# first, grouped with their counts; a bulk step's form says how many can take it.
def test_fix_11_skips_are_grouped_by_reason_with_counts(client):
    from tests.test_step_jobs import progress_url, queue_for, run_all

    user = role_user(CUSTOMER_SERVICE)
    held = [OrderFactory(status=OrderStatus.PENDING, on_hold=True) for _ in range(3)]
    confirmed = [OrderFactory(status=OrderStatus.CONFIRMED) for _ in range(2)]
    job = queue_for(user, [OrderFactory(status=OrderStatus.PENDING), *held, *confirmed])
    run_all()
    client.force_login(user)
    page = client.get(progress_url(job)).content.decode()
    reasons = page.split('class="centra-skip-reasons"')[1].split("</ul>")[0]
    counts = sorted(int(n) for n in re.findall(r"<strong>(\d+)</strong>", reasons))
    assert counts == [2, 3]
    assert str(held[0].number) not in reasons.split("(e.g.")[0]


def test_fix_11_the_step_form_says_how_many_of_the_selection_can_take_it(client):
    free = [OrderFactory(status=OrderStatus.CONFIRMED) for _ in range(2)]
    held = OrderFactory(status=OrderStatus.CONFIRMED, on_hold=True)
    client.force_login(role_user(CUSTOMER_SERVICE))
    selected = [order.pk for order in [*free, held]]
    page = client.post(ORDERS_URL, {"action": "hold", "_selected_action": selected})
    assert "2 of the 3 selected orders can be put on hold; 1 will be skipped" in text_of(
        page.content.decode()
    )


# 6. The return page's "Created by" linked to the user's page: a 403 for every
# staff role. It is the creator's name, as written on the return.
@pytest.mark.parametrize("role", [CUSTOMER_SERVICE, FINANCE, BACKOFFICE_ADMIN])
def test_fix_6_created_by_is_a_name_not_a_link_to_a_403(client, role):
    maker = UserFactory(username="maker", groups=[CUSTOMER_SERVICE])
    return_ = make_return(completed_order(), by=maker)
    client.force_login(role_user(role))
    page = client.get(f"/admin/returns/return/{return_.pk}/change/").content.decode()
    created_by = page.split("field-creator")[1].split("</div>\n")[0]
    assert "/admin/auth/user/" not in created_by
    assert "maker" in created_by


# 12. Return form: "Handling cost — Added to the refund" beside "Return fee —
# Deducted" read as two charges, and "Other warehouse" was prefilled though unused.
def test_fix_12_the_return_form_says_which_way_money_moves_and_leaves_the_warehouse(client):
    order = completed_order()
    client.force_login(role_user(CUSTOMER_SERVICE))
    url = f"/admin/shipments/shipment/{order.shipments.get().pk}/step/create_return/"
    form = client.get(url).context["form"]
    assert form.fields["handling_cost"].label == "Handling cost paid back (+)"
    assert form.fields["return_fee"].label == "Return fee kept (−)"
    assert form["warehouse"].value() is None


def test_fix_12_into_another_warehouse_without_one_is_refused_with_a_sentence(client):
    from returns.models import StockAction

    order = completed_order()
    shipment = order.shipments.get()
    line = shipment.lines.first()
    client.force_login(role_user(CUSTOMER_SERVICE))
    url = f"/admin/shipments/shipment/{shipment.pk}/step/create_return/"
    page = client.post(
        url, {f"qty_{line.pk}": "1", "stock_action": StockAction.TO_WAREHOUSE, "post": "yes"}
    )
    assert page.status_code == 200
    assert "warehouse" in str(page.context["form"].errors).lower()


# 10. Integration form: the name's format said before saving (its help text read
# "Acts as integration:." in HTML), event types in words.
def test_fix_10_the_integration_form_says_the_names_format_and_events_in_words(client):
    from django.contrib.auth import get_user_model

    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "x")
    client.force_login(boss)
    page = client.get("/admin/outbox/integration/add/").content.decode()
    assert "Acts as integration:." not in text_of(page)
    assert "Letters, digits, hyphens and underscores, no spaces" in page
    assert "Order confirmed (order.confirmed)" in page


# 9. ISO dates in the timeline and the packing list: the site's one date format.
def test_fix_9_dates_in_the_timeline_and_the_packing_list_read_as_elsewhere(client):
    from django.utils import timezone
    from django.utils.formats import date_format

    from orders.models import OrderEvent

    order = completed_order()
    today = timezone.localdate()
    message = OrderEvent.objects.get(order=order, transition="complete", subject="shipment").message
    assert f"shipped {date_format(today)} with" in message
    assert today.isoformat() not in message


# 9. "None" in the payment ledger's "By hand" column.
def test_fix_9_the_ledgers_by_hand_column_says_nothing_rather_than_none(client):
    from payments.models import Payment

    order = completed_order()
    client.force_login(role_user(FINANCE))
    payment = Payment.objects.get(order=order)
    page = client.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()
    cells = re.findall(r'class="field-by_hand"[^>]*>(.*?)</td>', page, re.S)
    assert cells
    assert not any("None" in cell for cell in cells)


# 13. The order flow diagram: "cancel products" drawn twice at most (the exact
# edges), and no refusal shown with its template's placeholders ("{obj.order}").
def test_fix_13_the_flow_diagram_draws_each_step_in_words(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    page = client.get(f"{ORDERS_URL}flow/").content.decode()
    titles = re.findall(r'<g class="centra-flow-edge[^"]*"[^>]*>\s*<title>([^<]*)', page)
    assert sum(title.startswith("cancel products") for title in titles) <= 2
    assert not [title for title in titles if "{obj" in title]
    assert any("its order is on hold" in title for title in titles)


def test_fix_13_refusals_in_general_words():
    from core.admin.flow_diagram import in_general

    assert in_general("{obj.order} is on hold: resume it before shipping.") == (
        "its order is on hold: resume it before shipping."
    )
    assert in_general("Return {obj.number} was refunded already.") == "it was refunded already."
    assert in_general("{obj} has no lines to order.") == "it has no lines to order."


# 8. After cancelling products the money card's "Open" stayed at the old
# authorization, above the new total; the message now names what was cancelled.
def test_fix_8_open_is_never_above_the_new_total_after_cancelling_products(client):
    from decimal import Decimal

    from tests.factories import LineDataFactory

    order = OrderFactory(
        status=OrderStatus.CONFIRMED,
        lines=[LineDataFactory(sku="A", quantity=2, unit_price=Decimal("10.00"))],
    )
    line = order.lines.get()
    client.force_login(role_user(CUSTOMER_SERVICE))
    done = client.post(
        f"{ORDERS_URL}{order.pk}/step/cancel_products/",
        {f"line_{line.pk}": "1", "reason": "Out of stock"},
        follow=True,
    )
    order.refresh_from_db()
    total = f"{order.grand_total:,.2f} {order.currency}"
    assert f"1 × A cancelled, new total {total}" in text_of(done.content.decode())
    page = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    money = text_of(page.split('data-glance="money"')[1].split('data-glance="shipments"')[0])
    assert f"Open {total}" in money
    assert "Authorized beyond the total 10.00 EUR" in money


# 8. One "Cancel products…" entry on the order page, not look-alike buttons.
def test_fix_8_one_cancel_products_entry_on_the_order_page(client):
    from tests.test_admin_product_steps import half_shipped

    client.force_login(role_user(CUSTOMER_SERVICE))
    order = half_shipped()
    page = client.get(f"{ORDERS_URL}{order.pk}/change/")
    names = [button["name"] for button in page.context["step_buttons"]]
    assert "cancel_products" in names
    assert "cancel_unshipped_products" not in names
