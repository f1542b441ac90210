"""The Swedish catalogue is whole, current, and compiled (docs/translations.md).

- `makemessages` finds exactly the catalogue's entries in the code: none missing
  (a string added to the code and not to the catalogue), none left over;
- every entry has a Swedish translation, none is fuzzy, and each keeps the
  placeholders of its English (a lost "%(number)s" would raise or drop data);
- the committed `django.mo` is the compiled `django.po`;
- the language picked is the language shown: Django's own words, ours, dates,
  numbers and money.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format

from core.money import format_money

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
# Where the code shown to users lives: what makemessages reads (docs/translations.md).
SOURCES = [
    "backoffice", "catalog", "centra_orders", "core", "integrations", "orders",
    "outbox", "payments", "returns", "shipments", "storefront", "templates",
]  # fmt: skip
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]|\{[\w.]*\}")


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def keys(entries) -> set[tuple[str, str, str]]:
    return {(entry.msgctxt or "", entry.msgid, entry.msgid_plural or "") for entry in entries}


def translations(entries) -> dict:
    return {(e.msgctxt or "", e.msgid): e.msgstr or e.msgstr_plural for e in entries}


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    """What `makemessages` writes from the code now, on a copy of the code."""
    if shutil.which("xgettext") is None:
        pytest.skip("makemessages needs GNU gettext's xgettext (apt install gettext); CI has it")
    copy = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        shutil.copytree(
            ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "locale")
        )
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    (copy / "locale").mkdir()
    subprocess.run(
        [
            sys.executable, "manage.py", "makemessages", "-l", "sv", "--no-location",
            "--no-obsolete", "--ignore=locale",
        ],
        cwd=copy, check=True, capture_output=True,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "centra_orders.settings"},
    )  # fmt: skip
    return polib.pofile(str(copy / "locale" / "sv" / "LC_MESSAGES" / "django.po"))


def test_the_catalogue_holds_what_the_code_asks_for(catalogue, extracted):
    live = [entry for entry in catalogue if not entry.obsolete]
    missing = sorted(keys(extracted) - keys(live))
    left_over = sorted(keys(live) - keys(extracted))
    assert not missing, f"in the code, not in the catalogue (run makemessages): {missing[:20]}"
    assert not left_over, f"in the catalogue, no longer in the code: {left_over[:20]}"
    assert not [entry for entry in catalogue if entry.obsolete], "obsolete entries (--no-obsolete)"


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:10]}"


def test_every_translation_keeps_the_placeholders_of_its_english(catalogue):
    lost = []
    for entry in catalogue:
        if entry.msgid_plural:
            wanted = set(PLACEHOLDER.findall(entry.msgid_plural))
            lost += [
                f"{entry.msgid_plural!r} → {text!r}"
                for text in entry.msgstr_plural.values()
                if set(PLACEHOLDER.findall(text)) != wanted
            ]
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            lost.append(f"{entry.msgid!r} → {entry.msgstr!r}")
    assert not lost, "\n".join(lost[:20])


def test_the_committed_compiled_catalogue_is_the_catalogue(catalogue):
    as_compiled = translations(polib.mofile(str(COMPILED)))
    as_written = translations(catalogue.translated_entries())
    assert as_compiled == as_written, "compile it: manage.py compilemessages -l sv"


@pytest.mark.parametrize(
    "language, money, date, word",
    [
        ("en", "5,890.50 SEK", "7 Dec 2026, 14:05", "Home"),
        ("sv", "5\xa0890,50 SEK", "7 dec 2026 14:05", "Hem"),
    ],
)
def test_the_active_language_sets_the_words_dates_and_money(language, money, date, word):
    from datetime import datetime

    with translation.override(language):
        assert format_money(Decimal("5890.5"), "SEK") == money
        assert date_format(datetime(2026, 12, 7, 14, 5), "DATETIME_FORMAT") == date
        assert translation.gettext("Home") == word
