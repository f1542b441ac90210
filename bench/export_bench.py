"""Benchmark: the CSV export of 100,000 orders on PostgreSQL, its time and peak memory.

    uv run python bench/export_bench.py --orders 100000

1. Builds a database `centra_bench_export` (migrated, then filled by the archive
   benchmark's set-based `fill`: N Completed orders in four markets, two lines
   and two events each), and adds with `INSERT … SELECT` one captured payment
   per order and one completed shipment holding both lines, so every column of
   the export (payment state, captured, shipped units) has something to read.
2. Exports in a child process each (a fresh interpreter, so its peak memory is
   its own), to /dev/null:
   - `manage.py export_orders --market US` (a quarter of the orders) and
     `--status 4` (all of them), one row per order;
   - the same with `--lines` (one row per line: twice the rows);
   - the admin's "Export" link for all of them, through Django's test client,
     reading the streamed response chunk by chunk as a browser would.
3. Prints rows, seconds, rows/second, and the peak resident set of each run
   (getrusage ru_maxrss) with its growth during the export. Flat peaks across
   a quarter and all of the orders are the constant-memory claim.

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from archive_bench import admin, fill, server_url, server_version

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "centra_bench_export"


def build(args) -> None:
    started = time.perf_counter()
    admin(args, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", f"CREATE DATABASE {DATABASE}")
    env = {**os.environ, "DATABASE_URL": f"{server_url(args)}/{DATABASE}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    with psycopg.connect(f"{server_url(args)}/{DATABASE}", autocommit=True) as conn:
        fill(conn, args.orders)
        add_payments_and_shipments(conn)
        conn.execute("VACUUM ANALYZE")
    print(f"data: {args.orders:,} completed orders in {time.perf_counter() - started:.1f}s")


def add_payments_and_shipments(conn) -> None:
    conn.execute(
        """INSERT INTO payments_payment (order_id, status, method, provider, provider_reference,
               currency, authorized_amount, captured_amount, refunded_amount, test_decline,
               created_at, updated_at)
           SELECT id, 'captured', 'card', 'test', 'ref-' || id, currency, grand_total,
                  grand_total, 0, '', placed_at, completed_at
           FROM orders_order"""
    )
    conn.execute(
        "INSERT INTO shipments_warehouse (name, priority, is_active) VALUES ('Main', 1, true)"
    )
    conn.execute(
        """INSERT INTO shipments_shipment (order_id, sequence, warehouse_id, status, amount,
               shipping_amount, paid_manually, tracking_number, carrier, shipped_date,
               created_at, good_to_go_at, paid_at, completed_at)
           SELECT o.id, 1, w.id, 'completed', o.grand_total, o.shipping_price, false,
                  'TRACK' || o.id, 'PostNord', o.completed_at::date,
                  o.confirmed_at, o.confirmed_at, o.completed_at, o.completed_at
           FROM orders_order o CROSS JOIN shipments_warehouse w"""
    )
    conn.execute(
        """INSERT INTO shipments_shipmentline (shipment_id, order_line_id, quantity, amount)
           SELECT s.id, l.id, l.quantity, l.unit_price * l.quantity
           FROM shipments_shipment s JOIN orders_orderline l ON l.order_id = s.order_id"""
    )


def measure(args, way: str, *options: str) -> dict:
    command = [sys.executable, __file__, "--child", way, "--server", args.server, "--", *options]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{way} {options} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(args) -> None:
    os.environ["DATABASE_URL"] = f"{server_url(args)}/{DATABASE}"
    # As in production: DEBUG off, so Django keeps no log of every query.
    os.environ.update(
        DEBUG="false", SECRET_KEY="bench-only", HTTPS="false", ALLOWED_HOSTS="testserver"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centra_orders.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()
    run = {"command": child_command, "link": child_link}[args.child]
    rss_before = peak_rss_kib()
    started = time.perf_counter()
    rows = run(args.rest)
    figures = {
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "peak_rss_kib": peak_rss_kib(),
        "rss_growth_kib": peak_rss_kib() - rss_before,
    }
    print(json.dumps(figures))


class _Counting:
    """A file that only counts the lines written to it (the export goes nowhere)."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> None:
        self.lines += text.count("\r\n")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def child_command(options: list[str]) -> int:
    from django.core.management import call_command

    out = _Counting()
    call_command("export_orders", *options, stdout=out)
    return out.lines - 1  # the header


def child_link(options: list[str]) -> int:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-export", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    response = client.get("/admin/orders/order/export/?" + "&".join(options))
    assert response.status_code == 200, response.status_code
    lines = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\r\n")
    return lines - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reuse", action="store_true", help="skip building the data")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if not args.reuse:
        build(args)
    quarter = "a quarter (--market US)"
    everything = "all (--status 4)"
    runs = [
        (f"export_orders, {quarter}", "command", ["--market", "US"]),
        (f"export_orders, {everything}", "command", ["--status", "4"]),
        (f"export_orders --lines, {quarter}", "command", ["--market", "US", "--lines"]),
        (f"export_orders --lines, {everything}", "command", ["--status", "4", "--lines"]),
        (f"admin Export link, {everything}", "link", ["status=4"]),
    ]
    print(f"\n{args.orders:,} orders; {os.cpu_count()} CPUs; {server_version(args)}\n")
    print(f"{'export':<44} {'rows':>9} {'seconds':>8} {'rows/s':>8} {'peak RSS':>10} {'growth':>9}")
    for name, way, options in runs:
        f = measure(args, way, *options)
        print(
            f"{name:<44} {f['rows']:>9,} {f['seconds']:>8.2f} {f['rows'] / f['seconds']:>8,.0f} "
            f"{f['peak_rss_kib'] / 1024:>6.1f} MiB {f['rss_growth_kib'] / 1024:>5.1f} MiB"
        )


if __name__ == "__main__":
    main()
