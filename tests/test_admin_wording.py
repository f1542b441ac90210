"""What the back office says, in staff's words: the timeline and History in the
states' labels, the delete confirmation without database internals, one format
for dates, money always with its currency, one empty marker, the cancel form's
warning, and the order page's facts at a glance."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from backoffice.admin.orders.timeline_words import change_words, what_words
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders.models import OrderEvent, OrderStatus
from payments import services as pay
from shipments.models import ShipmentStatus
from tests.admin_support import ORDERS_URL, role_user
from tests.factories import (
    LineDataFactory,
    OrderFactory,
    ShipmentFactory,
    advance_shipment,
)

S = OrderStatus
Subject = OrderEvent.Subject


def event(subject, transition, from_state="", to_state="", ref=""):
    return OrderEvent(
        subject=subject,
        subject_ref=ref,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
    )


def test_timeline_words_are_the_transitions_and_states_labels():
    assert what_words(event(Subject.ORDER, "checkout", "0", "1")) == "Order placed"
    assert change_words(event(Subject.ORDER, "checkout", "0", "1")) == "Incomplete → Pending"
    assert what_words(event(Subject.ORDER, "hold", "2", "2")) == "Put on hold"
    assert change_words(event(Subject.ORDER, "hold", "2", "2")) == "Confirmed"
    good_to_go = event(Subject.SHIPMENT, "good_to_go", "created", "good_to_go", ref="1294-2")
    assert what_words(good_to_go) == "Shipment 1294-2 marked good-to-go"
    assert change_words(good_to_go) == "Created → Good-to-go"
    refund = event(Subject.PAYMENT, "payment_refund", "captured", "partially_refunded")
    assert what_words(refund) == "Payment refunded"
    assert change_words(refund) == "Captured → Partially refunded"
    assert what_words(event(Subject.ORDER, "create_selection", "", "0")) == "Selection created"
    assert what_words(event(Subject.SHIPMENT, "delete", "created", "", ref="7-1")) == (
        "Shipment 7-1 deleted"
    )
    # A state no label knows is shown as stored, never dropped.
    assert change_words(event(Subject.PAYMENT, "payment_x", "", "mystery")) == "mystery"


@pytest.mark.django_db
def test_order_page_timeline_and_history_use_the_labels(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.CONFIRMED, lines=[LineDataFactory(quantity=2)])
    shipment = ShipmentFactory(order=order)
    advance_shipment(shipment, status=ShipmentStatus.GOOD_TO_GO)

    for url in [f"{ORDERS_URL}{order.pk}/change/", f"{ORDERS_URL}{order.pk}/history/"]:
        html = client.get(url).content.decode()
        assert f"Shipment {shipment.ref} marked good-to-go" in html
        assert "Created → Good-to-go" in html
        assert "Incomplete → Pending" in html
        for machine_word in ["good_to_go", "create_selection", "payment authorize"]:
            assert f">{machine_word}<" not in html and machine_word + " →" not in html

    history = client.get(f"{ORDERS_URL}{order.pk}/history/")
    html = history.content.decode()
    assert "doesn’t have a change history" not in html
    assert "change history" not in html
    events = OrderEvent.objects.filter(order=order)
    assert len(history.context["rows"]) == events.count() > 5
    assert [row["event"].pk for row in history.context["rows"]] == list(
        events.order_by("created_at", "id").values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_history_needs_view_permission(client):
    from tests.admin_support import NO_PERMISSIONS

    order = OrderFactory(status=S.PENDING)
    client.force_login(role_user(NO_PERMISSIONS))
    assert client.get(f"{ORDERS_URL}{order.pk}/history/").status_code == 403


@pytest.mark.django_db
def test_delete_confirmation_names_what_goes_in_plain_words(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    order = OrderFactory(
        status=S.CANCELLED, lines=[LineDataFactory(sku="TEE-RED-M", product_name="Tee")]
    )
    page = client.get(f"{ORDERS_URL}{order.pk}/step/delete_permanently/")
    html = page.content.decode()
    assert "1 × TEE-RED-M Tee" in html or "× TEE-RED-M Tee" in html
    assert f"{order.events.count()} timeline events and comments" in html
    assert "payment ledger rows" in html
    for internal in ["Order event:", "create_selection", "→0", "0→1", "Payment transaction:"]:
        assert internal not in html
    for event_id in order.events.values_list("pk", flat=True):
        assert f"{order.pk}: " not in html or f">{event_id}<" not in html


@pytest.mark.django_db
def test_dates_read_one_way_and_money_always_has_its_currency(client, settings):
    settings.TIME_ZONE = "Europe/Stockholm"
    moment = datetime(2026, 11, 30, 13, 5, tzinfo=UTC)
    with timezone.override("Europe/Stockholm"):
        assert date_format(timezone.localtime(moment), "DATETIME_FORMAT") == "30 Nov 2026, 14:05"
        assert date_format(timezone.localtime(moment), "DATE_FORMAT") == "30 Nov 2026"

    client.force_login(role_user(FINANCE))
    order = OrderFactory(
        status=S.CONFIRMED,
        currency="DKK",
        lines=[LineDataFactory(quantity=1, unit_price=Decimal("1480.70"))],
        shipping_price=Decimal("0"),
    )
    pay.record_manual_payment(order_id=order.pk, amount=Decimal("1480.70"), reference="", by="t")
    html = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    assert "1,480.70 DKK" in html
    assert " p.m." not in html and " a.m." not in html
    assert "Nov." not in html

    payment_page = client.get(f"/admin/payments/payment/{order.payment.pk}/change/")
    html = payment_page.content.decode()
    assert "1,480.70 DKK" in html
    assert "By hand" in html
    assert "icon-no.svg" not in html  # no red ✗ on every row that was not by hand


@pytest.mark.django_db
def test_the_list_marks_empty_cells_with_one_dash(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    OrderFactory(status=S.PENDING)
    response = client.get(ORDERS_URL)
    row = response.content.decode().split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert row.count('<td class="field-hold">—</td>') == 1
    assert '<td class="field-shipping">—</td>' in row


@pytest.mark.django_db
def test_the_order_page_shows_status_hold_money_and_shipments_first(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    held = OrderFactory(status=S.CONFIRMED, on_hold=True)
    html = client.get(f"{ORDERS_URL}{held.pk}/change/").content.decode()
    glance = html.split('class="centra-glance"', 1)[1].split("</section>", 1)[0]
    assert "On hold · Manual" in glance and "Held by the factory" in glance
    assert "Captured" in glance and "Open" in glance
    assert html.index('class="centra-glance"') < html.index('id="lines-group"')
    # No empty "Hold:" label on an order that is not held.
    plain = OrderFactory(status=S.PENDING)
    html = client.get(f"{ORDERS_URL}{plain.pk}/change/").content.decode()
    assert "Not on hold" in html
    assert ">Hold:<" not in html

    cancelled = OrderFactory(status=S.CANCELLED)
    glance = client.get(f"{ORDERS_URL}{cancelled.pk}/change/").content.decode()
    glance = glance.split('class="centra-glance"', 1)[1].split("</section>", 1)[0]
    assert "Test cancel" in glance


@pytest.mark.django_db
def test_a_shipped_order_says_so_quietly_and_the_cancel_form_warns_of_the_void(client):
    client.force_login(role_user(WAREHOUSE))
    order = OrderFactory(status=S.PROCESSING)
    html = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    sentence = f"{order} has nothing left to ship."
    assert f'<p class="centra-steps-note">{sentence}</p>' in html
    assert f"<li>{sentence}</li>" not in html

    client.force_login(role_user(CUSTOMER_SERVICE))
    pending = OrderFactory(status=S.PENDING)
    form = client.get(f"{ORDERS_URL}{pending.pk}/step/cancel/").content.decode()
    assert "voids the payment's authorization" in form.replace("&#x27;", "'")


@pytest.mark.django_db
def test_dates_are_shown_in_the_readers_time_zone(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.PENDING)
    tokyo = timezone.localtime(order.placed_at, timezone=ZoneInfo("Asia/Tokyo"))
    client.cookies["centra_tz"] = "Asia/Tokyo"
    html = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    assert f"Placed {date_format(tokyo, 'DATETIME_FORMAT')}" in html
    # A name that is no time zone is ignored, never an error.
    client.cookies["centra_tz"] = "Mars/Olympus_Mons"
    assert client.get(f"{ORDERS_URL}{order.pk}/change/").status_code == 200
