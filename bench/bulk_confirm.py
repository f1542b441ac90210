"""Benchmark: confirming about 1,000 orders from the admin's list, bulk path against one by one.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_million \\
        uv run python bench/bulk_confirm.py

Selects the Pending orders placed in the newest six days of the generated million
(bench/generate_million.py) with the list's "select all" and posts "Confirm",
which runs `orders.bulk.confirm_orders`; then confirms the same orders one by one
through `services.confirm_order`, as the action did before. Each way runs in a
transaction that is rolled back, so the data stays as generated. Prints the time,
the queries, and the load average.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from admin_pages import setup


class Rollback(Exception):
    pass


def main() -> None:
    setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from orders import services
    from orders.models import Order, OrderStatus

    user = get_user_model().objects.get(username="bench")
    client = Client()
    client.force_login(user)
    newest = timezone.localdate(Order.objects.order_by("-number").first().placed_at)
    start = newest - timedelta(days=6)
    query = f"?status=1&placed_after={start}&placed_before={newest}"
    url = "/admin/orders/order/" + query
    pending = Order.objects.filter(
        status=OrderStatus.PENDING, placed_at__date__gte=start, placed_at__date__lte=newest
    )
    ids = list(pending.values_list("pk", flat=True))
    print(f"{len(ids)} pending orders ({sum(pending.values_list('on_hold', flat=True))} on hold)")
    page = ids[:50]  # the list's visible checkboxes; "select all" takes every match

    for way in ("bulk path (admin action)", "one by one (services.confirm_order)"):
        try:
            with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                if way.startswith("bulk"):
                    data = {"action": "confirm", "index": 0, "select_across": 1}
                    response = client.post(url, data | {"_selected_action": page})
                    assert response.status_code == 302, response.status_code
                else:
                    for pk in pending.filter(on_hold=False).values_list("pk", flat=True):
                        services.confirm_order(order_id=pk, by=user)
                seconds = time.perf_counter() - started
                done = Order.objects.filter(pk__in=ids, status=OrderStatus.CONFIRMED).count()
                raise Rollback
        except Rollback:
            pass
        print(
            f"{way}: {done} confirmed in {seconds:.2f} s, {len(queries)} queries "
            f"({len(queries) / max(done, 1):.2f} per order), load {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
