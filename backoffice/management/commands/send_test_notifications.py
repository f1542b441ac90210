"""The test provider settles what it was asked: one signed notification per open request."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from backoffice.services.notifications import receive_notification
from payments.hosted import TestProvider
from payments.models import PaymentTransaction


class Command(BaseCommand):
    help = (
        "Send the test provider's notification for every capture and refund it accepted "
        "as a request and has not settled yet (its asynchronous mode), in-process through "
        "the notification endpoint's own service: settled, or with --fail failed. "
        "--order narrows it to one order number."
    )

    def add_arguments(self, parser):
        parser.add_argument("--order", type=int, help="Only this order number's requests.")
        parser.add_argument("--fail", action="store_true", help="The provider reports them failed.")

    def handle(self, *args, order=None, fail=False, **options):
        provider = TestProvider()
        requests = PaymentTransaction.objects.filter(payment__provider=provider.name)
        if order is not None:
            requests = requests.filter(payment__order__number=order)
        sent = 0
        for request in requests.open_requests().select_related("payment__order").order_by("pk"):
            body = provider.settlement(
                request,
                succeeded=not fail,
                now=timezone.now(),
                reason="Declined by the test provider." if fail else "",
            )
            answer = receive_notification(
                provider=provider.name, body=json.dumps(body).encode(), headers={}
            )
            sent += 1
            what = f"{request.get_kind_display()} {request.amount} of {request.payment.order}"
            self.stdout.write(f"{what}: {answer.status} {answer.message}")
        self.stdout.write(f"{sent} notification(s) sent.")
