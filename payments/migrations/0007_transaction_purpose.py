"""Every ledger row says what its money moved for (`PaymentTransaction.purpose`).

Rows written before are given theirs from what told them apart until now:

- an authorization made by restoring an order (actor `system:restore_order`) is
  a reauthorization; any other, the authorization;
- a refund with a return's number is that return's refund; one made by
  cancelling products (actor `system:cancel_products`) a cancellation refund;
  any other, a goodwill refund;
- a successful void row is the void or the release its payment event says it
  was; a failed one (no event) is a release when the automatic release made it
  or something was captured before it (a void needs nothing captured), else a void;
- captures and reversals are what their kind says.

The constraint that holds each purpose to its kind comes in the next migration:
PostgreSQL alters no table with the updates above still pending in the same
transaction.
"""

from django.db import migrations, models
from django.db.models import Q

RESTORE_ORDER = "system:restore_order"
CANCEL_PRODUCTS = "system:cancel_products"
AUTOMATIC_RELEASE = "system:release_authorization"


def backfill_purposes(apps, schema_editor):
    rows = apps.get_model("payments", "PaymentTransaction").objects
    rows.filter(kind="authorize").update(purpose="authorization")
    rows.filter(kind="authorize", actor=RESTORE_ORDER).update(purpose="reauthorization")
    rows.filter(kind="capture").update(purpose="capture")
    rows.filter(kind="reversal").update(purpose="reversal")
    refunds = rows.filter(kind="refund")
    refunds.exclude(return_ref="").update(purpose="return_refund")
    refunds.filter(return_ref="", actor=CANCEL_PRODUCTS).update(purpose="cancellation_refund")
    refunds.filter(return_ref="").exclude(actor=CANCEL_PRODUCTS).update(purpose="goodwill_refund")
    voids = rows.filter(kind="void")
    voids.update(purpose="void")
    voids.filter(pk__in=_released_by_event(apps)).update(purpose="release")
    voids.filter(outcome="failed").filter(
        Q(actor=AUTOMATIC_RELEASE) | Q(pk__in=_failed_after_a_capture(rows))
    ).update(purpose="release")


def _released_by_event(apps) -> list[int]:
    """The void rows whose payment event is a release."""
    events = apps.get_model("orders", "OrderEvent").objects.filter(
        subject="payment", transition="payment_release"
    )
    return [data.get("transaction") for data in events.values_list("data", flat=True)]


def _failed_after_a_capture(rows) -> list[int]:
    failed = rows.filter(kind="void", outcome="failed").values_list("pk", "payment_id", "created_at")
    return [
        pk
        for pk, payment_id, created_at in failed
        if rows.filter(
            payment_id=payment_id, kind="capture", outcome="success", created_at__lt=created_at
        ).exists()
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("payments", "0006_refund_per_return_goodwill_refund"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymenttransaction",
            name="purpose",
            field=models.CharField(
                choices=[
                    ("authorization", "Authorization"),
                    ("reauthorization", "Authorization again"),
                    ("capture", "Capture"),
                    ("reversal", "Payment by hand reversed"),
                    ("return_refund", "Return refund"),
                    ("goodwill_refund", "Goodwill refund"),
                    ("cancellation_refund", "Refund of cancelled products"),
                    ("void", "Void"),
                    ("release", "Release of the remaining authorization"),
                ],
                default="",
                max_length=24,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(backfill_purposes, migrations.RunPython.noop, elidable=False),
    ]
