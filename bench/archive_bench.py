"""Benchmark: archiving completed orders on PostgreSQL, three ways, on copies of the same data.

    uv run python bench/archive_bench.py --orders 200000

1. Builds a template database `centra_bench_template` (migrated, then filled with
   N Completed orders, completed 60 days ago, two lines and two history events
   each). The rows are written directly with INSERT … SELECT generate_series:
   fine for a benchmark's fixture data, and the only way to make 200,000 orders
   in seconds (the services would take minutes). Columns added by later
   migrations are filled with their type's zero, so the script survives schema
   growth.
2. For each measurement, `CREATE DATABASE centra_bench_run TEMPLATE
   centra_bench_template` gives an identical copy, and a child process (fresh
   interpreter, so peak memory is its own) times one way of archiving:
   - `archive_orders`: the management command (keyset batches, SELECT … FOR
     UPDATE SKIP LOCKED, one guarded UPDATE and one events INSERT per batch).
     Run twice, over a quarter of the orders (`--limit`) and over all of them, to
     show that its peak memory does not grow with the count.
   - the archive service in a plain loop, one order per transaction. This takes
     a sample (`--sample`, default 5,000 orders) and reports its rate: the whole
     200,000 would take many minutes at that speed.
   - one raw `UPDATE orders_order SET status = 5 WHERE status = 4 AND …`: the
     physical limit, which writes no events and sets nothing else.
3. Prints orders/second for each, and the peak memory of archive_orders.

Peak memory is the child's peak resident set (getrusage ru_maxrss) above the
resident set it had just before the run (Django and the connection loaded), and
tracemalloc's peak of Python allocations in a separate, untimed run (tracemalloc
slows Python down, so it is kept out of the timings).

Only databases named centra_bench* are created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "centra_bench_template"
RUN = "centra_bench_run"
ACTOR = "bench:archive_service_loop"


def server_url(args) -> str:
    return args.server.rstrip("/")


def admin(args, *statements: str) -> None:
    with psycopg.connect(f"{server_url(args)}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def recreate(args, name: str, template: str | None = None) -> None:
    assert name.startswith("centra_bench")
    create = f"CREATE DATABASE {name}" + (
        f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
    )
    admin(args, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", create)


# 1. The template database


def build_template(args) -> None:
    started = time.perf_counter()
    recreate(args, TEMPLATE)
    env = {**os.environ, "DATABASE_URL": f"{server_url(args)}/{TEMPLATE}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    with psycopg.connect(f"{server_url(args)}/{TEMPLATE}", autocommit=True) as conn:
        fill(conn, args.orders)
        conn.execute("VACUUM ANALYZE")
    print(f"template: {args.orders:,} completed orders in {time.perf_counter() - started:.1f}s")


ORDER_VALUES = {
    "number": "100000 + g",
    "status": "4",  # Completed
    "on_hold": "false",
    "currency": "(ARRAY['EUR','SEK','USD','GBP'])[1 + g %% 4]",
    "market": "(ARRAY['EU','SE','US','UK'])[1 + g %% 4]",
    "pricelist": "'retail'",
    "language": "'en'",
    "customer_email": "'customer' || g || '@example.com'",
    "customer_name": "'Customer ' || g",
    "billing_name": "'Customer ' || g",
    "billing_street": "g || ' Main Street'",
    "billing_city": "'Stockholm'",
    "billing_zipcode": "'11122'",
    "billing_country": "(ARRAY['DE','SE','US','GB'])[1 + g %% 4]",
    "shipping_name": "'Customer ' || g",
    "shipping_street": "g || ' Main Street'",
    "shipping_city": "'Stockholm'",
    "shipping_zipcode": "'11122'",
    "shipping_country": "(ARRAY['DE','SE','US','GB'])[1 + g %% 4]",
    "shipping_method": "'Standard'",
    "shipping_price": "5.00",
    "payment_method": "'test'",
    "grand_total": "104.80",
    "created_at": "now() - interval '70 days'",
    "placed_at": "now() - interval '70 days'",
    "confirmed_at": "now() - interval '69 days'",
    "completed_at": "now() - interval '60 days' + g * interval '1 second'",
    "updated_at": "now() - interval '60 days'",
}

ZERO_BY_TYPE = {
    "boolean": "false",
    "integer": "0",
    "bigint": "0",
    "smallint": "0",
    "numeric": "0",
    "jsonb": "'{}'::jsonb",
    "timestamp with time zone": "now()",
    "date": "current_date",
}


def fill(conn, count: int) -> None:
    columns = dict(ORDER_VALUES)
    # Required columns this script does not know (added by later migrations): zero values.
    for name, data_type in conn.execute(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_name = 'orders_order' AND is_nullable = 'NO'
             AND column_default IS NULL AND is_identity = 'NO'"""
    ):
        columns.setdefault(name, ZERO_BY_TYPE.get(data_type, "''"))
    conn.execute(
        f"INSERT INTO orders_order ({', '.join(columns)}) "
        f"SELECT {', '.join(columns.values())} FROM generate_series(1, %s) AS g",
        (count,),
    )
    conn.execute("SELECT setval('orders_order_number_seq', 100000 + %s)", (count,))
    conn.execute(
        """INSERT INTO orders_orderline (order_id, sku, product_name, variant, quantity,
               unit_price, tax_percent, discount, quantity_cancelled)
           SELECT o.id, 'SKU-' || (o.id % 500) || '-' || l, 'Product ' || l, 'M', l,
                  49.90, 25.00, 0, 0
           FROM orders_order o CROSS JOIN generate_series(1, 2) AS l"""
    )
    conn.execute(
        """INSERT INTO orders_orderevent (order_id, created_at, actor, subject, subject_ref,
               transition, from_state, to_state, message, data)
           SELECT o.id, o.placed_at, 'bench', 'order', '', t.name, t.src, t.dst, t.msg, '{}'
           FROM orders_order o CROSS JOIN (VALUES
               ('checkout', '0', '1', 'Order created.'),
               ('confirm', '1', '2', 'Confirmed.')) AS t(name, src, dst, msg)"""
    )


# 2. Measurements, each in a child process on a fresh copy


def measure(args, way: str, **extra) -> dict:
    recreate(args, RUN, template=TEMPLATE)
    admin(args, "CHECKPOINT")  # start each run with the same clean buffers on disk
    command = [sys.executable, __file__, "--child", way, "--server", args.server]
    for key, value in extra.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{way} failed:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    with psycopg.connect(f"{server_url(args)}/{RUN}") as conn:
        figures["archived_rows"], figures["archive_events"] = conn.execute(
            """SELECT (SELECT count(*) FROM orders_order WHERE status = 5),
                      (SELECT count(*) FROM orders_orderevent WHERE transition = 'archive')"""
        ).fetchone()
    admin(args, f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)")
    return figures


def child(args) -> None:
    os.environ["DATABASE_URL"] = f"{server_url(args)}/{RUN}"
    # As in production (cron): DEBUG off, so Django keeps no log of every query.
    os.environ.update(DEBUG="false", SECRET_KEY="bench-only", HTTPS="false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centra_orders.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()
    figures = {
        "archive_orders": child_command,
        "service_loop": child_loop,
        "raw_update": child_raw,
        "raw_with_events": child_raw_with_events,
    }[args.child](args)
    print(json.dumps(figures))


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_command(args) -> dict:
    import tracemalloc
    from io import StringIO

    from django.core.management import call_command

    options = {"batch_size": args.batch_size, "stdout": StringIO()}
    if args.limit:
        options["limit"] = args.limit
    if args.tracemalloc:
        tracemalloc.start()
    rss_before = peak_rss_kib()
    started = time.perf_counter()
    call_command("archive_orders", **options)
    seconds = time.perf_counter() - started
    figures = {
        "seconds": seconds,
        "orders": int(options["stdout"].getvalue().split("Archived ")[1].split()[0]),
        "rss_growth_kib": peak_rss_kib() - rss_before,
        "peak_rss_kib": peak_rss_kib(),
    }
    if args.tracemalloc:
        figures["tracemalloc_peak_kib"] = tracemalloc.get_traced_memory()[1] // 1024
    return figures


def child_loop(args) -> dict:
    from orders import services
    from orders.models import Order, OrderStatus

    ids = list(
        Order.objects.filter(status=OrderStatus.COMPLETED)
        .order_by("pk")
        .values_list("pk", flat=True)[: args.sample]
    )
    started = time.perf_counter()
    for order_id in ids:
        services.archive_order(order_id=order_id, by=ACTOR)
    return {"seconds": time.perf_counter() - started, "orders": len(ids)}


def child_raw_with_events(args) -> dict:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """WITH changed AS (
                   UPDATE orders_order SET status = 5, archived_at = now(), updated_at = now()
                   WHERE status = 4 AND completed_at < now() - interval '30 days'
                   RETURNING id)
               INSERT INTO orders_orderevent (order_id, created_at, actor, subject, subject_ref,
                   transition, from_state, to_state, message, data)
               SELECT id, now(), 'bench', 'order', '', 'archive', '4', '5', 'Archived.', '{}'
               FROM changed"""
        )
        count = cursor.rowcount
    return {"seconds": time.perf_counter() - started, "orders": count}


def child_raw(args) -> dict:
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET status = 5 "
            "WHERE status = 4 AND completed_at < now() - interval '30 days'"
        )
        count = cursor.rowcount
    return {"seconds": time.perf_counter() - started, "orders": count}


# 3. Report


def server_version(args) -> str:
    with psycopg.connect(f"{server_url(args)}/postgres") as conn:
        return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]


def rate(figures: dict) -> float:
    return figures["orders"] / figures["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=5_000, help="orders for the service loop")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--repeat", type=int, default=2, help="runs per way; the fastest counts")
    parser.add_argument("--reuse-template", action="store_true", help="skip building the data")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tracemalloc", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    if not args.reuse_template:
        build_template(args)
    quarter = max(1, args.orders // 4)
    ways = {
        "raw SQL UPDATE of the status only": ("raw_update", {}),
        "raw SQL UPDATE + INSERT events, one statement": ("raw_with_events", {}),
        f"archive_orders (batch {args.batch_size})": (
            "archive_orders",
            {"batch_size": args.batch_size},
        ),
        f"archive service loop (sample of {args.sample:,})": (
            "service_loop",
            {"sample": args.sample},
        ),
        f"archive_orders, first {quarter:,} (--limit)": (
            "archive_orders",
            {"batch_size": args.batch_size, "limit": quarter},
        ),
    }
    # The machine is shared: each way runs --repeat times, interleaved, and the
    # fastest run counts (the one least disturbed by other work).
    tries: dict[str, list[dict]] = {name: [] for name in ways}
    for _ in range(args.repeat):
        for name, (way, extra) in ways.items():
            tries[name].append(measure(args, way, **extra))
    runs = {name: min(results, key=lambda f: f["seconds"]) for name, results in tries.items()}
    memory = {
        size: measure(args, "archive_orders", batch_size=args.batch_size, limit=size, tracemalloc=1)
        for size in (quarter, args.orders)
    }
    small = runs.pop(f"archive_orders, first {quarter:,} (--limit)")

    raw = rate(runs["raw SQL UPDATE of the status only"])
    print(
        f"\n{args.orders:,} completed orders; batch size {args.batch_size}; "
        f"best of {args.repeat} runs each; {os.cpu_count()} CPUs; {server_version(args)}\n"
    )
    print(f"{'way':<44} {'orders':>9} {'seconds':>8} {'orders/s':>9} {'vs raw':>7} {'events':>8}")
    for name, figures in runs.items():
        print(
            f"{name:<44} {figures['orders']:>9,} {figures['seconds']:>8.2f} "
            f"{rate(figures):>9,.0f} {rate(figures) / raw:>7.0%} {figures['archive_events']:>8,}"
        )
    print("\narchive_orders peak memory")
    full = runs[f"archive_orders (batch {args.batch_size})"]
    for size, timed in ((quarter, small), (args.orders, full)):
        print(
            f"  {size:>9,} orders: peak RSS {timed['peak_rss_kib'] / 1024:6.1f} MiB "
            f"(+{timed['rss_growth_kib'] / 1024:5.1f} MiB during the run), "
            f"tracemalloc peak {memory[size]['tracemalloc_peak_kib'] / 1024:5.1f} MiB"
        )


if __name__ == "__main__":
    main()
