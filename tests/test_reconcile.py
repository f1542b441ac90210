"""reconcile_payments: a settlement report against the ledger, read-only."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from core.errors import DomainError
from core.roles import FINANCE
from orders.models import OrderStatus
from payments.models import Payment, PaymentTransaction, ReconciliationLine
from payments.reconciling import findings_count, reconcile_report
from tests.admin_support import role_user
from tests.factories import OrderFactory
from tests.reconcile_support import report_with_plants, settled_ledger


def a_payment() -> Payment:
    return Payment.objects.get(order=OrderFactory(status=OrderStatus.CONFIRMED))


def found(run, finding: str) -> set[str]:
    lines = ReconciliationLine.objects.filter(run=run, finding=finding)
    return set(lines.values_list("psp_reference", flat=True))


@pytest.mark.django_db
def test_every_planted_mismatch_is_found_and_no_false_one():
    rows = settled_ledger(a_payment(), 2000)
    report, planted = report_with_plants(rows)
    ledger_before = list(PaymentTransaction.objects.values_list("pk", "amount", "outcome"))

    run = reconcile_report(
        stream=report,
        report="settlement.csv",
        provider="test",
        missing_after_days=3,
        now=timezone.now(),
    )

    for finding, references in planted.items():
        assert found(run, finding) == references, finding
    counts = findings_count(run)
    assert counts["matched"] == 2000 - 20 - 20
    assert list(PaymentTransaction.objects.values_list("pk", "amount", "outcome")) == ledger_before


@pytest.mark.django_db
def test_a_row_listed_in_an_earlier_report_is_not_missing():
    rows = settled_ledger(a_payment(), 300)
    first, planted = report_with_plants(rows)
    reconcile_report(
        stream=first, report="a.csv", provider="test", missing_after_days=3, now=timezone.now()
    )
    header = first.getvalue().splitlines()[0]
    run = reconcile_report(
        stream=io.StringIO(header + "\n"),
        report="b.csv",
        provider="test",
        missing_after_days=3,
        now=timezone.now(),
    )
    assert found(run, "missing") == planted["missing"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("Psp Reference,Gross\n", "The report lacks the columns: Merchant Reference, Type, Fee"),
        (
            "Merchant Reference,Psp Reference,Type,Gross,Fee,Net,Currency,Booking Date\n"
            "1,psp_1,Settled,ten,0,0,EUR,2026-12-01\n",
            "Line 2 of the report has a gross that is no amount: ten.",
        ),
    ],
)
def test_an_unreadable_report_is_refused_in_one_sentence_and_nothing_is_written(text, sentence):
    with pytest.raises(DomainError) as refused:
        reconcile_report(
            stream=io.StringIO(text),
            report="x.csv",
            provider="test",
            missing_after_days=3,
            now=timezone.now(),
        )
    assert str(refused.value).startswith(sentence)
    assert not ReconciliationLine.objects.exists()


@pytest.mark.django_db
def test_the_command_and_finance_reads_the_last_run(tmp_path, client, capsys):
    rows = settled_ledger(a_payment(), 200)
    report, planted = report_with_plants(rows)
    path = tmp_path / "settlement.csv"
    path.write_text(report.getvalue())
    call_command("reconcile_payments", str(path), "--missing-after", "3")
    out = capsys.readouterr().out
    assert "200 rows read; matched 196, amount differs 2, unknown reference 2, missing 2." in out
    with pytest.raises(CommandError, match="is not a file"):
        call_command("reconcile_payments", str(tmp_path / "nothing.csv"))
    client.force_login(role_user(FINANCE))
    page = client.get("/admin/payments/reconciliationline/?finding__exact=missing")
    assert page.status_code == 200
    listed = {line.psp_reference for line in page.context["cl"].result_list}
    assert listed == planted["missing"]
