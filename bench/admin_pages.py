"""Benchmark: the admin's pages on the generated million, against stock Django admin.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_million \\
        uv run python bench/admin_pages.py [--repeat 5] [--stock-repeat 3] [--only orders]

Every page is requested through Django's test client in this process (server
time: URL resolution, middleware, queries, rendering; no network), DEBUG off,
logged in as a superuser. Each page is requested once to warm up, then
--repeat times; the table gives the median and the range in milliseconds, the
number of queries (counted in one more, untimed request), the response size,
and the machine's one-minute load average when the row was measured (2 cores
shared with other work: read every figure next to its load).

Every page's median is also given as a multiple of stock Django admin's default
orders list (bench/stock_admin.py: the same models registered the usual way,
mounted at /stock/), measured in the same run before and after this project's
pages. Where stock can serve the same page, its median follows; stock's pages are
measured after all of ours, since its searches keep both cores busy for seconds.
Fill the database first with bench/generate_million.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    os.environ.update(
        DEBUG="false", SECRET_KEY="bench-only", HTTPS="false", ALLOWED_HOSTS="testserver"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centra_orders.settings")
    sys.path.insert(0, str(ROOT))
    import warnings

    # The drill-down's dates are the admin's own naive dates, as in the browser.
    warnings.filterwarnings("ignore", message="DateTimeField")

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.stock_admin"
    # DEBUG off, without running collectstatic first: plain static URLs.
    plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": plain}}


def facts() -> dict:
    """Values the pages ask for, read from the data (a SKU, an email, the big order…)."""
    from django.utils import timezone

    from orders.models import Order, OrderLine
    from payments.models import Payment
    from shipments.models import Shipment

    newest = Order.objects.order_by("-number").first()
    big = Order.objects.get(customer_email="big.order@example.com")
    completed = Order.objects.filter(status=4).exclude(pk=big.pk).order_by("-number").first()
    rare = OrderLine.objects.filter(order=completed).exclude(sku__startswith="BEST").first()
    tracking = Shipment.objects.exclude(tracking_number="").order_by("-id").first()
    payment = Payment.objects.order_by("-id").first()
    today = timezone.localdate()
    skus = long_tail("SELECT sku FROM orders_orderline GROUP BY sku ORDER BY count(*) DESC, sku")
    names = long_tail(
        "SELECT split_part(customer_name, ' ', 1) || ' ' || split_part(customer_name, ' ', 2) "
        "FROM orders_order GROUP BY 1 ORDER BY count(*) DESC, 1"
    )
    # A surname alone: the broadest name search (the top one is on ~3 % of orders).
    surname = long_tail(
        "SELECT split_part(customer_name, ' ', 2) FROM orders_order GROUP BY 1 "
        "ORDER BY count(*) DESC, 1"
    )["top"]
    return {
        "skus": skus,
        "names": names,
        "surname": surname,
        "number": newest.number,
        "completed": completed,
        "big": big,
        "email": completed.customer_email,
        "name": completed.customer_name.split()[0] + " " + completed.customer_name.split()[1],
        "sku_rare": rare.sku if rare else "SKU-1",
        "sku_popular": "BEST-2",
        "tracking": tracking.tracking_number,
        "payment_ref": payment.provider_reference,
        "payment_number": payment.order.number,
        "year": today.year - 1,
        "month": today.replace(day=1) - __import__("datetime").timedelta(days=1),
    }


def long_tail(sql: str) -> dict[str, str]:
    """The top, 99th-percentile and median values of a ranking (most used first):
    the best seller, one more used than 99 % of the others, a middling one."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        ranked = [row[0] for row in cursor.fetchall()]
    return {"top": ranked[0], "p99": ranked[len(ranked) // 100], "median": ranked[len(ranked) // 2]}


def orders_pages(f: dict) -> list[tuple[str, str, str | None]]:
    """(label, our URL, stock URL or None)."""
    o, s = "/admin/orders/order/", "/stock/orders/order/"
    y, m = f["year"], f["month"]
    month = f"placed_after={m:%Y-%m}-01&placed_before={m:%Y-%m-%d}"
    day = f"placed_after={m:%Y-%m}-15&placed_before={m:%Y-%m}-15"
    stock_day = f"placed_at__gte={m:%Y-%m}-15&placed_at__lt={m:%Y-%m}-16"
    pages = [
        ("orders: default list", o, s),
        ("orders: page 100", o + "?p=100", s + "?p=100"),
        ("orders: page 500", o + "?p=500", s + "?p=500"),
    ]
    for value, label in [(0, "Incomplete"), (1, "Pending"), (2, "Confirmed"), (3, "Processing"),
                         (4, "Completed"), (5, "Archived"), (6, "Cancelled")]:  # fmt: skip
        pages.append(
            (f"orders: status {label}", f"{o}?status={value}", f"{s}?status__exact={value}")
        )
    pages += [
        ("orders: on hold", o + "?on_hold=true", s + "?on_hold__exact=1"),
        ("orders: not on hold", o + "?on_hold=false", s + "?on_hold__exact=0"),
        (
            "orders: hold kind fraud check",
            o + "?hold_kind=fraud_check",
            s + "?hold_kind__exact=fraud_check",
        ),
        ("orders: market SE", o + "?market=SE", s + "?market__exact=SE"),
        ("orders: country IS (rare)", o + "?country=IS", s + "?shipping_country__exact=IS"),
        (
            "orders: payment captured",
            o + "?payment=captured",
            s + "?payment__status__exact=captured",
        ),
        (
            "orders: payment authorized",
            o + "?payment=authorized",
            s + "?payment__status__exact=authorized",
        ),
        # Staff-made orders are the few: read from the partial origin index.
        ("orders: origin back office", o + "?origin=back_office", None),
        ("orders: currency SEK", o + "?currency=SEK", None),
        ("orders: grand total 100–110", o + "?grand_total_min=100&grand_total_max=110", None),
        (
            "orders: completed in a month",
            o + f"?completed_after={m:%Y-%m}-01&completed_before={m:%Y-%m-%d}",
            None,
        ),
        ("orders: email filter", o + f"?email={f['email']}", None),
        ("orders: SKU filter (popular)", o + f"?sku={f['sku_popular']}", None),
        ("orders: number filter", o + f"?number={f['number']}", None),
        (
            "orders: drill-down year",
            o + f"?placed_after={y}-01-01&placed_before={y}-12-31",
            s + f"?placed_at__gte={y}-01-01&placed_at__lt={y + 1}-01-01",
        ),
        ("orders: drill-down month", o + "?" + month, None),
        ("orders: drill-down day", o + "?" + day, s + "?" + stock_day),
        ("orders: drill-down month, page 50", o + "?" + month + "&p=50", None),
        ("orders: search number", o + f"?q={f['number']}", s + f"?q={f['number']}"),
        ("orders: search email", o + f"?q={f['email']}", s + f"?q={f['email']}"),
        ("orders: search name", o + f"?q={f['name']}", s + f"?q={f['name']}"),
        ("orders: search SKU (rare)", o + f"?q={f['sku_rare']}", s + f"?q={f['sku_rare']}"),
        (
            "orders: search SKU (popular)",
            o + f"?q={f['sku_popular']}",
            s + f"?q={f['sku_popular']}",
        ),
        ("orders: search SKU (popular), page 5", o + f"?q={f['sku_popular']}&p=5", None),
        ("orders: search tracking", o + f"?q={f['tracking']}", s + f"?q={f['tracking']}"),
    ]
    for kind, values in (("SKU", f["skus"]), ("name", f["names"])):
        for rank in ("top", "p99", "median"):
            term = quote_plus(values[rank])
            pages.append((f"orders: search {kind} ({rank})", f"{o}?q={term}", f"{s}?q={term}"))
    surname = quote_plus(f["surname"])
    pages += [
        ("orders: search surname (top)", f"{o}?q={surname}", f"{s}?q={surname}"),
        ("orders: search archived SKU", o + f"?status=5&q={f['sku_popular']}", None),
    ]
    big, done = f["big"].pk, f["completed"].pk
    pages += [
        ("order page (typical)", f"{o}{done}/change/", f"{s}{done}/change/"),
        (
            "order page (50 lines, 10 shipments, 200 events)",
            f"{o}{big}/change/",
            f"{s}{big}/change/",
        ),
        ("order page (big), all 200 events", f"{o}{big}/change/?timeline=all", None),
    ]
    return pages


def other_pages(f: dict) -> list[tuple[str, str, str | None]]:
    sh, ssh = "/admin/shipments/shipment/", "/stock/shipments/shipment/"
    pa, spa = "/admin/payments/payment/", "/stock/payments/payment/"
    return [
        # The admin's index: the board's tiles and charts (stock: the model list).
        ("board (admin index)", "/admin/", "/stock/"),
        ("shipments: default list", sh, ssh),
        ("shipments: page 500", sh + "?p=500", ssh + "?p=500"),
        ("shipments: status created", sh + "?status=created", ssh + "?status__exact=created"),
        (
            "shipments: status completed",
            sh + "?status=completed",
            ssh + "?status__exact=completed",
        ),
        ("shipments: search tracking", sh + f"?q={f['tracking']}", ssh + f"?q={f['tracking']}"),
        (
            "shipments: search order number",
            sh + f"?q={f['completed'].number}",
            ssh + f"?q={f['completed'].number}",
        ),
        ("payments: default list", pa, spa),
        ("payments: page 500", pa + "?p=500", spa + "?p=500"),
        (
            "payments: status authorized",
            pa + "?status=authorized",
            spa + "?status__exact=authorized",
        ),
        (
            "payments: status refunded partly",
            pa + "?status=partially_refunded",
            spa + "?status__exact=partially_refunded",
        ),
        ("payments: provider test", pa + "?provider=test", spa + "?provider__exact=test"),
        (
            "payments: search order number",
            pa + f"?q={f['payment_number']}",
            spa + f"?q={f['payment_number']}",
        ),
        (
            "payments: search provider reference",
            pa + f"?q={f['payment_ref']}",
            spa + f"?q={f['payment_ref']}",
        ),
    ]


def measure(client, url: str, repeat: int, slow_seconds: float = 0) -> dict:
    """Median of `repeat` requests after a warm-up; a page slower than
    `slow_seconds` (when given) is timed by its warm-up request alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    response = client.get(url)
    first = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        return {"error": f"HTTP {response.status_code}"}
    if slow_seconds and first > slow_seconds * 1000:
        kb, load = len(response.content) / 1024, os.getloadavg()[0]
        return {"median": first, "min": first, "max": first, "queries": "—", "kb": kb, "load": load}
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "queries": len(queries),
        "kb": len(response.content) / 1024,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stock-repeat", type=int, default=3, help="0: skip stock admin")
    parser.add_argument("--only", help="run the pages whose label contains this")
    parser.add_argument("--start-at", help="skip the pages before the one with this label")
    parser.add_argument(
        "--stock-slow-seconds",
        type=float,
        default=10,
        help="a stock page slower than this is timed once (its warm-up request)",
    )
    args = parser.parse_args()
    setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    User = get_user_model()
    user = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", "bench@example.com", "bench"
    )
    client = Client()
    client.force_login(user)
    f = facts()
    pages = orders_pages(f) + other_pages(f)
    if args.only:
        pages = [p for p in pages if args.only in p[0]]
    if args.start_at:
        pages = pages[[p[0] for p in pages].index(args.start_at) :]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders_order")
        orders = cursor.fetchone()[0]
    print(f"{orders:,} orders; {os.cpu_count()} CPUs; load {os.getloadavg()}")
    # The yardstick of every row: stock Django admin's default orders list, this run.
    baseline = measure(client, "/stock/orders/order/", args.repeat)["median"]
    print(f"stock default orders list: {baseline:,.0f} ms (median of {args.repeat})")
    # Ours first, then stock's: stock's searches scan the table with parallel
    # workers for seconds, which would load the machine under our next rows.
    ours = [(label, measure(client, url, args.repeat)) for label, url, _stock in pages]
    between = measure(client, "/stock/orders/order/", args.repeat)["median"]
    print(f"stock default orders list after them: {between:,.0f} ms; load {os.getloadavg()}")
    theirs = [
        measure(client, stock, args.stock_repeat, args.stock_slow_seconds)
        if stock and args.stock_repeat
        else None
        for _label, _url, stock in pages
    ]
    print(
        "| page | median ms | × stock default list | min–max ms | queries | KB | load "
        "| stock median ms | stock queries |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (label, m), s in zip(ours, theirs, strict=True):
        if "error" in m:
            print(f"| {label} | {m['error']} | | | | | | | |", flush=True)
            continue
        stock_cells = (
            "| | "
            if s is None
            else f"| {s['error']} | |"
            if "error" in s
            else f"| {s['median']:,.0f} | {s['queries']} |"
        )
        print(
            f"| {label} | {m['median']:,.0f} | {m['median'] / baseline:.2f} "
            f"| {m['min']:,.0f}–{m['max']:,.0f} | {m['queries']} "
            f"| {m['kb']:,.0f} | {m['load']:.1f} {stock_cells}",
            flush=True,
        )
    again = measure(client, "/stock/orders/order/", args.repeat)["median"]
    print(f"stock default orders list again at the end: {again:,.0f} ms; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
