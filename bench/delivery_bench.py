"""Benchmark: webhook delivery throughput with 1, 2 and 4 workers on PostgreSQL.

    uv run python bench/delivery_bench.py --events 20000 --workers 1 2 4

1. Builds the database `wt_delivery_bench` (migrated) unless `--reuse`, with two
   webhook integrations pointing at a receiver on 127.0.0.1 (threads of this
   process that check every signature and count each POST), and `--events`
   outbox rows written in one INSERT: `--orders` orders, their events
   interleaved, alternating between the two integrations. `--history` rows
   already delivered lie in the table too (a month of an outbox not yet purged).
2. For each worker count: every row made due again, then N worker processes
   (this script with `--worker`) start, load Django, say "ready", and all begin
   on one signal, so Django's start-up is outside the timing. Each runs
   `deliver_due` until a pass claims nothing and reports where its time went
   (claim, POST, recording). A sampler reads `pg_stat_activity` every 20 ms: what
   the workers' connections were doing (running a query, waiting on a lock, or
   idle waiting for the worker to send the next statement).
3. Checks that each event reached its receiver exactly once and each order's
   events arrived in order; prints events/second, the load average, the time split
   and the sampled states. Every run is bounded by `--timeout` seconds.

Only the database named wt_delivery_bench is created and dropped.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
NAME = "wt_delivery_bench"
SECRET = "bench-signing-secret"
TYPES = ["order.created", "order.confirmed", "order.held", "order.resumed"]


def database_url(args) -> str:
    return f"{args.server.rstrip('/')}/{NAME}"


def worker_env(args) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(args),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEBHOOK_HTTP_HOSTS": "127.0.0.1",
        "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
        "DJANGO_SETTINGS_MODULE": "centra_orders.settings",
        "PYTHONPATH": str(ROOT),
    }


def build(args) -> None:
    with psycopg.connect(f"{args.server.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {NAME}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=worker_env(args), check=True
    )


class Receivers:
    """Two webhook receivers: what each accepted, in arrival order, and how many POSTs."""

    def __init__(self):
        from integrations.signing import HEADER, verify

        self.received: dict[int, list[str]] = collections.defaultdict(list)
        self.posts: collections.Counter = collections.Counter()
        self.lock = threading.Lock()
        self.servers = []
        self.urls = []
        receivers = self

        for index in range(2):

            class Handler(BaseHTTPRequestHandler):
                number = index

                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    verify(SECRET, self.headers.get(HEADER, ""), body)
                    ids = [event["id"] for event in json.loads(body)["events"]]
                    with receivers.lock:
                        receivers.received[self.number].extend(ids)
                        receivers.posts[self.number] += 1
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

                def log_message(self, *args):
                    pass

            server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
            self.urls.append(f"http://127.0.0.1:{server.server_port}/hooks")

    def clear(self) -> None:
        self.received.clear()
        self.posts.clear()


def fill(conn, args, integration_ids: list[int]) -> None:
    """`--history` delivered rows, then `--events` due rows, interleaved by order and receiver."""
    conn.execute("TRUNCATE outbox_outboxmessage")
    insert = """
        INSERT INTO outbox_outboxmessage (event_id, event_type, channel, integration_id,
            order_id, order_number, subject_ref, occurred_at, data, attempts,
            next_attempt_at, delivered_at, last_error, note)
        SELECT gen_random_uuid(), (%(types)s::text[])[1 + (g / %(orders)s) %% 4], 'webhook',
               (%(integrations)s::bigint[])[1 + g %% 2], %(base)s + g %% %(orders)s,
               100000 + %(base)s + g %% %(orders)s, '', now(), '{}', 0, now(),
               %(delivered)s, '', ''
        FROM generate_series(0, %(count)s - 1) AS g"""
    common = {"types": TYPES, "orders": args.orders, "integrations": integration_ids}
    if args.history:
        conn.execute(
            insert,
            {**common, "base": 10_000_000, "count": args.history, "delivered": "2026-01-01"},
        )
    conn.execute(insert, {**common, "base": 0, "count": args.events, "delivered": None})
    conn.execute("VACUUM ANALYZE outbox_outboxmessage")


def sample(args, stop: threading.Event, states: collections.Counter) -> None:
    """What the workers' connections are doing, every 20 ms."""
    with psycopg.connect(database_url(args), autocommit=True) as conn:
        while not stop.wait(0.02):
            rows = conn.execute(
                """SELECT state, coalesce(wait_event_type || ':' || wait_event, 'running')
                   FROM pg_stat_activity
                   WHERE datname = %s AND pid <> pg_backend_pid()
                     AND application_name = 'delivery_bench_worker'""",
                [NAME],
            ).fetchall()
            for state, wait in rows:
                states[f"active {wait}" if state == "active" else state] += 1


def run(args, receivers: Receivers, workers: int) -> dict:
    with psycopg.connect(database_url(args), autocommit=True) as conn:
        conn.execute(
            "UPDATE outbox_outboxmessage SET delivered_at = NULL, attempts = 0, "
            "next_attempt_at = now() - interval '1 second', last_error = '' "
            "WHERE order_id < 10000000"
        )
        conn.execute("VACUUM ANALYZE outbox_outboxmessage")
    receivers.clear()
    env = {**worker_env(args), "PGAPPNAME": "delivery_bench_worker", "PYTHONPATH": args.code}
    command = [sys.executable, __file__, "--worker", "--limit", str(args.limit)]
    launched = time.perf_counter()
    processes = [
        subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    for process in processes:
        assert process.stdout.readline().strip() == "ready"
    startup = time.perf_counter() - launched
    load = os.getloadavg()[0]
    stop, states = threading.Event(), collections.Counter()
    sampler = threading.Thread(target=sample, args=(args, stop, states))
    sampler.start()
    started = time.perf_counter()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    reports = []
    try:
        for process in processes:
            out, _ = process.communicate(
                timeout=max(1, args.timeout - (time.perf_counter() - started))
            )
            reports.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        stop.set()
        sampler.join()
    # From the first worker's start to the last one's end: not their exits.
    elapsed = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    check(args, receivers)
    return {
        "workers": workers,
        "elapsed": elapsed,
        "startup": startup,
        "load": load,
        "reports": reports,
        "states": states,
    }


def check(args, receivers: Receivers) -> None:
    with psycopg.connect(database_url(args)) as conn:
        left = conn.execute(
            "SELECT count(*) FROM outbox_outboxmessage WHERE delivered_at IS NULL"
        ).fetchone()[0]
        order_of = {
            str(event_id): (order_id, message_id)
            for event_id, order_id, message_id in conn.execute(
                "SELECT event_id, order_id, id FROM outbox_outboxmessage WHERE order_id < 10000000"
            )
        }
    assert left == 0, f"{left} undelivered"
    ids = [event_id for received in receivers.received.values() for event_id in received]
    assert len(ids) == len(set(ids)) == args.events, "an event lost or sent twice"
    for received in receivers.received.values():
        last: dict[int, int] = {}
        for event_id in received:
            order, message_id = order_of[event_id]
            assert last.get(order, 0) < message_id, f"order {order} out of order"
            last[order] = message_id


def worker(args) -> None:
    """One worker process: load Django, wait for the signal, deliver until nothing is due."""
    import django

    django.setup()
    from integrations import delivery, webhooks

    spent = collections.Counter()

    def timed(name, function):
        def wrapper(*a, **kw):
            started = time.perf_counter()
            try:
                return function(*a, **kw)
            finally:
                spent[name] += time.perf_counter() - started

        return wrapper

    delivery.claim = timed("claim", delivery.claim)
    webhooks.post_batch = timed("post", webhooks.post_batch)
    delivery._settle = timed("record", delivery._settle)
    print("ready", flush=True)
    sys.stdin.readline()
    wall_started = time.time()
    started = time.perf_counter()
    passes = delivered = 0
    while True:
        report = delivery.deliver_due(limit=args.limit)
        passes += 1
        delivered += report.delivered
        if not report.claimed:
            break
    total = time.perf_counter() - started
    ended = time.time()
    print(
        json.dumps(
            {
                "passes": passes,
                "delivered": delivered,
                "total": total,
                "started": wall_started,
                "ended": ended,
                **spent,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--history", type=int, default=200_000, help="delivered rows already there")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--limit", type=int, default=200, help="rows per claim")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run, at most")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reuse", action="store_true", help="skip building the database")
    parser.add_argument(
        "--code", default=str(ROOT), help="the checkout whose worker runs (to compare versions)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    if not args.reuse:
        build(args)
    os.environ.update(worker_env(args))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from outbox.models import Integration

    receivers = Receivers()
    integration_ids = []
    for index, url in enumerate(receivers.urls):
        integration, _ = Integration.objects.update_or_create(
            name=f"bench-{index}",
            defaults={"endpoint_url": url, "signing_secret": SECRET, "event_types": TYPES},
        )
        integration_ids.append(integration.pk)
    with psycopg.connect(database_url(args), autocommit=True) as conn:
        fill(conn, args, integration_ids)
    print(
        f"{args.events:,} due events over {args.orders:,} orders and 2 receivers, "
        f"{args.history:,} delivered rows beside them, claims of {args.limit}"
    )
    for _ in range(args.repeat):
        for workers in args.workers:
            result = run(args, receivers, workers)
            show(args, result, receivers)


def show(args, result: dict, receivers: Receivers) -> None:
    reports, workers = result["reports"], result["workers"]
    split = {
        name: sum(report.get(name, 0) for report in reports) / workers
        for name in ("claim", "post", "record", "total")
    }
    states = result["states"]
    seen = sum(states.values()) or 1
    top = ", ".join(f"{name} {count / seen:.0%}" for name, count in states.most_common(4))
    locks = sum(count for name, count in states.items() if name.startswith("active Lock"))
    print(
        f"{workers} worker(s): {result['elapsed']:.1f} s, {args.events / result['elapsed']:,.0f} "
        f"events/s, load {result['load']:.1f}; POSTs {sum(receivers.posts.values())}; "
        f"per worker: claim {split['claim']:.1f} s, POST {split['post']:.1f} s, "
        f"record {split['record']:.1f} s of {split['total']:.1f} s; "
        f"passes {sum(r['passes'] for r in reports)}; start-up {result['startup']:.1f} s "
        f"(not timed); connections: {top}; waiting on a row lock {locks / seen:.1%}"
    )


if __name__ == "__main__":
    main()
