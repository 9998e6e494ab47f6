"""Browser fixtures shared by every browser test: Debian's Chromium driven by Playwright.

Playwright's own browser download is not used (and cannot be reached): the tests need
/usr/bin/chromium, and fail, never skip, when it is missing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# A mid-size phone held upright, its browser set to Vietnamese.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
}


@pytest.fixture(scope="session")
def browser(django_db_setup):
    """One Chromium for the whole session (a second sync Playwright cannot run beside it)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Browser tests need Debian's Chromium at {CHROMIUM}: install it with "
            "`sudo apt-get install chromium` (or run `make browser`).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread for as long as it
    # lives; Django would then refuse every database call made by the tests themselves.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # While Playwright's event loop runs in this thread, Django hands out other connection
    # objects (asgiref's Local switches to context storage). The test database's serialized
    # contents must follow, or serialized_rollback cannot restore the default fields.
    serialized = getattr(connections[DEFAULT_DB_ALIAS], "_test_serialized_contents", None)
    playwright = sync_playwright().start()
    if serialized is not None:
        connections[DEFAULT_DB_ALIAS]._test_serialized_contents = serialized
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        connections[DEFAULT_DB_ALIAS].close()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def offsite_requests():
    """Every request the page tried to make to another host than the site under test."""
    return []


@pytest.fixture
def script_errors():
    """Every uncaught JavaScript error of the page."""
    return []


# Reports every violation of the Content-Security-Policy to the test, as the page sees it.
_WATCH_POLICY = """
document.addEventListener("securitypolicyviolation", function (event) {
  var where = (event.sourceFile || "-") + ":" + event.lineNumber;
  window.__policyViolated(event.effectiveDirective + " blocked " + (event.blockedURI || "inline")
    + " on " + event.documentURI.split("?")[0] + " (" + where + ")");
});
"""


def watch_policy(context, violations: list[str]) -> None:
    """Record in `violations` what the Content-Security-Policy blocks in this context's pages:
    the pages' own `securitypolicyviolation` events, and the console's "Refused to..." lines
    (those of a worker too)."""
    context.expose_function("__policyViolated", lambda text: violations.append(text))
    context.add_init_script(_WATCH_POLICY)

    def console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append(message.text)

    context.on("console", console)


@pytest.fixture
def policy_violations():
    """Every violation of the Content-Security-Policy in the test's browser pages."""
    return []


@pytest.fixture
def phone(browser, live_server, offsite_requests, script_errors, policy_violations):
    """A fresh phone browser tab on the live server; nothing leaves the machine.

    Requests to other hosts (the map tiles) are refused at once, as they would fail on a
    closed network anyway, and recorded in `offsite_requests`. Whatever the page does, it may
    break no rule of the Content-Security-Policy: a test that let it do so fails at its end.
    """
    site = urlsplit(live_server.url).netloc
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)

    def keep_local(route):
        if urlsplit(route.request.url).netloc in (site, ""):
            route.continue_()
        else:
            offsite_requests.append(route.request.url)
            route.abort()

    context.route("**/*", keep_local)
    watch_policy(context, policy_violations)
    page = context.new_page()
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    yield page
    context.close()
    assert policy_violations == [], "the page broke the Content-Security-Policy"


def wait_for_expression(page, expression: str, timeout: float = 10) -> None:
    """Wait until a JavaScript expression is true in the page.

    Playwright's `wait_for_function` compiles its expression inside the page, which the
    Content-Security-Policy forbids (no 'unsafe-eval'); `evaluate` runs it from outside.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)
