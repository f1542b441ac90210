"""Benchmark: the CSV export's rows per second and peak memory at 10,000 and 200,000 rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_million \\
        uv run python bench/export_scale.py [--rows 10000 200000]

On a database filled by bench/generate_million.py (every status, 1–4 lines per
order, shipments, payments), each run exports the newest N orders (the orders
with the N highest ids, the export's own order) through `backoffice.export`, to
/dev/null, in a fresh child interpreter so its peak resident set is its own: one
row per order, then one row per line (about 2.5 times the rows). Prints rows,
seconds, rows/s, the peak RSS and its growth during the export, and the load.
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

HERE = Path(__file__).resolve().parent


def child(orders: int, per_line: bool) -> dict:
    sys.path.insert(0, str(HERE))
    from admin_pages import setup

    setup()
    from backoffice import export
    from orders.models import Order

    newest = Order.objects.order_by("-pk").values_list("pk", flat=True)
    first = newest[orders - 1]
    selection = Order.objects.filter(pk__gte=first)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    rows = -1  # the header
    with open(os.devnull, "w", encoding="utf-8") as out:
        for chunk in export.csv_chunks(selection, per_line=per_line):
            rows += chunk.count("\r\n")
            out.write(chunk)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": rows, "seconds": seconds, "peak_kib": peak, "growth_kib": peak - before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 200_000])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1] == "lines")))
        return
    print(f"load {os.getloadavg()}")
    print("| export | orders | rows | seconds | rows/s | peak RSS MiB | growth MiB | load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for orders in args.rows:
        for kind in ("orders", "lines"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(orders), kind],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            f = json.loads(out.strip().splitlines()[-1])
            print(
                f"| one row per {kind[:-1]} | {orders:,} | {f['rows']:,} | {f['seconds']:.2f} "
                f"| {f['rows'] / f['seconds']:,.0f} | {f['peak_kib'] / 1024:.0f} "
                f"| {f['growth_kib'] / 1024:.1f} | {os.getloadavg()[0]:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
