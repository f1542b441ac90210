"""Benchmark: `reconcile_payments` over a settlement report of 100,000 rows on PostgreSQL.

    uv run python bench/reconcile_bench.py --rows 100000

1. Builds a database `centra_bench_reconcile` (migrated), one confirmed order
   through the services, and N settled captures on its payment (bulk-inserted:
   the reconciliation only reads the ledger).
2. Writes the report of those rows as a CSV in Adyen's Settlement details shape,
   with 1 % planted mismatches of each kind: an amount a cent off, an unknown
   reference added, a row left out (missing after 3 days).
3. Runs `manage.py reconcile_payments` in a child process (its own peak memory),
   then checks every plant is found and nothing else is: matched = N − 2 %.
4. Prints rows, seconds, rows/second and the child's peak resident set.

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
NAME = "centra_bench_reconcile"
sys.path.insert(0, str(ROOT))


def recreate(server: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")


def build(rows: int, report: Path) -> dict:
    """In this process: the ledger and the report; the plants, by kind."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centra_orders.settings")
    django.setup()
    from orders.models import OrderStatus
    from payments.models import Payment
    from tests.factories import OrderFactory
    from tests.reconcile_support import report_with_plants, settled_ledger

    payment = Payment.objects.get(order=OrderFactory(status=OrderStatus.CONFIRMED))
    stream, planted = report_with_plants(settled_ledger(payment, rows))
    report.write_text(stream.getvalue())
    return {kind: sorted(refs) for kind, refs in planted.items()}


def child(report: Path) -> None:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "reconcile_payments", str(report), "--missing-after", "3"],
        cwd=ROOT,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": round(seconds, 2), "peak_rss_mib": round(peak / 1024, 1)}))


def check(planted: dict, rows: int) -> dict:
    from payments.models import ReconciliationLine, ReconciliationRun

    run = ReconciliationRun.objects.first()
    for kind, refs in planted.items():
        got = sorted(
            ReconciliationLine.objects.filter(run=run, finding=kind).values_list(
                "psp_reference", flat=True
            )
        )
        assert got == refs, f"{kind}: {len(got)} found, {len(refs)} planted"
    matched = ReconciliationLine.objects.filter(run=run, finding="matched").count()
    assert matched == rows - len(planted["missing"]) - len(planted["amount_differs"])
    return {
        "rows_read": run.rows_read,
        "matched": matched,
        **{k: len(v) for k, v in planted.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    server = args.server.rstrip("/")
    recreate(server)
    os.environ["DATABASE_URL"] = f"{server}/{NAME}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, check=True
    )
    report = Path(f"/tmp/{NAME}.csv")
    planted = build(args.rows, report)
    child(report)
    print(json.dumps(check(planted, args.rows)))


if __name__ == "__main__":
    main()
