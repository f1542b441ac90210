"""Headless Chromium (Debian's, never a download) against pytest-django's live server."""

import os
import re
from pathlib import Path

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in this thread; the live server's
# database calls from the test body are still plain synchronous Django.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct-horse-battery"


# Function-scoped on purpose: Playwright's sync API switches the thread's
# context, and the database fixtures (which restore the default groups after
# each transactional test) must run outside it.
@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)."
        # CI must run the browser flows; a developer's quick start may lack Chromium.
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
        # The test body's database connections belong to this context; close
        # them so the test database can be dropped at the end.
        connections.close_all()


@pytest.fixture
def new_page(browser, live_server, request):
    """Open a fresh browser context (its own cookies) as someone; screenshots go to
    test-artifacts/<test name>/NN-<what>.png."""
    contexts = []
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def open_page():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1440, "height": 1000}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)

        def shot(what: str) -> Path:
            counter["n"] += 1
            path = folder / f"{counter['n']:02d}-{what}.png"
            page.screenshot(path=str(path), full_page=True)
            return path

        page.shot = shot
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, username: str) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
