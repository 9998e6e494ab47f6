"""A light intake page: what a phone downloads the first time it opens it stays under 300 kB.

Measured in Chromium on the live server, where Django's static files handler serves every
file uncompressed: a ceiling. In production WhiteNoise serves the collected files
compressed (gzip or Brotli); the test prints that figure too, estimated with gzip.
"""

from __future__ import annotations

import gzip
from urllib.parse import urlsplit

import pytest

from tests.browser import PHONE, wait_for_expression

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BUDGET = 300 * 1000
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json")


def transferred(request) -> int:
    """The bytes the browser received for a request: headers and body as sent on the wire.

    A response served from a cache (the service worker's or the browser's) has none.
    """
    sizes = request.sizes()
    return max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)


def compressed(request) -> int:
    """What the same response weighs when the server compresses it as WhiteNoise does."""
    response = request.response()
    headers = max(request.sizes()["responseHeadersSize"], 0)
    if transferred(request) == 0:
        return 0
    body = response.body()
    if response.headers.get("content-type", "").startswith(COMPRESSIBLE):
        return headers + min(len(body), len(gzip.compress(body, 9)))
    return headers + len(body)


def report(title: str, requests) -> tuple[int, int]:
    """Print what each request weighed; give the page's and the service worker's totals."""
    page = [r for r in requests if not r.service_worker]
    worker = [r for r in requests if r.service_worker]
    page_bytes = sum(transferred(r) for r in page)
    worker_bytes = sum(transferred(r) for r in worker)
    print(f"\n{title}")
    for request in page + worker:
        origin = "worker" if request.service_worker else "page"
        path = request.url.split("/", 3)[-1]
        print(f"  {origin:6} {transferred(request):>8} B  /{path}")
    print(
        f"  page {page_bytes / 1000:.1f} kB in {len(page)} requests "
        f"(gzip as in production: {sum(compressed(r) for r in page) / 1000:.1f} kB); "
        f"service worker's install {worker_bytes / 1000:.1f} kB in {len(worker)} requests; "
        f"total {(page_bytes + worker_bytes) / 1000:.1f} kB"
    )
    return page_bytes, worker_bytes


def first_visit(page) -> list:
    finished = []
    page.context.on("requestfinished", lambda request: finished.append(request))
    page.goto("/gui-phan-anh/")
    # The app installs itself once the page has loaded: wait for it to take control.
    wait_for_expression(page, "navigator.serviceWorker.controller !== null")
    page.wait_for_load_state("networkidle")
    return finished


def test_the_first_visit_to_the_intake_page_downloads_less_than_300_kB(phone):
    # When a phone opens the intake page for the first time
    requests = first_visit(phone)

    # Then the page itself (HTML, CSS, scripts, images, fonts) stays under the budget, map included
    page_bytes, _worker_bytes = report("First load of /gui-phan-anh/ (uncompressed test server):", requests)
    assert any(r.url.endswith("/static/vendor/leaflet/leaflet.js") for r in requests)
    assert page_bytes < BUDGET
    # (The shared fixture routes every request, and Playwright's routing turns the HTTP cache
    # off: the service worker's install downloads the files again here, unlike on a phone.)


@pytest.fixture
def unrouted_phone(browser, live_server, settings):
    """A phone tab without request routing, so that the browser's HTTP cache works as usual.

    The map tiles are asked of the live server itself (where they do not exist), so that
    nothing leaves the machine without routing.
    """
    settings.PHANANH_TILE_URL = f"{live_server.url}/no-tiles/{{z}}/{{x}}/{{y}}.png"
    context = browser.new_context(base_url=live_server.url, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def test_installing_the_app_downloads_again_nothing_the_page_already_has(unrouted_phone, live_server):
    # When a phone opens the intake page for the first time, and the app installs itself
    requests = [r for r in first_visit(unrouted_phone) if "/no-tiles/" not in r.url]

    # Then the worker only checks the files the page already loaded (an answer without body)
    # and downloads only what the page did not need: everything stays under the budget
    page_bytes, worker_bytes = report("First visit with the app's installation:", requests)
    assert {urlsplit(r.url).netloc for r in requests} == {urlsplit(live_server.url).netloc}
    leaflet = [r for r in requests if r.url.endswith("/static/vendor/leaflet/leaflet.js")]
    assert [transferred(r) > 100_000 for r in leaflet] == [True, False]
    assert page_bytes + worker_bytes < BUDGET
