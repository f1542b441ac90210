"""Every API address and body is read safely: a malformed cursor, parameter or field
is a 400 with one sentence, never a 5xx (the changelists' pattern, for the API)."""

from __future__ import annotations

import json
import random
from base64 import b64encode
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group

from core.admin.changelist import MAX_BIGINT
from orders.models import OrderStatus
from shipments.models import ShipmentStatus
from tests.factories import OrderFactory, ShipmentFactory
from tests.integration_support import api_client, make_integration
from tests.returns_support import completed_order, make_return

S = OrderStatus
pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders/"
SHIPMENTS = "/api/v1/shipments/"


@pytest.fixture
def world(db):
    """A few orders of each kind the API tells apart, a shipment and a return."""
    completed = completed_order()
    return {
        "pending": OrderFactory(status=S.PENDING),
        "held": OrderFactory(status=S.CONFIRMED, on_hold=True),
        "archived": OrderFactory(status=S.ARCHIVED),
        "completed": completed,
        "ready": ShipmentFactory(status=ShipmentStatus.GOOD_TO_GO),
        "return": make_return(completed),
    }


@pytest.fixture
def client(db):
    everything = Group.objects.get(name="Back-office admin")
    integration = make_integration(
        "fuzz", kind="queue", group=everything, show_archived=True, show_on_hold=True
    )
    return api_client(integration)


def refused(response) -> str:
    """The sentence of a 400, checked to be the API's one error shape."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == ["detail"] and isinstance(body["detail"], str) and body["detail"]
    return body["detail"]


def cursor(raw: str) -> str:
    return b64encode(raw.encode()).decode()


# The addresses, each a 500 before ---------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": cursor("p=abc")},
        {"cursor": cursor("p=")},
        {"cursor": cursor("p=1.5")},
        {"cursor": cursor("p=\x00")},
        {"cursor": "a\x00"},
        {"cursor": "a1.5.5"},
        {"cursor": "c1"},
        {"cursor": "a" + "9" * 19},
        {"page_size": "null"},
        {"page_size": "0"},
        {"page_size": "101"},
        {"page_size": "²"},
    ],
)
@pytest.mark.parametrize("url", [ORDERS, SHIPMENTS])
def test_a_tampered_cursor_or_page_size_is_a_400_with_a_sentence(client, url, query):
    refused(client.get(url, query))


@pytest.mark.parametrize(
    ("url", "query", "sentence"),
    [
        (SHIPMENTS, {"status": "\x00"}, "status must be one of: "),
        (SHIPMENTS, {"status": "lost"}, "status must be one of: "),
        (SHIPMENTS, {"order": "²"}, "order must be a whole number from 1 to "),
        (SHIPMENTS, {"order": "١٢"}, "order must be a whole number from 1 to "),
        (SHIPMENTS, {"order": str(MAX_BIGINT + 1)}, "order must be a whole number from 1 to "),
        (ORDERS, {"number": "-1"}, "number must be a whole number from 1 to "),
        (ORDERS, {"status": "99"}, "status must be one of: "),
        (ORDERS, {"sku": "a\x00b"}, "sku must be at most 64 characters"),
        (ORDERS, {"email": "x" * 5000}, "email is too long."),
        (ORDERS, {"placed_after": "2026-02-30"}, "placed_after must be a date written YYYY-MM-DD."),
        (ORDERS, {"grand_total_min": "1e200000"}, "grand_total_min: “1e200000” is not an amount"),
        (ORDERS, {"on_hold": "maybe"}, "on_hold must be true or false."),
        (ORDERS, {"page_size": ["1", "2"]}, "Give page_size once."),
        (ORDERS, {"stauts": "1"}, "Unknown query parameter: “stauts”."),
        (ORDERS, {"\x00" * 50: "1"}, f"Unknown query parameter: “{'?' * 40}…”."),
        (f"{SHIPMENTS}1-1/", {"status": "created"}, "Unknown query parameter: “status”."),
        ("/api/v1/events", {"limit": "0"}, "limit must be a whole number from 1 to 500."),
        ("/api/v1/events", {"limit": "9" * 5000}, "limit is too long."),
    ],
)
def test_a_parameter_no_filter_can_read_says_which(client, url, query, sentence):
    assert refused(client.get(url, query)).startswith(sentence)


def test_pages_follow_their_links_with_the_plain_cursor(client):
    for _ in range(5):
        OrderFactory(status=S.PENDING)
    page = client.get(ORDERS, {"page_size": 2}).json()
    pages = [[order["number"] for order in page["results"]]]
    while page["next"]:
        assert "cursor=a" in page["next"]
        page = client.get(page["next"]).json()
        pages.append([order["number"] for order in page["results"]])
    seen = [number for numbers in pages for number in numbers]
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 5
    assert "cursor=b" in page["previous"]
    back = client.get(page["previous"]).json()
    assert [order["number"] for order in back["results"]] == pages[-2]


@pytest.mark.parametrize(
    "path",
    [
        f"{ORDERS}{'9' * 30}/",
        f"{ORDERS}١٢/",
        f"{ORDERS}-1/confirm/",
        f"{SHIPMENTS}1-{'9' * 30}/",
        f"{SHIPMENTS}%0A/complete/",
        "/api/v1/returns/1-R0/",
        "/api/v1/nothing-here",
    ],
)
def test_an_address_no_route_reads_is_a_json_404(client, path):
    response = client.post(path) if "complete" in path or "confirm" in path else client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ("[1, 2]", "Invalid data. Expected a dictionary, but got list."),
        ('{"tracking_number": " ", "carrier": "DHL"}', "tracking_number: Must not be blank."),
        ('{"tracking_number": 12, "carrier": "DHL"}', "tracking_number: Must be a string."),
        ('{"tracking_number": "1", "carrier": "DHL", "x": 1}', "Unknown field: x."),
        ('{"tracking_number": "1", "carrier": "DHL", "shipped_date": "2026-02-30"}', "shipped_"),
        ("{", "JSON parse error"),
    ],
)
def test_a_malformed_body_is_a_400_with_a_sentence(client, body, sentence):
    ready = ShipmentFactory(status=ShipmentStatus.GOOD_TO_GO)
    url = f"{SHIPMENTS}{ready.ref}/complete/"
    response = client.generic("POST", url, body, content_type="application/json")
    assert refused(response).startswith(sentence)
    ready.refresh_from_db()
    assert ready.status == ShipmentStatus.GOOD_TO_GO


def test_a_body_that_is_not_json_is_a_415(client):
    url = f"{SHIPMENTS}{ShipmentFactory(status=ShipmentStatus.GOOD_TO_GO).ref}/complete/"
    response = client.post(url, {"tracking_number": "1", "carrier": "DHL"})  # multipart
    assert response.status_code == 415
    assert response.json()["detail"].startswith("Unsupported media type")


# The fuzz: every parameter of every endpoint, and every field of every body ------

NASTY = [
    "",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "1.5",
    "²",
    "١٢",
    "٣",
    "1e200000",
    "-1e200000",
    "NaN",
    "Infinity",
    "true",
    "null",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    str(MAX_BIGINT),
    str(MAX_BIGINT + 1),
    str(-MAX_BIGINT - 2),
    "9" * 30,
    "9" * 5000,
    "x" * 300,
    "x" * 10_000,
    "Ÿ̶̡e̸͠s̷",
    "%00",
    "a1",
    "b1.5",
    "a99999999999999999",
    "fraud_check",
    "good_to_go",
    "1042-1",
    "1042-R1",
]
JSON_NASTY = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    10**30,
    -(10**30),
    MAX_BIGINT + 1,
    [],
    {},
    [None],
    [{"line": 1, "quantity": 1}],
    [{"shipment_line": 1, "quantity": 1}],
    {"a": "\x00"},
    "e3e70682-c209-1cac-a29f-6fbed82c07cd",
]


def endpoints(world) -> list[tuple[str, str, list[str], list[dict]]]:
    """(method, path, query parameters, valid bodies) of every API operation."""
    number, held = world["pending"].number, world["held"]
    ref, return_ref = world["ready"].ref, world["return"].number
    paging = ["cursor", "page_size"]
    order_filters = [
        *("number", "status", "on_hold", "hold_kind", "market", "country", "currency"),
        *("placed_after", "placed_before", "completed_after", "completed_before"),
        *("grand_total_min", "grand_total_max", "payment", "email", "sku", "returns"),
    ]
    line = held.lines.first()
    updates = [
        {"is_on_hold": True, "hold_kind": "fraud_check", "hold_status_change_reason": "Check"},
        {"is_on_hold": False},
        {"cancel_lines": [{"line": line.pk, "quantity": 1}], "cancellation_comment": "Gone"},
    ]
    shipment = world["completed"].shipments.get()
    new_return = {
        "shipment": shipment.ref,
        "lines": [{"shipment_line": shipment.lines.first().pk, "quantity": 1}],
        "return_stock_action_policy": "remove",
        "refund_shipping": False,
        "handling_cost": "1.00",
        "reason": "damaged",
        "comment": "",
    }
    tracking = {"tracking_number": "JD1", "carrier": "DHL", "shipped_date": "2026-01-02"}
    events = {"ids": ["e3e70682-c209-1cac-a29f-6fbed82c07cd"]}
    return [
        ("GET", ORDERS, [*order_filters, *paging], []),
        ("GET", f"{ORDERS}{{{number}}}/", [], []),
        ("PATCH", f"{ORDERS}{{{held.number}}}/", [], updates),
        ("POST", f"{ORDERS}{{{number}}}/confirm/", [], []),
        ("GET", SHIPMENTS, ["status", "order", *paging], []),
        ("GET", f"{SHIPMENTS}{{{ref}}}/", [], []),
        ("POST", f"{SHIPMENTS}{{{ref}}}/complete/", [], [tracking]),
        ("POST", "/api/v1/returns/", [], [new_return]),
        ("GET", f"/api/v1/returns/{{{return_ref}}}/", [], []),
        ("POST", f"/api/v1/returns/{{{return_ref}}}/complete/", [], []),
        ("GET", "/api/v1/events", ["limit"], []),
        ("POST", "/api/v1/events/confirm", [], [events]),
    ]


def a_request(rng: random.Random, path: str, names: list[str], bodies: list[dict]):
    """A path (its parameter kept or replaced), a query, and a valid body with some of
    its fields replaced (or an unknown one added, or all of it replaced)."""
    head, _, rest = path.partition("{")
    if rest:
        kept, _, tail = rest.partition("}")
        path = f"{head}{kept if rng.random() < 0.5 else rng.choice(NASTY[:20])}{tail}"
    query = {
        name: [rng.choice(NASTY) for _ in range(rng.choice([1, 1, 2]))]
        for name in rng.sample(names, min(len(names), rng.randint(0, 3)))
    }
    if rng.random() < 0.05:
        query[rng.choice(NASTY)] = "1"  # a parameter the endpoint does not read
    body: object = dict(rng.choice(bodies)) if bodies else {}
    for name in rng.sample(sorted(body), rng.randint(0, len(body))):
        body[name] = rng.choice(NASTY + JSON_NASTY)
    if bodies and rng.random() < 0.05:
        body[rng.choice(NASTY)] = 1
    if bodies and rng.random() < 0.05:
        body = rng.choice(JSON_NASTY)
    return path, urlencode(query, doseq=True), json.dumps(body)


REQUESTS_PER_ENDPOINT = 1000


def test_no_api_parameter_gives_a_server_error(client, world):
    rng = random.Random(24)
    for method, path, names, bodies in endpoints(world):
        statuses = set()
        for _ in range(REQUESTS_PER_ENDPOINT):
            url, query, body = a_request(rng, path, names, bodies)
            response = client.generic(
                method, f"{url}?{query}", body, content_type="application/json"
            )
            statuses.add(response.status_code)
            assert response.status_code < 500, (method, url, query, body)
            assert response["Content-Type"] == "application/json", (method, url, query)
            if response.status_code >= 400:
                assert isinstance(response.json()["detail"], str), (method, url, query, body)
        # Each endpoint was both refused and reached: the fuzz got past the checks.
        assert statuses & {400, 404}, (method, path, statuses)
        assert statuses & {200, 201, 403, 409}, (method, path, statuses)
