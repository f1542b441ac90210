"""Fill a migrated PostgreSQL database with a realistic million orders, set-based.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_million \\
        uv run python bench/generate_million.py --orders 1000000

Orders are numbered in placing order over three years (the highest number is
the newest). By age: the oldest 72 % are Archived, the next 15 % Completed, the
newest 13 % a mix of Pending, Confirmed, Processing, Cancelled and Incomplete,
with 1 % of the open ones on hold. Each order has 1–4 lines (2.5 on average; each
line's SKU is drawn from a long tail of 50,000, Zipf-like: the ten best sellers
BEST-0…BEST-9 are on ~6 % of the lines, so a SKU search can match thousands of
orders, and most SKUs are on tens to hundreds of lines; surnames likewise from a
long tail of 20,000), Processing, Completed and Archived orders have one
shipment holding all their lines (one in twenty two, a line each), every order
placed has a payment with its ledger (authorize, a capture per paid shipment, a
refund or void), and every transition an event. One more order is the "big
order" of the benchmark: 50 lines, 10 shipments, 200 events.

Every row satisfies the models' check and unique constraints (the database
checks them as the rows go in): grand totals are the sum of the lines plus
shipping, captures within authorizations, refunds within captures, one capture
per shipment, completed shipments with a shipped date, holds only on open
orders. Rows are written by INSERT … SELECT generate_series through Django's
connection, with explicit ids so the tables can join without lookups; the id
sequences are moved past them at the end. For a benchmark's fixture data only:
the services write orders one at a time and would take days.

Refuses to run on a database that already has orders.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# g is the order's index (1..N) and its id; p = g / N its age (0 oldest, 1 newest);
# r a pseudo-random 0..999 per order.
ORDER_ROWS = """
WITH base AS (
    SELECT g, g::float8 / %(n)s AS p, (g * 7919 + g / 7) %% 1000 AS r,
        -- The surname's rank, log-uniform over 20,000 surnames (Zipf-like: a
        -- few shared by thousands of customers, most by a handful).
        floor(3 * power(20003 / 3.0, ((g * 40503 + 7) %% 1000003)::float8 / 1000003))::int
            - 2 AS surname_rank
    FROM generate_series(1::bigint, %(n)s) AS g
), classed AS (
    SELECT g, p, r, surname_rank,
        CASE
            WHEN p <= 0.72 THEN 5
            WHEN p <= 0.87 THEN 4
            WHEN r < 230 THEN 6
            WHEN r < 310 THEN 0
            WHEN r < 460 THEN 1
            WHEN r < 690 THEN 2
            ELSE 3
        END AS status
    FROM base
), timed AS (
    SELECT *, now() - (1 - p) * interval '1095 days' - interval '1 hour' AS placed
    FROM classed
)
INSERT INTO orders_order (
    id, number, status, on_hold, hold_kind, hold_reason, held_at, currency, market,
    pricelist, language, customer_email, customer_name,
    billing_name, billing_street, billing_city, billing_zipcode, billing_country,
    shipping_name, shipping_street, shipping_city, shipping_zipcode, shipping_country,
    shipping_method, shipping_price, payment_method, notes, gift_message, grand_total,
    cancel_reason, created_at, placed_at, confirmed_at, completed_at, archived_at,
    cancelled_at, updated_at, voucher, origin, shipping_price_by_hand)
SELECT
    g, 100000 + g, status,
    hold, CASE WHEN hold THEN 'fraud_check' ELSE '' END,
    CASE WHEN hold THEN 'Checking the card' ELSE '' END, CASE WHEN hold THEN placed END,
    (ARRAY['EUR','SEK','USD','GBP','EUR'])[1 + g %% 5],
    (ARRAY['EU','SE','US','UK','DE'])[1 + g %% 5],
    'retail', 'en',
    'customer' || (g %% 400000) || '@example.com',
    (ARRAY['Anna','Björn','Carla','David','Eva','Farid','Greta','Hugo'])[1 + g %% 8]
        || ' ' || CASE WHEN surname_rank <= 7
            THEN (ARRAY['Rossi','Lind','Berg','Nilsson','Smith','Dubois','Khan'])[surname_rank]
            -- Eight hex digits: no surname is the start of another.
            ELSE 'Sur' || lpad(to_hex((surname_rank * 2654435761) %% 4294967296), 8, '0') END
        || ' ' || (g %% 400000),
    'Customer ' || g, g || ' Main Street', 'Stockholm', '11122',
    (ARRAY['SE','DE','US','GB','SE','FR','NL','DK','NO','FI'])[1 + g %% 10],
    'Customer ' || g, g || ' Main Street', 'Stockholm', '11122',
    -- One order in 300 ships to Iceland: a rare country, counted exactly.
    CASE WHEN g %% 300 = 7 THEN 'IS'
         ELSE (ARRAY['SE','DE','US','GB','SE','FR','NL','DK','NO','FI'])[1 + g %% 10] END,
    'Standard', 5.00, 'test', '', '',
    5.00 + (SELECT sum((1 + (g + l) %% 3) * (19.90 + ((g + l) %% 50) * 2))
            FROM generate_series(1, 1 + g %% 4) AS l),
    CASE WHEN status = 6 THEN 'Customer asked' ELSE '' END,
    placed - interval '10 minutes',
    CASE WHEN status = 0 THEN NULL ELSE placed END,
    CASE WHEN status IN (2, 3, 4, 5) THEN placed + interval '1 hour' END,
    CASE WHEN status IN (4, 5) THEN placed + interval '2 days' END,
    CASE WHEN status = 5 THEN placed + interval '92 days' END,
    CASE WHEN status = 6 THEN placed + interval '3 hours' END,
    placed + interval '3 hours',
    '',
    -- One order in 500 made by staff: the origin filter's few.
    CASE WHEN g %% 500 = 3 THEN 'back_office' ELSE 'storefront' END, false
FROM (SELECT *, status IN (1, 2, 3) AND r %% 100 < 1 AS hold FROM timed) AS t
"""

# Line l of order g; its price and quantity are the ones the grand total summed.
LINE_ROWS = """
INSERT INTO orders_orderline (id, order_id, sku, product_name, variant, quantity,
    unit_price, tax_percent, discount, quantity_cancelled)
SELECT o.id * 4 + l - 4, o.id,
    CASE WHEN z.sku_rank <= 10 THEN 'BEST-' || (z.sku_rank - 1)
         ELSE 'SKU-' || z.sku_rank END,
    'Product ' || l, (ARRAY['S','M','L','XL'])[1 + l %% 4],
    1 + (o.id + l) %% 3, 19.90 + ((o.id + l) %% 50) * 2, 25.00, 0, 0
FROM orders_order o CROSS JOIN LATERAL generate_series(1, 1 + o.id %% 4) AS l
-- The SKU's rank, log-uniform over 50,000 SKUs (Zipf-like, P(rank) ~ 1/(rank + 8)):
-- the best seller is on about 1 line in 85, thousands of SKUs on tens to hundreds.
CROSS JOIN LATERAL (
    SELECT floor(9 * power(50009 / 9.0, ((o.id * 2654435761 + l * 40503) %% 1000003)::float8
        / 1000003))::int - 8 AS sku_rank
) AS z
WHERE o.id <= %(n)s
"""

# Shipments: one per Processing/Completed/Archived order, two (a line each)
# when the order has two lines and id % 20 = 1. Completed and archived orders'
# shipments are completed; Processing orders' created, good-to-go or paid.
SHIPMENT_ROWS = """
INSERT INTO shipments_shipment (id, order_id, sequence, warehouse_id, status, amount,
    shipping_amount, paid_manually, tracking_number, carrier, shipped_date, created_at,
    good_to_go_at, paid_at, completed_at)
SELECT o.id * 2 + s - 2, o.id, s, %(warehouse)s, st, amount,
    CASE WHEN st IN ('paid', 'completed') AND s = 1 THEN o.shipping_price ELSE 0 END,
    false,
    CASE WHEN st = 'completed' THEN 'TRK' || lpad((o.id * 2 + s - 2)::text, 10, '0') ELSE '' END,
    CASE WHEN st = 'completed' THEN 'DHL' ELSE '' END,
    CASE WHEN st = 'completed' THEN (o.placed_at + interval '1 day')::date END,
    o.placed_at + interval '20 hours',
    CASE WHEN st <> 'created' THEN o.placed_at + interval '21 hours' END,
    CASE WHEN st IN ('paid', 'completed') THEN o.placed_at + interval '22 hours' END,
    CASE WHEN st = 'completed' THEN o.placed_at + interval '1 day' END
FROM orders_order o
CROSS JOIN LATERAL generate_series(1, CASE WHEN o.id %% 20 = 1 THEN 2 ELSE 1 END) AS s
CROSS JOIN LATERAL (SELECT CASE
    WHEN o.status IN (4, 5) THEN 'completed'
    ELSE (ARRAY['created', 'good_to_go', 'paid'])[1 + o.id %% 3] END AS st) AS k
CROSS JOIN LATERAL (SELECT CASE WHEN st IN ('paid', 'completed') THEN coalesce(sum(
        l.quantity * l.unit_price), 0) ELSE 0 END AS amount
    FROM orders_orderline l
    WHERE l.order_id = o.id AND (o.id %% 20 <> 1 OR l.id = o.id * 4 + s - 4)) AS a
WHERE o.id <= %(n)s AND o.status IN (3, 4, 5)
"""

SHIPMENT_LINE_ROWS = """
INSERT INTO shipments_shipmentline (shipment_id, order_line_id, quantity, amount)
SELECT s.id, l.id, l.quantity, l.quantity * l.unit_price
FROM shipments_shipment s JOIN orders_orderline l ON l.order_id = s.order_id
WHERE s.order_id <= %(n)s
  AND (s.order_id %% 20 <> 1 OR l.id = s.order_id * 4 + s.sequence - 4)
"""

# Payments: every placed order but one cancelled order in three (never authorized).
PAYMENT_ROWS = """
INSERT INTO payments_payment (id, order_id, status, method, provider, provider_reference,
    currency, authorized_amount, captured_amount, refunded_amount, released_amount,
    test_decline, created_at, updated_at)
SELECT o.id, o.id, st, 'test', 'test', 'test_authorize_' || o.id, o.currency,
    CASE WHEN st = 'failed' THEN 0 ELSE o.grand_total END,
    captured, refunded,
    CASE WHEN st = 'voided' THEN o.grand_total ELSE 0 END,
    '', o.placed_at, o.updated_at
FROM orders_order o
CROSS JOIN LATERAL (SELECT coalesce(sum(s.amount + s.shipping_amount), 0) AS captured
    FROM shipments_shipment s
    WHERE s.order_id = o.id AND s.status IN ('paid', 'completed')) AS c
CROSS JOIN LATERAL (SELECT CASE
    WHEN o.status = 6 AND o.id %% 3 = 0 THEN 'skip'
    WHEN o.status = 6 AND o.id %% 3 = 1 THEN 'failed'
    WHEN o.status = 6 THEN 'voided'
    WHEN captured = 0 THEN 'authorized'
    WHEN o.id %% 50 = 0 AND o.id %% 20 <> 1 THEN 'partially_refunded'
    WHEN captured < o.grand_total THEN 'partially_captured'
    ELSE 'captured' END AS st,
    CASE WHEN o.id %% 50 = 0 AND o.id %% 20 <> 1 AND captured > 0
         THEN 10.00 ELSE 0 END AS refunded) AS k
WHERE o.id <= %(n)s AND o.status <> 0 AND st <> 'skip'
"""

# The ledger: an authorization each, a capture per paid shipment, a refund or void.
LEDGER_ROWS = """
INSERT INTO payments_paymenttransaction (payment_id, kind, purpose, amount, outcome, manual,
    provider_reference, message, raw_response, shipment_ref, reference, return_ref, actor,
    created_at)
SELECT p.id, 'authorize', 'authorization', CASE WHEN p.status = 'failed' THEN o.grand_total
                               ELSE p.authorized_amount END,
    CASE WHEN p.status = 'failed' THEN 'failed' ELSE 'success' END, false,
    p.provider_reference, 'Approved.', '{}'::jsonb, '', '', '', 'system', p.created_at
FROM payments_payment p JOIN orders_order o ON o.id = p.order_id
WHERE p.id <= %(n)s
UNION ALL
SELECT p.id, 'capture', 'capture', s.amount + s.shipping_amount, 'success', false,
    'test_capture_' || s.id, 'Approved.', '{}'::jsonb, o.number || '-' || s.sequence, '',
    '', 'system', s.paid_at
FROM payments_payment p JOIN orders_order o ON o.id = p.order_id
JOIN shipments_shipment s ON s.order_id = o.id AND s.status IN ('paid', 'completed')
WHERE p.id <= %(n)s
UNION ALL
SELECT p.id, CASE WHEN p.status = 'voided' THEN 'void' ELSE 'refund' END,
    CASE WHEN p.status = 'voided' THEN 'void' ELSE 'goodwill_refund' END,
    CASE WHEN p.status = 'voided' THEN p.released_amount ELSE p.refunded_amount END,
    'success', false, 'test_' || p.status || '_' || p.id, 'Approved.', '{}'::jsonb, '',
    CASE WHEN p.status = 'voided' THEN '' ELSE 'Damaged' END, '', 'system',
    p.created_at + interval '5 days'
FROM payments_payment p
WHERE p.id <= %(n)s AND p.status IN ('voided', 'partially_refunded')
"""

# One event per transition the order went through, in order.
EVENT_ROWS = """
INSERT INTO orders_orderevent (order_id, created_at, actor, subject, subject_ref,
    transition, from_state, to_state, message, data)
SELECT o.id, o.placed_at + t.after, 'system', t.subject, '', t.name, t.src, t.dst,
    t.msg, '{}'
FROM orders_order o
JOIN (VALUES
    ('checkout', 'order', '0', '1', 'Order created.', interval '0', ARRAY[1,2,3,4,5,6]),
    ('confirm', 'order', '1', '2', 'Confirmed.', interval '1 hour', ARRAY[2,3,4,5]),
    ('start_processing', 'shipment', '2', '3', 'Shipment created.', interval '20 hours',
     ARRAY[3,4,5]),
    ('capture', 'payment', '3', '3', 'Captured.', interval '22 hours', ARRAY[4,5]),
    ('complete', 'order', '3', '4', 'Completed.', interval '2 days', ARRAY[4,5]),
    ('archive', 'order', '4', '5', 'Archived.', interval '92 days', ARRAY[5]),
    ('cancel', 'order', '1', '6', 'Cancelled.', interval '3 hours', ARRAY[6])
) AS t(name, subject, src, dst, msg, after, statuses) ON o.status = ANY (t.statuses)
WHERE o.id <= %(n)s
"""


def big_order(cursor, n: int, warehouse: int) -> int:
    """The benchmark's big order: 50 lines, 10 shipments of 5 lines, 200 events."""
    g = n + 1
    cursor.execute(
        """INSERT INTO orders_order (id, number, status, on_hold, hold_kind, hold_reason,
               currency, market, pricelist, language, customer_email, customer_name,
               billing_name, billing_street, billing_city, billing_zipcode, billing_country,
               shipping_name, shipping_street, shipping_city, shipping_zipcode,
               shipping_country, shipping_method, shipping_price, payment_method, notes,
               gift_message, grand_total, cancel_reason, created_at, placed_at, confirmed_at,
               completed_at, updated_at, voucher, origin, shipping_price_by_hand)
           VALUES (%s, 100000 + %s, 4, false, '', '', 'EUR', 'EU', 'retail', 'en',
               'big.order@example.com', 'Big Order', 'Big Order', '1 Main Street',
               'Stockholm', '11122', 'SE', 'Big Order', '1 Main Street', 'Stockholm',
               '11122', 'SE', 'Standard', 30.00, 'test', '', '', 4030.00, '',
               now() - interval '3 days', now() - interval '3 days',
               now() - interval '3 days', now() - interval '1 day', now() - interval '1 day',
               '', 'storefront', false)""",
        [g, g],
    )
    cursor.execute(
        """INSERT INTO orders_orderline (id, order_id, sku, product_name, variant, quantity,
               unit_price, tax_percent, discount, quantity_cancelled)
           SELECT %s * 4 + 100 + l, %s, 'BIG-' || l, 'Product ' || l, 'M', 2, 40.00, 25, 0, 0
           FROM generate_series(1, 50) AS l""",
        [n, g],
    )
    cursor.execute(
        """INSERT INTO shipments_shipment (id, order_id, sequence, warehouse_id, status, amount,
               shipping_amount, paid_manually, tracking_number, carrier, shipped_date,
               created_at, good_to_go_at, paid_at, completed_at)
           SELECT %s * 2 + 100 + s, %s, s, %s, 'completed', 400.00,
               CASE WHEN s = 1 THEN 30.00 ELSE 0 END, false, 'BIGTRK' || s, 'DHL',
               current_date - 1, now() - interval '2 days', now() - interval '2 days',
               now() - interval '2 days', now() - interval '1 day'
           FROM generate_series(1, 10) AS s""",
        [n, g, warehouse],
    )
    cursor.execute(
        """INSERT INTO shipments_shipmentline (shipment_id, order_line_id, quantity, amount)
           SELECT %s * 2 + 100 + (l - 1) / 5 + 1, %s * 4 + 100 + l, 2, 80.00
           FROM generate_series(1, 50) AS l""",
        [n, n],
    )
    cursor.execute(
        """INSERT INTO payments_payment (id, order_id, status, method, provider,
               provider_reference, currency, authorized_amount, captured_amount,
               refunded_amount, released_amount, test_decline, created_at, updated_at)
           VALUES (%s, %s, 'captured', 'test', 'test', 'test_authorize_big', 'EUR',
               4030.00, 4030.00, 0, 0, '', now() - interval '3 days', now())""",
        [g, g],
    )
    cursor.execute(
        """INSERT INTO orders_orderevent (order_id, created_at, actor, subject, subject_ref,
               transition, from_state, to_state, message, data)
           SELECT %s, now() - interval '3 days' + e * interval '1 minute', 'system', 'order',
               '', 'comment', '', '', 'Note number ' || e || ' about this order.', '{}'
           FROM generate_series(1, 200) AS e""",
        [g],
    )
    return 100000 + g


def generate(n: int, log=print) -> dict:
    from django.db import connection, transaction

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders_order")
        if cursor.fetchone()[0]:
            sys.exit("The database already has orders: generate into an empty, migrated one.")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET jit = off")
        with transaction.atomic():
            cursor.execute(
                "INSERT INTO shipments_warehouse (name, priority, is_active) "
                "VALUES ('Bench warehouse', 1, true) ON CONFLICT (name) DO NOTHING"
            )
            cursor.execute("SELECT id FROM shipments_warehouse WHERE name = 'Bench warehouse'")
            warehouse = cursor.fetchone()[0]
        steps = [
            ("orders", ORDER_ROWS),
            ("lines", LINE_ROWS),
            ("shipments", SHIPMENT_ROWS),
            ("shipment lines", SHIPMENT_LINE_ROWS),
            ("payments", PAYMENT_ROWS),
            ("ledger rows", LEDGER_ROWS),
            ("events", EVENT_ROWS),
        ]
        counts = {}
        for name, sql in steps:
            step = time.perf_counter()
            with transaction.atomic():
                cursor.execute(sql, {"n": n, "warehouse": warehouse})
                counts[name] = cursor.rowcount
            log(f"{name}: {cursor.rowcount:,} in {time.perf_counter() - step:.0f}s")
        with transaction.atomic():
            counts["big order"] = big_order(cursor, n, warehouse)
        for table in (
            "orders_order",
            "orders_orderline",
            "shipments_shipment",
            "shipments_shipmentline",
            "payments_payment",
            "payments_paymenttransaction",
            "orders_orderevent",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute(
            "SELECT setval('orders_order_number_seq', (SELECT max(number) FROM orders_order))"
        )
    connection.close()
    with connection.cursor() as cursor:  # VACUUM cannot run inside a transaction
        step = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        log(f"vacuum analyze in {time.perf_counter() - step:.0f}s")
    counts["seconds"] = round(time.perf_counter() - started)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centra_orders.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    counts = generate(args.orders)
    print(counts)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
