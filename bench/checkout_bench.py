"""Benchmark: orders placed per second through the Checkout API, 8 buyers at once.

    uv run python bench/checkout_bench.py --clients 8 --orders 400 [--workers 5]

1. Builds the database `wt_checkout_bench` (dropped and migrated; `--reuse` keeps
   it) with the demo's catalogue (8 products, 30 SKUs, five markets), one
   warehouse holding a million units of every SKU, each market reserving from it
   (so every order allocates its stock at placement), and a client-side
   storefront `bench-shop`.
2. Starts gunicorn as production runs it (`gunicorn centra_orders.wsgi`, this
   repository's gunicorn.conf.py, DEBUG off, `--workers` processes, default
   gunicorn's 2 × cores + 1) on 127.0.0.1 and waits for /healthz.
3. Runs `--clients` buyers in threads of this process, each placing orders one
   after another as a browser would: `GET selection` (a new token), `POST items`
   twice (two SKUs, different each time), `POST payment` with the address inline
   (answered with the provider's URL), the provider's page (GET, then POST
   Approve, whose redirect to the return page carries the signed parameters),
   and `POST payment-result` with those parameters. One order per client first,
   untimed (connections, caches); then `--orders` orders, timed from the first
   request to the last answer.
4. Checks the database (every order Pending with one successful authorization
   of its grand total and every unit allocated; no extra orders) and prints
   orders per second, each step's median and 95th percentile in ms, and the
   one-minute load average before and after (2 shared cores: read the figure
   next to the load).

Only the database named wt_checkout_bench is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
NAME = "wt_checkout_bench"
STEPS = ("selection", "items", "payment", "provider page", "approve", "payment-result")


def database_url(args) -> str:
    return f"{args.server.rstrip('/')}/{NAME}"


def server_env(args, static_root: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(args),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": static_root,
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
        "WEB_CONCURRENCY": str(args.workers),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "centra_orders.settings",
        "PYTHONPATH": str(ROOT),
    }


def build(args, env: dict[str, str]) -> None:
    with psycopg.connect(f"{args.server.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "shell", "-c", f"from bench.checkout_bench import fill; fill({args.stock})"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def fill(stock: int) -> None:
    """The catalogue, the stock and the storefront (run by `manage.py shell`)."""
    from backoffice.demo.shop import give_markets_allocation_rules, make_catalogue
    from backoffice.demo.stories import Warehouses
    from catalog.models import Item, Market
    from shipments.models import Stock, Warehouse
    from storefront.models import Storefront

    make_catalogue()
    warehouse = Warehouse.objects.create(name="Bench DC", priority=1)
    Stock.objects.bulk_create(
        Stock(warehouse=warehouse, sku=sku, on_hand=stock)
        for sku in Item.objects.values_list("sku", flat=True)
    )
    give_markets_allocation_rules(Warehouses(europe=warehouse, america=warehouse, store=warehouse))
    Storefront.objects.create(name="bench-shop", market=Market.objects.get(code="EU"))


def start_server(env: dict[str, str], args) -> subprocess.Popen:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    # gunicorn's access lines (one per request) go to a file, not among the figures.
    log = open(Path(env["STATIC_ROOT"]) / "gunicorn.log", "w")  # noqa: SIM115 - the server's
    server = subprocess.Popen(
        [str(gunicorn), "centra_orders.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base(args)}/healthz", timeout=10).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not answer /healthz within 120 s")


def base(args) -> str:
    return f"http://127.0.0.1:{args.port}"


class Buyer:
    """One browser: its own cookies (the provider page's CSRF) and its own token."""

    def __init__(self, args, skus: list[str], rng: random.Random):
        self.args, self.skus, self.rng = args, skus, rng
        self.http = requests.Session()
        self.api = f"{base(args)}/api/checkout"
        self.timings: dict[str, list[float]] = defaultdict(list)

    def timed(self, step: str, call, *args, **kwargs) -> requests.Response:
        started = time.perf_counter()
        response = call(*args, **kwargs)
        self.timings[step].append((time.perf_counter() - started) * 1000)
        return response

    def call(self, step: str, method: str, path: str, token: str = "", **kwargs) -> dict:
        headers = {"API-token": token} if token else {}
        response = self.timed(
            step, self.http.request, method, f"{self.api}/{path}", headers=headers, **kwargs
        )
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    def place_order(self, number: int) -> str:
        token = self.call("selection", "GET", "selection")["token"]
        for sku in self.rng.sample(self.skus, 2):
            self.call("items", "POST", f"items/{sku}", token)
        action = self.call(
            "payment",
            "POST",
            "payment",
            token,
            json={
                "paymentMethod": "test",
                "paymentReturnPage": f"{base(self.args)}/shop/return",
                "paymentFailedPage": f"{base(self.args)}/shop/failed",
                "termsAndConditions": True,
                "address": {
                    "email": f"buyer.{number}@example.com",
                    "firstName": "Bench",
                    "lastName": f"Buyer {number}",
                    "address1": "Hauptstraße 1",
                    "zipCode": "10115",
                    "city": "Berlin",
                    "country": "DE",
                },
            },
        )
        page = self.timed("provider page", self.http.get, action["url"])
        csrf = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        approved = self.timed(
            "approve",
            self.http.post,
            action["url"],
            data={"csrfmiddlewaretoken": csrf, "decision": "approve"},
            allow_redirects=False,
        )
        if approved.status_code != 302:
            raise RuntimeError(f"approve: {approved.status_code} {approved.text[:300]}")
        fields = dict(parse_qsl(urlsplit(approved.headers["Location"]).query))
        receipt = self.call(
            "payment-result", "POST", "payment-result", token, json={"paymentMethodFields": fields}
        )
        return receipt["order"]["order"]


def run_buyers(
    args, skus: list[str], per_client: list[int], first: int
) -> tuple[list[Buyer], list[str], float]:
    buyers = [Buyer(args, skus, random.Random(i)) for i in range(args.clients)]
    placed: list[str] = []
    errors: list[str] = []
    start = threading.Barrier(args.clients + 1)

    def work(buyer: Buyer, count: int, offset: int) -> None:
        start.wait()
        for n in range(count):
            try:
                placed.append(buyer.place_order(offset + n))
            except Exception as error:  # reported after the run
                errors.append(str(error))

    threads = []
    offset = first
    for buyer, count in zip(buyers, per_client, strict=True):
        threads.append(threading.Thread(target=work, args=(buyer, count, offset)))
        offset += count
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        print(f"{len(errors)} failed orders, e.g.: {errors[0]}")
    return buyers, placed, elapsed


def check(args, expected: int) -> str:
    with psycopg.connect(database_url(args)) as conn:
        row = conn.execute(
            """
            SELECT count(*) FILTER (WHERE o.status = 1),
                   count(*) FILTER (WHERE o.status NOT IN (0, 1)),
                   (SELECT count(*) FROM payments_paymenttransaction t
                      JOIN payments_payment p ON p.id = t.payment_id
                      JOIN orders_order oo ON oo.id = p.order_id
                     WHERE t.kind = 'authorize' AND t.outcome = 'success'
                       AND t.amount = oo.grand_total),
                   (SELECT coalesce(sum(quantity), 0) FROM shipments_allocation),
                   (SELECT coalesce(sum(quantity), 0) FROM orders_orderline l
                      JOIN orders_order oo ON oo.id = l.order_id WHERE oo.status = 1)
            FROM orders_order o
            """
        ).fetchone()
    pending, other, authorized, allocated, units = row
    ok = pending == expected and other == 0 and authorized == expected and allocated == units
    return (
        f"database: {pending} Pending orders, {other} others, {authorized} successful "
        f"authorizations of the grand total, {allocated} of {units} units allocated "
        f"({'as expected' if ok else 'NOT as expected'})"
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--orders", type=int, default=400, help="timed orders, all clients")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--stock", type=int, default=1_000_000, help="units of every SKU")
    parser.add_argument("--reuse", action="store_true", help="keep the database as it is")
    args = parser.parse_args()

    static_root = tempfile.mkdtemp(prefix="checkout-bench-static-")
    env = server_env(args, static_root)
    if not args.reuse:
        print(f"Building {NAME}…", flush=True)
        build(args, env)
    with psycopg.connect(database_url(args)) as conn:
        skus = [row[0] for row in conn.execute("SELECT sku FROM catalog_item ORDER BY sku")]
        before = conn.execute("SELECT count(*) FROM orders_order WHERE status = 1").fetchone()[0]
    server = start_server(env, args)
    try:
        print(
            f"gunicorn: {args.workers} workers; {args.clients} clients; {os.cpu_count()} CPUs; "
            f"load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        # Warm-up: one order per client, untimed.
        run_buyers(args, skus, [1] * args.clients, first=0)
        load_before = os.getloadavg()[0]
        share, rest = divmod(args.orders, args.clients)
        counts = [share + (1 if i < rest else 0) for i in range(args.clients)]
        buyers, placed, elapsed = run_buyers(args, skus, counts, first=args.clients)
        load_after = os.getloadavg()[0]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    timings: dict[str, list[float]] = defaultdict(list)
    for buyer in buyers:
        for step, values in buyer.timings.items():
            timings[step].extend(values)
    print(
        f"{len(placed)} orders in {elapsed:.1f} s: {len(placed) / elapsed:.1f} orders/s "
        f"with {args.clients} clients, {args.workers} gunicorn workers; "
        f"load average (1 min) {load_before:.2f} before, {load_after:.2f} after"
    )
    print("| step | calls | median ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for step in STEPS:
        values = timings[step]
        print(
            f"| {step} | {len(values)} | {statistics.median(values):.0f} "
            f"| {percentile(values, 0.95):.0f} |"
        )
    print(check(args, before + args.clients + len(placed)))


if __name__ == "__main__":
    main()
