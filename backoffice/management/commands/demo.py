"""Fill the database with a realistic demo back office, and print the logins."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backoffice import demo
from backoffice.management.batch_command import check_range
from core.errors import DomainError
from orders.models import OrderStatus

# The demo makes each order through the services, about 0.1 s apiece.
MAX_ORDERS = 10_000


class Command(BaseCommand):
    help = (
        "Create a deterministic demo data set through the services: a few hundred orders "
        "in every status, with holds, shipments, payments and their histories, plus a "
        "superuser and one user per staff group. Does nothing if orders exist already."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=300, help="How many orders.")
        parser.add_argument("--seed", type=int, default=2026, help="Same seed, same data.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete all orders, warehouses and demo users first (only with DEBUG on).",
        )

    def handle(self, *args, **options):
        check_range("--orders", options["orders"], 1, MAX_ORDERS)
        if options["reset"]:
            if not settings.DEBUG:
                raise CommandError("--reset deletes every order: it only runs with DEBUG on.")
            demo.reset_demo()
        elif demo.demo_exists():
            self.stdout.write(
                "Orders exist already, so the demo was not created again. "
                "Run with --reset to delete them and start over."
            )
            return
        try:
            made = demo.build_demo(
                orders=options["orders"],
                seed=options["seed"],
                progress=lambda line: (
                    self.stdout.write(line) if options["verbosity"] >= 1 else None
                ),
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.report(made)

    def report(self, made: demo.Demo) -> None:
        total = sum(made.statuses.values())
        by_status = ", ".join(f"{status.label} {made.statuses[status]}" for status in OrderStatus)
        self.stdout.write(f"Demo data: {total} orders ({by_status}); {made.held} on hold.")
        self.stdout.write(
            f"{made.shipments} shipments ({made.split_orders} orders split in two) from "
            f"{made.warehouses} warehouses; {made.failed_payments} declined payment calls "
            "in the ledgers."
        )
        self.stdout.write(
            "\nStart the server (e.g. `manage.py runserver`) and log in at /admin/ on the "
            "address it prints, as (password = username):"
        )
        for username, group in demo.DEMO_USERS.items():
            role = group or "superuser"
            self.stdout.write(f"  {username:<18} {role}")
        for note in made.notes:
            self.stdout.write(note)
