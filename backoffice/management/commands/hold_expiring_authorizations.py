"""Daily: hold the orders whose payment authorization lapses within N days."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backoffice.services.expiring import hold_expiring_authorizations
from core.actors import process
from core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Put on hold (kind “Payment expiring”) every open order whose payment has money "
        "authorized and not captured and an authorization that lapses within --days days "
        "(default EXPIRING_AUTHORIZATION_DAYS), with the date in the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Days ahead to look.")

    def handle(self, *args, days=None, **options):
        days = settings.EXPIRING_AUTHORIZATION_DAYS if days is None else days
        by = process("command", "hold_expiring_authorizations")
        try:
            held = hold_expiring_authorizations(within_days=days, by=by)
        except DomainError as error:
            raise CommandError(str(error)) from None
        for order in held:
            self.stdout.write(f"{order}: {order.hold_reason}")
        self.stdout.write(f"{len(held)} order(s) held.")
