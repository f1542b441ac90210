"""Deliver the outbox (webhooks and customer e-mails) and take queued bulk steps.

    manage.py deliver_events          run until SIGTERM / Ctrl-C (a service)
    manage.py deliver_events --once   deliver what is due now, then exit (cron, tests)

Any number may run at once, on any hosts: each pass claims its own rows
(`integrations.delivery`, `backoffice.jobs`). Each pass also takes the next chunk
of each background bulk step (`backoffice.jobs.worker.run_due_jobs`): one worker
process to run in production, not two. On SIGTERM the pass in flight finishes, then it exits.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from backoffice.jobs.worker import run_due_jobs
from integrations.delivery import CLAIM_SIZE, PassReport, deliver_due

# `--once` stops after this many passes even if rows keep coming due (bounded work).
MAX_PASSES_ONCE = 1000


class Command(BaseCommand):
    help = "Deliver due outbox messages (signed webhooks, customer e-mails)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Deliver what is due, then exit.")
        parser.add_argument("--batch-size", type=int, default=CLAIM_SIZE, help="Rows per claim.")
        parser.add_argument(
            "--idle-sleep", type=float, default=1.0, help="Seconds to wait when nothing is due."
        )

    def handle(self, *args, once: bool, batch_size: int, idle_sleep: float, **options):
        stop = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
        try:
            total, steps_checked = self._run(
                stop, once=once, batch_size=batch_size, idle_sleep=idle_sleep
            )
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write(
            f"Delivered {total.delivered}, retrying {total.retrying}, "
            f"failed {total.failed} (of {total.claimed} claimed)."
        )
        if steps_checked:
            self.stdout.write(f"Background steps: {steps_checked} objects checked.")

    def _run(self, stop: threading.Event, *, once: bool, batch_size: int, idle_sleep: float):
        total, steps_checked = PassReport(), 0
        passes = 0
        while not stop.is_set():
            report = deliver_due(limit=batch_size)
            total.add(report)
            checked = run_due_jobs()
            steps_checked += checked
            passes += 1
            busy = report.claimed or checked
            if once and (not busy or passes >= MAX_PASSES_ONCE):
                break
            if not busy:
                close_old_connections()
                stop.wait(idle_sleep)
        return total, steps_checked
