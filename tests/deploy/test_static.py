"""Static files on a production node: hashed names, gzip and Brotli copies, cached for ever.

collectstatic runs once for this module, with the production setting (PHANANH_HASHED_STATIC),
into a folder of its own; a real gunicorn (WhiteNoise) and the deployment's nginx in front of it
serve that folder. The pages name every file by its hashed name, each server answers it
compressed as the browser asks and tells browsers to keep it for ever, the service worker keeps
its own unhashed address, and a phone's first visit to the intake page (Chromium through nginx,
over TLS as in production) downloads less than 100 kB.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import brotli
import pytest
import requests
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, wait_for_expression
from tests.deploy.servers import ROOT, free_port, nginx_site, start_gunicorn, start_nginx, stop

# gunicorn reads the test database, which the migrations filled (fields, communes' names).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAGE = "/gui-phan-anh/"
TILES = "/no-tiles/"
FIRST_LOAD_BUDGET = 100 * 1000
YEAR = 365 * 24 * 3600
# collectstatic's names: the file's own name with 12 hex digits of its hash before the extension.
HASHED = re.compile(r"\.[0-9a-f]{12}\.[^/.]+$")
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """The static files of a production node, collected as the deployment collects them."""
    root = tmp_path_factory.mktemp("static")
    env = {**os.environ, "PHANANH_HASHED_STATIC": "true", "STATIC_ROOT": str(root)}
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture(scope="module")
def node(collected, tmp_path_factory, django_db_setup):
    """gunicorn serving the collected files itself, and nginx in front of it serving them from disk."""
    folder = tmp_path_factory.mktemp("node")
    media = folder / "media"
    media.mkdir()
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    app = start_gunicorn(
        app_port,
        folder / "app-access.log",
        MEDIA_ROOT=str(media),
        PHANANH_HASHED_STATIC="true",
        STATIC_ROOT=str(collected),
        PHANANH_TRUSTED_PROXIES="127.0.0.1",
        # The map's tiles asked of the node itself, where they do not exist: nothing leaves the
        # machine, and no request routing is needed (Playwright's would turn the HTTP cache off).
        PHANANH_TILE_URL=f"https://localhost:{https_port}{TILES}{{z}}/{{x}}/{{y}}.png",
    )
    with override_settings(STATIC_ROOT=collected):
        conf = nginx_site(
            folder=folder, app_port=app_port, http_port=http_port, https_port=https_port, media=media
        )
    proxy = start_nginx(conf, https_port)
    yield {
        "gunicorn": f"http://127.0.0.1:{app_port}",
        "nginx": f"https://localhost:{https_port}",
        "cert": str(folder / "cert.pem"),
        "root": collected,
    }
    stop(proxy, timeout=10)
    stop(app)


def get(node, server: str, path: str, encoding: str = "identity") -> requests.Response:
    """A GET as a browser sends it; the body is kept as it came on the wire (not decoded)."""
    session = requests.Session()
    session.trust_env = False
    answer = session.get(
        node[server] + path,
        headers={"Accept-Encoding": encoding},
        verify=node["cert"],
        stream=True,
        timeout=10,
    )
    answer.wire = answer.raw.read(decode_content=False)
    return answer


def collected_file(node, url: str) -> bytes:
    """The file as collectstatic wrote it, uncompressed."""
    return (node["root"] / url.removeprefix("/static/")).read_bytes()


def linked(node, server: str) -> list[str]:
    page = get(node, server, PAGE)
    assert page.status_code == 200
    return STATIC_LINK.findall(page.wire.decode())


@pytest.mark.parametrize("server", ["gunicorn", "nginx"])
def test_pages_name_every_static_file_by_its_hash(node, server):
    # When a phone opens the intake page
    urls = linked(node, server)

    # Then every static file it names carries the hash of its contents, Leaflet's included
    assert len(urls) >= 8
    assert [url for url in urls if not HASHED.search(url)] == []
    leaflet = [url for url in urls if url.startswith("/static/vendor/leaflet/leaflet.")]
    assert len(leaflet) == 2  # the script and its CSS
    # And the plain name is neither named nor served: a forgotten {% static %} fails at once
    assert "/static/vendor/leaflet/leaflet.js" not in urls
    assert get(node, server, "/static/vendor/leaflet/leaflet.js").status_code == 404


@pytest.mark.parametrize("server", ["gunicorn", "nginx"])
def test_a_hashed_file_comes_compressed_as_asked_and_is_kept_for_ever(node, server):
    script = next(url for url in linked(node, server) if re.search(r"/leaflet\.[0-9a-f]{12}\.js$", url))
    content = collected_file(node, script)

    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        # When a browser that accepts this encoding asks for Leaflet
        answer = get(node, server, script, f"{encoding}, deflate")

        # Then it gets Leaflet in that encoding, far smaller than the file
        assert answer.status_code == 200
        assert answer.headers["Content-Encoding"] == encoding
        assert decode(answer.wire) == content
        assert len(answer.wire) < len(content) * 0.35
        # And is told to keep it for ever, without asking again
        cache = answer.headers["Cache-Control"]
        assert "immutable" in cache and "public" in cache
        assert int(re.search(r"max-age=(\d+)", cache).group(1)) >= YEAR
        assert "Accept-Encoding" in answer.headers["Vary"]

    # A client that asks for no encoding gets the file itself
    plain = get(node, server, script)
    assert "Content-Encoding" not in plain.headers
    assert plain.wire == content

    # Images are never compressed again, and are kept for ever too
    icon = next(url for url in linked(node, server) if url.endswith(".png"))
    image = get(node, server, icon, "br, gzip")
    assert "Content-Encoding" not in image.headers
    assert image.wire == collected_file(node, icon)
    assert "immutable" in image.headers["Cache-Control"]


def test_the_service_worker_keeps_its_address_and_caches_the_hashed_files(node):
    # When a phone asks for the app's service worker through nginx
    worker = get(node, "nginx", "/sw.js")

    # Then it comes from its own unhashed address, checked again on every visit
    assert worker.status_code == 200
    assert worker.headers["Cache-Control"] == "no-cache"
    config = json.loads(re.match(r"self\.PHANANH = (\{.*\});", worker.wire.decode()).group(1))

    # And the files it keeps for offline use are the page's hashed files, every one reachable
    shell = config["shell"]
    assert shell[0] == PAGE
    assert set(linked(node, "nginx")) <= set(shell)
    assert any(re.search(r"/marker-icon-2x\.[0-9a-f]{12}\.png$", url) for url in shell)
    assert config["outboxScript"] in shell
    for url in shell[1:]:
        assert HASHED.search(url), url
        assert get(node, "nginx", url).status_code == 200, url


def wire(requests) -> int:
    """The bytes received for these requests, as sent: compressed bodies and their headers."""
    sizes = [r.sizes() for r in requests]
    return sum(max(s["responseBodySize"], 0) + max(s["responseHeadersSize"], 0) for s in sizes)


@pytest.fixture(scope="module")
def chromium_trusting_the_node(browser):
    """Chromium that accepts the node's self-signed certificate, service workers included.

    A context's ignore_https_errors does not reach a service worker's registration, so this
    Chromium is started with the flag, beside the session's own (same Playwright).
    """
    chromium = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"]
    )
    yield chromium
    chromium.close()


@pytest.fixture
def phone_on_the_node(chromium_trusting_the_node, node, script_errors):
    """A phone's first visit: a new browser, nothing cached."""
    context = chromium_trusting_the_node.new_context(base_url=node["nginx"], **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: script_errors.append(str(exc)))
    yield page
    context.close()


def test_a_phones_first_visit_to_the_intake_page_downloads_less_than_100_kB(
    phone_on_the_node, node, script_errors
):
    page = phone_on_the_node
    finished = []
    page.context.on("requestfinished", lambda request: finished.append(request))

    # When a phone opens the intake page for the first time, and the app installs itself
    page.goto(PAGE)
    expect(page.get_by_role("heading", name="Gửi phản ánh")).to_be_visible()
    wait_for_expression(page, "navigator.serviceWorker.controller !== null")
    page.wait_for_load_state("networkidle")

    # Then what the page downloaded, headers included, stays under 100 kB, in Brotli
    assert {urlsplit(r.url).netloc for r in finished} == {urlsplit(node["nginx"]).netloc}
    own = [r for r in finished if not r.service_worker and TILES not in r.url]
    install = [r for r in finished if r.service_worker]
    statics = [r for r in own if "/static/" in r.url]
    assert {r.response().headers.get("content-encoding") for r in statics if r.url.endswith(".js")} == {"br"}
    assert any(r.url.endswith(".js") and "/vendor/leaflet/" in r.url for r in statics)
    print(
        f"\nFirst load of {PAGE} through nginx: {wire(own) / 1000:.1f} kB in {len(own)} requests; "
        f"the app's installation {wire(install) / 1000:.1f} kB in {len(install)} requests"
    )
    # (The installation is printed, not held to the budget here: Chromium keeps nothing in its
    # HTTP cache from a host whose certificate it was told to ignore, so the worker downloads
    # again what the page has. bench/first_load.py measures it over plain HTTP, cache on.)
    assert wire(own) < FIRST_LOAD_BUDGET

    # And the map's marker, whose image Leaflet cannot find by itself under a hashed name, shows
    page.locator("#map").click()
    marker = page.locator("img.leaflet-marker-icon")
    expect(marker).to_be_visible()
    assert HASHED.search(marker.get_attribute("src"))
    wait_for_expression(page, "document.querySelector('img.leaflet-marker-icon').naturalWidth > 0")

    # And the installed app opens again without a connection, from the hashed files it keeps
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="Gửi phản ánh")).to_be_visible()
    expect(page.locator("#map .leaflet-pane").first).to_be_attached()
    page.context.set_offline(False)
    assert script_errors == []
