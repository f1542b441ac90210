"""`manage.py create_storefront <name> --market CODE [--origin URL ...] [--language en]`:
a storefront for the Checkout API; its shared secret is printed once, never stored."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Market
from storefront.api.tokens import new_secret
from storefront.models import Storefront


class Command(BaseCommand):
    help = "Create a storefront for the Checkout API and print its secret (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="A slug: its orders are placed by storefront:<name>.")
        parser.add_argument("--market", required=True, help="The default market's code.")
        parser.add_argument(
            "--origin", action="append", default=[], help="An allowed origin (repeatable)."
        )
        parser.add_argument("--language", default="en")

    def handle(self, *args, name: str, market: str, origin: list[str], language: str, **options):
        found = Market.objects.filter(code=market).first()
        if found is None:
            raise CommandError(f"Market {market} is not in the catalogue.")
        if Storefront.objects.filter(name=name).exists():
            raise CommandError(f"A storefront named {name} exists already.")
        secret, hashed = new_secret()
        Storefront.objects.create(
            name=name,
            market=found,
            language=language,
            allowed_origins="\n".join(origin),
            secret_hash=hashed,
        )
        self.stdout.write(f"Storefront {name} created. Its secret (shown only this once):")
        self.stdout.write(secret)
