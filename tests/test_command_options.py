"""Out-of-range options of the maintenance commands and the demo: one sentence
(a CommandError), never a traceback, and nothing changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orders.models import Order, OrderStatus, StoreSettings
from tests.factories import OrderFactory
from tests.helpers import snapshot

COMMANDS = [
    ("archive_orders",),
    ("purge_cancelled_orders", "--yes"),
    ("cleanup_selections",),
]
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(
    ("option", "sentence"),
    [
        ("--days=1000000", "--days must be between 0 and 36500"),
        ("--days=-1", "--days must be between 0 and 36500"),
        (f"--days={10**30}", "--days must be between 0 and 36500"),
        ("--batch-size=0", "--batch-size must be between 1 and 100000"),
        (f"--batch-size={10**30}", "--batch-size must be between 1 and 100000"),
        ("--limit=-1", "--limit must be between 0 and 1000000000"),
        (f"--limit={10**30}", "--limit must be between 0 and 1000000000"),
    ],
)
def test_an_out_of_range_option_is_a_command_error_and_changes_nothing(command, option, sentence):
    old = OrderFactory(status=OrderStatus.CANCELLED)
    before = snapshot(old)
    with pytest.raises(CommandError, match=sentence):
        call_command(*command, option)
    assert snapshot(old) == before


@pytest.mark.django_db
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_days_passed_as_a_keyword_are_checked_too(command):
    with pytest.raises(CommandError, match="--days must be between 0 and 36500"):
        call_command(*command, days=1_000_000)


@pytest.mark.django_db
def test_out_of_range_store_settings_days_are_a_command_error():
    StoreSettings.objects.update_or_create(pk=1, defaults={"archive_after_days": 2_000_000})
    with pytest.raises(CommandError, match="store settings' archive_after_days"):
        call_command("archive_orders")


@pytest.mark.django_db
@pytest.mark.parametrize("orders", ["0", "10001", str(10**30)])
def test_demo_orders_out_of_range_is_a_command_error(orders):
    with pytest.raises(CommandError, match="--orders must be between 1 and 10000"):
        call_command("demo", f"--orders={orders}")
    assert not Order.objects.exists()


def test_from_the_shell_it_is_one_line_and_exit_code_1_not_a_traceback():
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "archive_orders", "--days", "1000000"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "CommandError: --days must be between 0 and 36500 (a hundred years); got 1000000."
    )
