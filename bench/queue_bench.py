"""Benchmark: queueing a background step over a large selection ("select all" + a step).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_million \\
        uv run python bench/queue_bench.py [--sizes 50000 500000] [--repeat 5]

Two ways, each timed `--repeat` times after a warm-up (median, range, load average):

- "action": the orders admin's bulk action itself (`take_step_in_bulk`, the code
  the list's "Go" runs) over the first N orders by id, so the sizes are exact;
- "list": the list's own POST, "Select all N matching" with Archive over the
  Completed orders and Reactivate over the Archived ones, as the browser sends it.

The time is the request's. On PostgreSQL the job keeps its selection as a query
and the worker reads the ids when it starts the job: that read is timed once per
row, untimed for the request, as the worker would run it ("worker reads"), and
checks the job's size. Each queued job is deleted again (nothing is taken: no
worker runs), so the orders are unchanged. Fill the database first with
bench/generate_million.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from admin_pages import setup


def timed(run, repeat: int) -> dict:
    """The request's times; the warm-up's job is read as the worker would, once."""
    job = run()  # warm-up
    read = read_as_the_worker(job)
    job.delete()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        job = run()
        times.append((time.perf_counter() - started) * 1000)
        job.delete()
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "total": read["total"],
        "worker": read["ms"],
    }


def read_as_the_worker(job) -> dict:
    """The job's ids read into it (the worker's first step, when the request kept
    the selection as a query), timed; and how many there are."""
    from backoffice.jobs.selection import freeze_sql

    started = time.perf_counter()
    if not job.selection_read:
        freeze_sql(job, job.selection_sql, job.selection_params)
    elapsed = (time.perf_counter() - started) * 1000
    job.refresh_from_db(fields=["total"])
    return {"total": job.total, "ms": elapsed if elapsed > 1 else None}


def queue_by_action(user, size: int):
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    from backoffice.models import StepJob
    from orders.models import Order

    model_admin = admin.site._registry[Order]
    step = next(s for s in model_admin.steps if s.name == "archive")
    first_ids = Order.objects.order_by("pk").values_list("pk", flat=True)
    last = first_ids[size - 1]

    def run():
        request = RequestFactory().post("/admin/orders/order/", {"action": "archive"})
        request.user = user
        request.session = {}
        request._messages = FallbackStorage(request)
        selection = Order.objects.filter(pk__lte=last)
        response = model_admin.take_step_in_bulk(request, selection, step)
        assert response.status_code == 302, response
        return StepJob.objects.latest("pk")

    return run


def queue_by_list(client, status: int, action: str):
    from backoffice.models import StepJob
    from orders.models import Order

    url = f"/admin/orders/order/?status={status}"
    ticked = Order.objects.filter(status=status).values_list("pk", flat=True)[:1]

    def run():
        # "Select all N matching": the whole filtered list, whatever was ticked.
        data = {"action": action, "index": 0, "select_across": 1, "_selected_action": ticked}
        response = client.post(url, data)
        assert response.status_code == 302, response.status_code
        return StepJob.objects.latest("pk")

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 500_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from orders.models import OrderStatus

    User = get_user_model()
    user = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", "bench@example.com", "bench"
    )
    print(f"load {os.getloadavg()}")
    print("| queueing | orders | median ms | min–max ms | worker reads ms | load |")
    print("|---|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        m = timed(queue_by_action(user, size), args.repeat)
        assert m["total"] == size, m["total"]
        load = os.getloadavg()[0]
        print(f"| bulk action, first N by id | {size:,} | {row(m)} | {load:.1f} |", flush=True)
    client = Client()
    client.force_login(user)
    selections = [(OrderStatus.COMPLETED, "archive"), (OrderStatus.ARCHIVED, "reactivate")]
    for status, action in selections:
        m = timed(queue_by_list(client, status, action), args.repeat)
        print(
            f"| list POST, select all {OrderStatus(status).label} + {action} | {m['total']:,} "
            f"| {row(m)} | {os.getloadavg()[0]:.1f} |",
            flush=True,
        )


def row(m: dict) -> str:
    worker = "–" if m["worker"] is None else f"{m['worker']:,.0f}"
    return f"{m['median']:,.0f} | {m['min']:,.0f}–{m['max']:,.0f} | {worker}"


if __name__ == "__main__":
    main()
