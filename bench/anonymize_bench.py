"""Benchmark: `anonymize_orders` on one customer's orders among many, on PostgreSQL.

    uv run python bench/anonymize_bench.py --orders 1000000 --customer-orders 10000

1. Builds a template database `centra_bench_anon_template`: migrated, filled by
   `bench/generate_million.py` (its realistic mix of statuses, lines, shipments,
   payments, ledger rows and events), then `--customer-orders` of its closed
   orders (Completed, Archived, Cancelled, spread over the whole table) are given
   to one customer: name, e-mail, addresses, a note with a phone number and a
   staff comment naming them. `--reuse` keeps a template built before.
2. On a fresh copy (`CREATE DATABASE … TEMPLATE`), a child process (its own
   interpreter, so the peak memory is its own) prints the plan of the batch's
   claim query (EXPLAIN), then times the command, and reports the peak resident
   set above what it had before the run (getrusage ru_maxrss). A second copy
   measures tracemalloc's peak of Python allocations, untimed.
3. Checks the result: no order has the e-mail any more, every one of the
   customer's orders has its "anonymize" event, no other order changed.

Only databases named centra_bench_anon* are created and dropped.
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
TEMPLATE = "centra_bench_anon_template"
RUN = "centra_bench_anon_run"
EMAIL = "bench.customer@example.com"
NAME = "Bench Customer"


def admin(args, *statements: str) -> None:
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def recreate(args, name: str, template: str | None = None) -> None:
    if not name.startswith("centra_bench_anon"):
        raise ValueError(f"{name} is not a benchmark database.")
    create = f"CREATE DATABASE {name}" + (
        f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
    )
    admin(args, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", create)


def template_exists(args) -> bool:
    with psycopg.connect(f"{args.server}/postgres") as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE])
        return found.fetchone() is not None


def migrate(args) -> dict:
    env = {**os.environ, "DATABASE_URL": f"{args.server}/{TEMPLATE}"}
    run = [sys.executable, "manage.py", "migrate", "--verbosity", "0"]
    subprocess.run(run, cwd=ROOT, env=env, check=True)
    return env


def build_template(args) -> None:
    started = time.perf_counter()
    recreate(args, TEMPLATE)
    env = migrate(args)
    generate = [sys.executable, "bench/generate_million.py", "--orders", str(args.orders)]
    subprocess.run(generate, cwd=ROOT, env=env, check=True)
    with psycopg.connect(f"{args.server}/{TEMPLATE}", autocommit=True) as conn:
        give_orders_to_one_customer(conn, args.customer_orders)
        conn.execute("VACUUM ANALYZE")
    print(f"template: {args.orders:,} orders in {time.perf_counter() - started:.0f}s")


def give_orders_to_one_customer(conn, count: int) -> None:
    """`count` closed orders, every (total // count)-th, become the customer's."""
    total = conn.execute("SELECT count(*) FROM orders_order WHERE status IN (4, 5, 6)")
    step = max(1, total.fetchone()[0] // count)
    conn.execute(
        """CREATE TEMP TABLE customer_orders AS
           SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n
                           FROM orders_order WHERE status IN (4, 5, 6)) AS o
           WHERE n %% %s = 0 LIMIT %s""",
        [step, count],
    )
    conn.execute(
        """UPDATE orders_order SET customer_email = %s, customer_name = %s,
               billing_name = %s, shipping_name = %s,
               billing_street = '7 Bench Street', shipping_street = '7 Bench Street',
               notes = 'Call +46 70 000 00 00 before delivery'
           WHERE id IN (SELECT id FROM customer_orders)""",
        [EMAIL, NAME, NAME, NAME],
    )
    conn.execute(
        """INSERT INTO orders_orderevent (order_id, created_at, actor, subject, subject_ref,
               transition, from_state, to_state, message, data)
           SELECT id, now(), 'bench', 'comment', '', 'comment', '', '',
               %s || ' asked about the delivery.', '{}'
           FROM customer_orders""",
        [NAME],
    )


def measure(args, way: str) -> dict:
    recreate(args, RUN, template=TEMPLATE)
    admin(args, "CHECKPOINT")
    command = [sys.executable, __file__, "--child", way, "--server", args.server]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{way} failed:\n{result.stdout}\n{result.stderr}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    with psycopg.connect(f"{args.server}/{RUN}") as conn:
        figures["left_with_the_email"], figures["anonymised"], figures["events"] = conn.execute(
            """SELECT (SELECT count(*) FROM orders_order WHERE customer_email = %s),
                      (SELECT count(*) FROM orders_order WHERE anonymized_at IS NOT NULL),
                      (SELECT count(*) FROM orders_orderevent WHERE transition = 'anonymize')""",
            [EMAIL],
        ).fetchone()
    admin(args, f"DROP DATABASE IF EXISTS {RUN} WITH (FORCE)")
    return figures


def child(args) -> None:
    os.environ["DATABASE_URL"] = f"{args.server}/{RUN}"
    # As in production (cron): DEBUG off, so Django keeps no log of every query.
    os.environ.update(DEBUG="false", SECRET_KEY="bench-only", HTTPS="false")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centra_orders.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from backoffice.services.anonymize import anonymizable
    from orders.models import Order

    connection.ensure_connection()
    claim = anonymizable(Order.objects.filter(customer_email=EMAIL, pk__gt=0)).order_by("pk")
    plan = claim.values("pk")[:2000].explain()
    figures = {"plan": plan}
    if args.child == "tracemalloc":
        import tracemalloc

        tracemalloc.start()
        call_command("anonymize_orders", email=EMAIL, verbosity=0)
        figures["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    else:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        call_command("anonymize_orders", email=EMAIL, verbosity=0)
        figures["seconds"] = round(time.perf_counter() - started, 2)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        figures["rss_before_mb"] = round(before / 1024, 1)
        figures["rss_growth_mb"] = round((peak - before) / 1024, 1)
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customer-orders", type=int, default=10_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reuse", action="store_true", help="Keep the template if it exists.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.server = args.server.rstrip("/")
    if args.child:
        child(args)
        return
    if args.reuse and template_exists(args):
        migrate(args)  # a template built before a later migration catches up
    else:
        build_template(args)
    timed = measure(args, "timed")
    traced = measure(args, "tracemalloc")
    print(timed.pop("plan"))
    traced.pop("plan")
    print(json.dumps({"timed": timed, "tracemalloc": traced}, indent=2))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
