"""Browser fixtures shared by every browser test: Debian's Chromium driven by Playwright.

Playwright's own browser download is not used (and cannot be reached): the tests need
/usr/bin/chromium, and fail, never skip, when it is missing.
"""

from __future__ import annotations

import os
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


@pytest.fixture
def phone(browser, live_server, offsite_requests, script_errors):
    """A fresh phone browser tab on the live server; nothing leaves the machine.

    Requests to other hosts (the map tiles) are refused at once, as they would fail on a
    closed network anyway, and recorded in `offsite_requests`.
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
    page = context.new_page()
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    yield page
    context.close()
