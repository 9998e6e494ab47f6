"""The installable app: the manifest a phone reads to install it, and its service worker."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from phananh.portal import pwa

pytestmark = pytest.mark.django_db

SITE_CSS = "portal/site.css"


def manifest(client) -> dict:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    return json.loads(response.content)


def worker_config(client) -> dict:
    """The settings the view puts on the service worker's first line."""
    first_line = client.get("/sw.js").content.decode().split("\n", 1)[0]
    match = re.fullmatch(r"self\.PHANANH = (\{.*\});", first_line)
    assert match, first_line
    return json.loads(match.group(1))


def test_the_manifest_describes_the_citizens_app_in_vietnamese(client):
    data = manifest(client)

    assert data["name"] == "Phản ánh hiện trường"
    assert data["short_name"] == "Phản ánh"
    assert len(data["short_name"]) <= 12  # what fits under an icon on a home screen
    assert data["lang"] == "vi"
    assert data["start_url"] == "/gui-phan-anh/"
    assert data["scope"] == "/"
    assert data["display"] == "standalone"


def test_the_manifest_and_the_pages_use_the_portals_red(client):
    with open(finders.find(SITE_CSS)) as css:
        variables = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", css.read()))
    brand, background = variables["brand"], variables["bg"]

    data = manifest(client)

    assert data["theme_color"].lower() == brand.lower()
    assert data["background_color"].lower() == background.lower()
    page = client.get("/gui-phan-anh/").content.decode()
    assert f'<meta name="theme-color" content="{brand}">' in page


def test_every_icon_exists_and_has_the_size_it_announces(client):
    icons = manifest(client)["icons"]

    purposes = {(icon["sizes"], icon["purpose"]) for icon in icons}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    for icon in icons:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        with Image.open(finders.find(icon["src"].removeprefix("/static/"))) as image:
            assert image.format == "PNG"
            width, height = (int(n) for n in icon["sizes"].split("x"))
            assert image.size == (width, height)


def test_the_maskable_icon_fills_its_square_and_keeps_the_pin_in_the_safe_zone():
    with Image.open(finders.find("portal/icons/maskable-512.png")) as image:
        rgba = image.convert("RGBA")
    rgb = rgba.convert("RGB")
    # Full bleed: the corners are the brand colour (to a step of the palette), never transparent.
    for corner in ((0, 0), (511, 0), (0, 511), (511, 511)):
        *colour, alpha = rgba.getpixel(corner)
        assert alpha == 255
        assert all(abs(a - b) <= 2 for a, b in zip(colour, (0xB9, 0x1C, 0x1C), strict=True))
    # The white pin stays inside the central circle of 40 % radius that every mask keeps.
    white = [(x, y) for x in range(0, 512, 4) for y in range(0, 512, 4) if min(rgb.getpixel((x, y))) > 240]
    assert white
    assert all((x - 256) ** 2 + (y - 256) ** 2 <= (0.4 * 512) ** 2 for x, y in white)


def test_the_pages_link_the_manifest_the_apple_icon_and_the_worker(client):
    page = client.get("/gui-phan-anh/").content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest"' in page
    apple = re.search(r'<link rel="apple-touch-icon" href="([^"]+)"', page).group(1)
    assert client.get(apple).status_code == 200
    assert 'data-service-worker="/sw.js"' in page


def test_the_service_worker_is_served_from_the_root_and_never_from_a_stale_cache(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert "importScripts(" in response.content.decode()


def test_the_shell_is_the_intake_page_and_every_static_file_it_needs(client):
    config = worker_config(client)
    page = client.get("/gui-phan-anh/").content.decode()

    shell = config["shell"]
    assert config["page"] == "/gui-phan-anh/" == shell[0]
    assert len(shell) == len(set(shell))  # the Cache API refuses a file named twice
    linked = {url for url in re.findall(r'(?:href|src)="([^"]+)"', page) if url.startswith("/static/")}
    assert linked <= set(shell)
    for needed in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet/images/marker-icon-2x.png",
        "/static/portal/submit.js",
        "/static/portal/outbox.js",
        "/static/portal/icons/icon-192.png",
        "/static/portal/icons/maskable-512.png",
    ):
        assert needed in shell
    for url in shell:
        assert client.get(url).status_code == 200, url
    assert config["outboxScript"] in shell
    assert config["endpoint"] == "/api/v1/reports"


def test_the_shell_holds_no_api_tracking_or_confirmation_page(client):
    shell = worker_config(client)["shell"]

    for url in shell:
        assert url == "/gui-phan-anh/" or url.startswith("/static/"), url
        assert not url.startswith(("/api/", "/tra-cuu/", "/theo-doi/", "/gui-phan-anh/da-gui/")), url


def test_a_changed_file_gives_a_new_cache_version(client, monkeypatch):
    # Given the version the phones have
    before = worker_config(client)["version"]
    assert re.fullmatch(r"[0-9a-f]{16}", before)
    assert worker_config(client)["version"] == before  # stable while nothing changes

    # When a deployment changes the intake page's script
    monkeypatch.setattr(pwa, "_deployed_shell", {})
    real = pwa._static_bytes
    monkeypatch.setattr(
        pwa, "_static_bytes", lambda name: real(name) + (b"//v2" if name == "portal/submit.js" else b"")
    )

    # Then the worker names another cache, so that phones fetch the new files
    assert worker_config(client)["version"] != before


def test_the_worker_and_manifest_answer_only_to_get(client):
    assert client.post("/sw.js").status_code == 405
    assert client.post("/manifest.webmanifest").status_code == 405
