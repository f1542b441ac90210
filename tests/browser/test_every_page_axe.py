"""axe-core on every kind of admin page the link crawl reaches, in English and in Swedish.

The crawl (tests/crawl_support.py) walks the superuser's links on its world and
keeps one page of each kind (a list, each of its filters, one change page per
model, each step's page, every order's page); Chromium opens each, in English,
and in Swedish chosen on the language page as staff choose it (two tests, so the
two test workers share them). axe-core must find no critical or serious violation
on any of them, and each page must be in the language chosen. Screenshots of the
board, the orders list, an order and a return in both languages go to
test-artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PASSWORD, log_in
from tests.browser.test_at_a_glance import AXE, RUN_AXE
from tests.crawl_support import crawl, crawl_world
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Pages kept as screenshots, in each language: the first page of each of these kinds.
SHOWN_IN_BOTH = {
    "board": re.compile(r"/admin/$"),
    "orders-list": re.compile(r"/admin/orders/order/(\?.*)?$"),
    "order": re.compile(r"/admin/orders/order/\d+/change/"),
    "return": re.compile(r"/admin/returns/return/\d+/change/"),
}


def pages_to_check(client, user) -> list[str]:
    """The crawl's pages; it opens only the links it may keep (that the superuser's
    every link opens is test_admin_links_every_role.py's, on this world and more)."""
    client.force_login(user)
    failures, size = crawl(client, every_link=False)
    assert failures == [], "\n".join(failures)
    return sorted({url for pages in size["kinds"].values() for url in pages} | {"/admin/"})


def choose_language(page, label: str) -> None:
    page.goto("/admin/language/")
    page.get_by_label(label).check()
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")


def axe_findings(page, urls: list[str], language: str) -> list[str]:
    problems, kept = [], set()
    for url in urls:
        page.goto(url)
        shown = page.locator("html").get_attribute("lang")
        if shown != language:
            problems.append(f"{url} is in {shown!r}, not {language!r}")
        for name, kind in SHOWN_IN_BOTH.items():
            if name not in kept and kind.match(url):
                kept.add(name)
                page.shot(f"{name}-{language}")
        page.evaluate(AXE)
        problems += [f"{language} {url}: {finding}" for finding in page.evaluate(RUN_AXE)]
    return problems


@pytest.mark.parametrize("language, label", [("en", None), ("sv", "Svenska")])
def test_axe_finds_nothing_serious_on_any_page(new_page, client, language, label):
    crawl_world()
    boss = UserFactory(username="axe-boss", is_superuser=True, password=PASSWORD)
    urls = pages_to_check(client, boss)
    assert len(urls) > 50
    # Django's own user pages draw Chromium's advice on autocomplete ([DOM]) and its
    # note that a second autofocus was ignored.
    page = new_page(
        expected_console=(r"console verbose .*\[DOM\]", r"console info .*Autofocus processing")
    )
    log_in(page, "axe-boss")
    if label:
        choose_language(page, label)
    problems = axe_findings(page, urls, language)
    assert not problems, f"{len(problems)} findings:\n" + "\n".join(problems)
