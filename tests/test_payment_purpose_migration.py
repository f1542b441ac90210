"""The migration gives the ledger rows written before `PaymentTransaction.purpose`
the purpose the steps that wrote them write now."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from payments.models import PaymentTransaction, Purpose
from tests.test_payment_purpose import PATHS, take

BEFORE = [("payments", "0006_refund_per_return_goodwill_refund")]
WITH_PURPOSE = [("payments", "0008_transaction_purpose_fits_kind")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_gives_older_rows_the_purpose_their_step_writes():
    """Every path of the table, then the purpose column dropped (the schema before)
    and added again by the migration: each row gets back what its step wrote."""
    for path in PATHS:
        take(path)
    written = dict(PaymentTransaction.objects.values_list("pk", "purpose"))
    assert set(written.values()) == set(Purpose.values)
    try:
        migrate(BEFORE)
        executor = migrate(WITH_PURPOSE)
        rows = executor.loader.project_state(WITH_PURPOSE).apps.get_model(
            "payments", "PaymentTransaction"
        )
        assert dict(rows.objects.values_list("pk", "purpose")) == written
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
