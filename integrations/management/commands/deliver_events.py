"""Deliver the outbox (webhooks and customer e-mails) and take queued bulk steps.

    manage.py deliver_events          run until SIGTERM / Ctrl-C (a service)
    manage.py deliver_events --once   do what is due now, then exit (tests, one-off runs)

Any number may run at once, on any hosts: each pass claims its own rows
(`integrations.delivery`, `backoffice.jobs`). Each pass also takes the next chunk
of each background bulk step (`backoffice.jobs.worker.run_due_jobs`): one worker
process to run in production, not two. On SIGTERM the pass in flight finishes, then it exits.

As a service it says that it started, writes one line for each pass that did
something (none while idle, so an idle worker's log stays empty) and the totals
when it stops; with --once, only the totals.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from backoffice.jobs.worker import run_due_jobs
from integrations.delivery import CLAIM_SIZE, PassReport, deliver_due

# `--once` stops after this many passes even if rows keep coming due (bounded work).
MAX_PASSES_ONCE = 1000


class Command(BaseCommand):
    help = (
        "The worker: deliver due outbox messages (signed webhooks, customer e-mails) and "
        "take the next chunk of each bulk step queued in the background (selections "
        "above BACKGROUND_STEP_THRESHOLD). Runs until SIGTERM or Ctrl-C, one line per "
        "pass that did something; with --once, does what is due and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Deliver what is due and take the due background steps, then exit.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=CLAIM_SIZE, help="Outbox messages per claim."
        )
        parser.add_argument(
            "--idle-sleep", type=float, default=1.0, help="Seconds to wait when nothing is due."
        )

    def handle(self, *args, once: bool, batch_size: int, idle_sleep: float, **options):
        stop = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
        if not once:
            self.stdout.write(
                "Worker started: delivering the outbox and taking background steps "
                "(SIGTERM or Ctrl-C finishes the pass in flight and stops)."
            )
            self.stdout.flush()  # a pipe (systemd's journal) would hold it back
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
            if busy and not once:
                self._log_pass(report, checked)
            if once and (not busy or passes >= MAX_PASSES_ONCE):
                break
            if not busy:
                close_old_connections()
                stop.wait(idle_sleep)
        return total, steps_checked

    def _log_pass(self, report: PassReport, checked: int) -> None:
        """One line for a pass that did something, so a running worker shows its work."""
        self.stdout.write(
            f"{timezone.localtime():%Y-%m-%d %H:%M:%S} delivered {report.delivered}, "
            f"retrying {report.retrying}, failed {report.failed} "
            f"(of {report.claimed} claimed); background steps: {checked} objects checked."
        )
        self.stdout.flush()
