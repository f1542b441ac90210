"""Each ledger row's purpose fits its kind, and a return refund, and only it, names
its return (`payments.models.ledger.purpose_fits_kind`)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("payments", "0007_transaction_purpose")]

    operations = [
        migrations.AddConstraint(
            model_name="paymenttransaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        models.Q(("kind", "authorize"), ("purpose", "authorization")),
                        models.Q(("kind", "authorize"), ("purpose", "reauthorization")),
                        models.Q(("kind", "capture"), ("purpose", "capture")),
                        models.Q(("kind", "reversal"), ("purpose", "reversal")),
                        models.Q(("kind", "refund"), ("purpose", "return_refund")),
                        models.Q(("kind", "refund"), ("purpose", "goodwill_refund")),
                        models.Q(("kind", "refund"), ("purpose", "cancellation_refund")),
                        models.Q(("kind", "void"), ("purpose", "void")),
                        models.Q(("kind", "void"), ("purpose", "release")),
                        _connector="OR",
                    ),
                    models.Q(
                        models.Q(
                            ("purpose", "return_refund"),
                            models.Q(("return_ref", ""), _negated=True),
                        ),
                        models.Q(
                            models.Q(("purpose", "return_refund"), _negated=True),
                            ("return_ref", ""),
                        ),
                        _connector="OR",
                    ),
                ),
                name="payment_tx_purpose_fits_kind",
            ),
        ),
    ]
