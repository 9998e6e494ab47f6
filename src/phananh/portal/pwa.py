"""The installable app (progressive web app): its manifest and its service worker.

Both are served from the site root, not from /static/: a service worker controls only the
pages under the path it is served from, and the app's pages start at "/".
The routes below sit at the root of the site (see phananh/urls.py), outside the portal's
own urls.py; the nearby-reports route sits here too for that reason.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import views

# The colours of portal/static/portal/site.css (--brand and --bg); a test keeps them equal.
THEME_COLOUR = "#b91c1c"
BACKGROUND_COLOUR = "#f8fafc"

# Made by scripts/make_icons.py: (static path, size in pixels, purpose).
ICONS = (
    ("portal/icons/icon-192.png", 192, "any"),
    ("portal/icons/icon-512.png", 512, "any"),
    ("portal/icons/maskable-512.png", 512, "maskable"),
)
APPLE_TOUCH_ICON = "portal/icons/apple-touch-icon.png"

# The app shell is what the intake page needs to open without a connection: the page, the
# static files it links to (found in the page itself, so that a file added to base.html is
# never forgotten), and these, which it loads indirectly (Leaflet's marker, the icons).
# Nothing in the shell holds personal data: the tracking pages, the confirmation page with
# its private link and the API's answers are never cached.
SHELL_EXTRA_STATIC = (
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png",
    *(icon for icon, _size, _purpose in ICONS),
    APPLE_TOUCH_ICON,
)
SERVICE_WORKER_SOURCE = "portal/sw.js"
_LINKED = re.compile(r'(?:href|src)="([^"?#]+)"')


def _static_bytes(name: str) -> bytes:
    """A static file's contents, by its name or by the hashed name of a production node."""
    found = finders.find(name)
    if found:
        with open(found, "rb") as file:
            return file.read()
    with staticfiles_storage.open(name) as file:
        return file.read()


def _linked_static(request) -> list[str]:
    """The URLs of the static files the intake page links to, as the page names them."""
    html = render_to_string("portal/submit.html", views.form_context({}, {}), request=request)
    return [url for url in _LINKED.findall(html) if url.startswith(settings.STATIC_URL)]


def _shell(request) -> tuple[str, tuple[str, ...]]:
    """The shell's static files (their URLs) and a digest of them and of the worker itself.

    Any change of a file makes a new version, hence a new cache. On a production node the
    URLs carry a hash of each file already; without it (`make run`) only the contents tell.
    """
    extra = (static(name) for name in SHELL_EXTRA_STATIC)
    # Once each: the Cache API refuses a list that names a file twice.
    urls = tuple(dict.fromkeys((*_linked_static(request), *extra)))
    digest = hashlib.sha256()
    for url in urls:
        digest.update(url.encode())
        digest.update(hashlib.sha256(_static_bytes(url.removeprefix(settings.STATIC_URL))).digest())
    digest.update(hashlib.sha256(_static_bytes(SERVICE_WORKER_SOURCE)).digest())
    return digest.hexdigest()[:16], urls


_deployed_shell: dict[str, tuple[str, tuple[str, ...]]] = {}


def shell(request) -> tuple[str, tuple[str, ...]]:
    # The files change only with a deployment, except while developing.
    if settings.DEBUG:
        return _shell(request)
    if "shell" not in _deployed_shell:
        _deployed_shell["shell"] = _shell(request)
    return _deployed_shell["shell"]


@require_GET
def manifest(request):
    """The web app manifest: what a phone needs to install the citizens' app."""
    start = reverse("portal:submit")
    body = {
        "id": start,
        # "Phản ánh hiện trường" and "Phản ánh" in Vietnamese.
        "name": _("Field report"),
        "short_name": _("Reports"),
        "description": _("Send a report"),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "dir": "ltr",
        "start_url": start,
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(name), "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
            for name, size, purpose in ICONS
        ],
    }
    response = JsonResponse(
        body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def service_worker(request):
    """The service worker's script, with this deployment's cache version and file list."""
    version, urls = shell(request)
    config = {
        "version": version,
        "page": reverse("portal:submit"),
        "shell": [reverse("portal:submit"), *urls],
        "outboxScript": static("portal/outbox.js"),
        "endpoint": reverse("api-v1:submit_report"),
    }
    source = _static_bytes(SERVICE_WORKER_SOURCE).decode()
    body = f"self.PHANANH = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # The browser must ask every time, so that a new version is found at once.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def favicon(request):
    """/favicon.ico, which browsers ask for by themselves where a page links no icon."""
    response = HttpResponse(_static_bytes("portal/icons/favicon.ico"), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


app_name = "pwa"
urlpatterns = [
    path("manifest.webmanifest", manifest, name="manifest"),
    path("sw.js", service_worker, name="service_worker"),
    path("favicon.ico", favicon, name="favicon"),
    # Belongs with the intake page's routes (portal/urls.py); kept here with the other
    # root-level routes of the citizens' app.
    path("gui-phan-anh/gan-day.json", views.nearby, name="nearby"),
    path("gui-phan-anh/xa-phuong.json", views.commune_of_place, name="commune"),
]
