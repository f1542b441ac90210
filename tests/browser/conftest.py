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

# Runs in every document before its own scripts: a blocked script, style or image
# fires `securitypolicyviolation`, which is reported to the test through the console.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`);
});
"""


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


def console_line(page, message) -> str:
    source = message.location.get("url") or page.url
    return f"console {message.type} on {page.url} ({source}): {message.text}"


@pytest.fixture
def new_page(browser, live_server, request):
    """Open a fresh browser context (its own cookies) as someone; screenshots go to
    test-artifacts/<test name>/NN-<what>.png.

    Every console message (a CSP violation is reported as one, and Chromium logs
    its own refusals there too) and every uncaught page error fails the test.
    """
    contexts = []
    problems: list[str] = []
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def open_page(*, expected_console: tuple[str, ...] = ()):
        """`expected_console`: patterns of console lines the test provokes on purpose
        (Chromium logs every 4xx answer to a script's request as an error)."""
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1440, "height": 1000}
        )
        contexts.append(context)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(15_000)

        def on_console(message) -> None:
            line = console_line(page, message)
            if not any(re.search(pattern, line) for pattern in expected_console):
                problems.append(line)

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"page error at {page.url}: {error}"))

        def shot(what: str) -> Path:
            counter["n"] += 1
            path = folder / f"{counter['n']:02d}-{what}.png"
            page.screenshot(path=str(path), full_page=True)
            assert not problems, "\n".join(problems)
            return path

        page.shot = shot
        return page

    yield open_page
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("The browser reported:\n" + "\n".join(problems))


def log_in(page, username: str) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
