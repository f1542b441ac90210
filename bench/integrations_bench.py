"""Benchmark: outbox delivery throughput (one and two workers) and Order API list latency.

    uv run python bench/integrations_bench.py --orders 1000000 --events 20000

1. Builds `centra_bench_integrations` (migrated, then N Completed orders with two
   lines and two events each, written with INSERT … SELECT generate_series by
   `archive_bench.fill`), unless `--reuse` finds it built.
2. Delivery: a webhook integration pointing at a receiver on 127.0.0.1 (a
   thread of this process that checks every signature, as a real receiver
   must); `--events` outbox messages written in one INSERT; then `manage.py
   deliver_events --once` in one, then two, processes at once, timed until every
   message is delivered. Reports events/second and checks that the receiver saw
   each event exactly once.
3. Order API: the list (first page, 100 a page, a page deep down the cursor,
   filters) and one order, through Django's test client in this process (server
   time, no network), median of `--repeat` runs, with the number of queries.

Only the database named centra_bench_integrations is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
NAME = "centra_bench_integrations"
SECRET = "bench-signing-secret"


def build(args) -> None:
    from archive_bench import fill

    started = time.perf_counter()
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")
    env = {**os.environ, "DATABASE_URL": f"{args.server}/{NAME}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    with psycopg.connect(f"{args.server}/{NAME}", autocommit=True) as conn:
        fill(conn, args.orders)
        conn.execute("VACUUM ANALYZE")
    print(f"data: {args.orders:,} completed orders in {time.perf_counter() - started:.0f}s")


def setup_django(args) -> None:
    os.environ.update(
        DATABASE_URL=f"{args.server}/{NAME}",
        DEBUG="false",
        SECRET_KEY="bench-only",
        HTTPS="false",
        ALLOWED_HOSTS="testserver,127.0.0.1",
        # The receiver is this process on loopback: let webhooks reach it.
        WEBHOOK_HTTP_HOSTS="127.0.0.1",
        WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "centra_orders.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def start_receiver() -> tuple[list[str], ThreadingHTTPServer]:
    from integrations.signing import HEADER, verify

    received: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            verify(SECRET, self.headers.get(HEADER, ""), body)
            with lock:
                received.extend(event["id"] for event in json.loads(body)["events"])
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return received, server


def delivery(args) -> list[tuple[int, float, int]]:
    from django.db import connection
    from django.utils import timezone

    from outbox.models import Integration, OutboxMessage

    received, server = start_receiver()
    OutboxMessage.objects.all().delete()
    integration, _ = Integration.objects.update_or_create(
        name="bench",
        defaults={
            "endpoint_url": f"http://127.0.0.1:{server.server_port}/hooks",
            "signing_secret": SECRET,
            "event_types": ["order.held"],
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO outbox_outboxmessage (event_id, event_type, channel, integration_id,
                   order_id, order_number, subject_ref, occurred_at, data, attempts,
                   next_attempt_at, last_error, note)
               SELECT gen_random_uuid(), 'order.held', 'webhook', %s, g, 100000 + g, '', now(),
                      '{}', 0, now(), '', ''
               FROM generate_series(1, %s) AS g""",
            [integration.pk, args.events],
        )
    env = {**os.environ}
    results = []
    for workers in (1, 2):
        OutboxMessage.objects.update(delivered_at=None, attempts=0, next_attempt_at=timezone.now())
        received.clear()
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [sys.executable, "manage.py", "deliver_events", "--once"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        for process in processes:
            process.wait()
        elapsed = time.perf_counter() - started
        undelivered = OutboxMessage.objects.filter(delivered_at__isnull=True).count()
        assert undelivered == 0, f"{undelivered} undelivered"
        assert len(received) == len(set(received)) == args.events, "duplicates or losses"
        results.append((workers, elapsed, args.events))
        print(
            f"delivery, {workers} worker(s): {args.events:,} events in {elapsed:.1f}s, "
            f"{args.events / elapsed:,.0f} events/s"
        )
    server.shutdown()
    return results


def api_latency(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from integrations.tokens import issue_token
    from outbox.models import Integration

    integration, _ = Integration.objects.get_or_create(name="bench-api")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(integration)}")
    deep = client.get("/api/v1/orders/", {"page_size": 100}).json()
    for _ in range(20):  # 21 pages down the cursor
        deep = client.get(deep["next"]).json()
    number = deep["results"][0]["number"]
    cases = {
        "first page (50)": ("/api/v1/orders/", {}),
        "100 a page": ("/api/v1/orders/", {"page_size": 100}),
        "page 22 by cursor (100 a page)": (deep["next"], {}),
        "market=US": ("/api/v1/orders/", {"market": "US"}),
        "country=SE": ("/api/v1/orders/", {"country": "SE"}),
        "sku=SKU-7-1": ("/api/v1/orders/", {"sku": "SKU-7-1"}),
        "email (exact)": ("/api/v1/orders/", {"email": "customer77@example.com"}),
        "grand total 100–110": (
            "/api/v1/orders/",
            {"grand_total_min": 100, "grand_total_max": 110},
        ),
        "one order": (f"/api/v1/orders/{number}/", {}),
    }
    for label, (url, params) in cases.items():
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, params)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:200]
        print(f"API {label}: {statistics.median(times):.0f} ms ({len(queries)} queries)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reuse", action="store_true", help="skip building the data")
    args = parser.parse_args()
    if not args.reuse:
        build(args)
    setup_django(args)
    delivery(args)
    api_latency(args)


if __name__ == "__main__":
    main()
