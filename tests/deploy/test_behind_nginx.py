"""A production node for real: the deployment's nginx site in front of gunicorn.

A report is sent with a photo through nginx (TLS), the reporter opens it with their secret link
and gets the photo, which nginx reads from the disk after the app's check (X-Accel-Redirect);
nobody else gets it, and nginx's internal location cannot be reached from outside. Neither log
keeps the secret link.
"""

from __future__ import annotations

import re
import secrets
import time

import pytest
import requests
from django.conf import settings

from phananh.reports.models import Attachment
from tests.conftest import jpeg_bytes
from tests.deploy.servers import free_port, nginx_site, start_gunicorn, start_nginx, stop

# gunicorn writes the report itself, so the rows must be committed; the migrations' own rows
# (fields, reasons) are put back afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The app's defaults (SECURE_HSTS_*), which nginx repeats for the static files.
HSTS = "max-age=31536000; includeSubDomains; preload"


@pytest.fixture
def node(tmp_path, ioc):
    """nginx on free ports in front of a gunicorn that serves files by X-Accel-Redirect."""
    media = tmp_path / "media"
    media.mkdir()
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    app = start_gunicorn(
        app_port,
        tmp_path / "app-access.log",
        MEDIA_ROOT=str(media),
        PHANANH_X_ACCEL_PREFIX="/_protected/",
        PHANANH_TRUSTED_PROXIES="127.0.0.1",
        # A production node: HTTPS everywhere (the test suite's own default is plain HTTP), and a
        # real key, without which it would not start.
        PHANANH_HTTPS="true",
        SECRET_KEY=secrets.token_urlsafe(50),
    )
    conf = nginx_site(
        folder=tmp_path, app_port=app_port, http_port=http_port, https_port=https_port, media=media
    )
    proxy = start_nginx(conf, https_port)
    yield {
        "https": f"https://localhost:{https_port}",
        "http": f"http://localhost:{http_port}",
        "dir": tmp_path,
    }
    stop(proxy, timeout=10)
    stop(app)


@pytest.fixture
def browser(node):
    """A new browser that trusts the node's own certificate."""

    def browser() -> requests.Session:
        session = requests.Session()
        # Not the machine's CA bundle or proxy from the environment, which requests would prefer.
        session.trust_env = False
        session.verify = str(node["dir"] / "cert.pem")
        return session

    return browser


def test_a_photo_goes_through_the_apps_check_and_comes_from_nginx(node, browser):
    https = node["https"]

    # Plain HTTP is sent to HTTPS
    plain = browser().get(f"{node['http']}/healthz", allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://localhost")

    # Given a report sent through nginx with a photo
    reporter = browser()
    sent = reporter.post(
        f"{https}/api/v1/reports",
        data={
            "description": "Ổ gà lớn trên đường Bà Triệu",
            "consent": "true",
            "reporter_phone": "0912345678",
        },
        files={"photos": ("o-ga.jpg", jpeg_bytes(640, 480), "image/jpeg")},
        timeout=30,
    )
    assert sent.status_code == 201, sent.text
    code, secret = sent.json()["tracking_code"], sent.json()["secret"]
    # The app knew the request came over HTTPS through nginx
    assert sent.json()["tracking_url"].startswith("https://localhost")
    photo = Attachment.objects.get(report__tracking_code=code)

    # When the reporter opens their private link, then the photo
    page = reporter.get(f"{https}/tra-cuu/{code}/", params={"secret": secret}, timeout=10)
    assert page.status_code == 200
    # And the session that remembers them is a cookie sent over HTTPS only
    assert [cookie.secure for cookie in reporter.cookies if cookie.name == "sessionid"] == [True]
    # And the page tells browsers to use HTTPS only, once (the app's header, not nginx's too),
    # and what they may run
    assert page.raw.headers.getlist("Strict-Transport-Security") == [HSTS]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    image = reporter.get(f"{https}/tra-cuu/{code}/anh/{photo.pk}/", timeout=10)

    # Then nginx sends the stored photo, with the app's type, name and caching, and no trace of
    # where it lies
    assert image.status_code == 200
    assert image.content == (node["dir"] / "media" / photo.file.name).read_bytes()
    assert image.headers["Content-Type"] == "image/jpeg"
    assert image.headers["Content-Disposition"] == f'inline; filename="{code}-{photo.pk}.jpg"'
    assert image.headers["Cache-Control"] == "private, max-age=3600"
    assert "X-Accel-Redirect" not in image.headers

    # And what nginx answers itself from /static/ carries the same HSTS (collected or not)
    static = browser().get(f"{https}/static/portal/site.css", timeout=10)
    assert static.raw.headers.getlist("Strict-Transport-Security") == [HSTS]

    # And someone without the secret gets nothing, nor does anyone at the internal location
    assert browser().get(f"{https}/tra-cuu/{code}/anh/{photo.pk}/", timeout=10).status_code == 404
    assert browser().get(f"{https}/_protected/{photo.file.name}", timeout=10).status_code == 404
    assert browser().get(f"{https}/media/{photo.file.name}", timeout=10).status_code == 404

    # And neither nginx's log nor gunicorn's keeps the secret link
    time.sleep(0.5)
    for log in ("phananh.access.log", "app-access.log"):
        text = (node["dir"] / log).read_text()
        assert f"/tra-cuu/{code}/" in text, log
        assert secret not in text and "secret=" not in text, log


def test_the_upload_limit_of_nginx_is_the_apps():
    site = (settings.BASE_DIR / "deploy" / "nginx" / "phananh.conf").read_text()
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert megabytes * 1024 * 1024 == settings.PHANANH_MAX_REQUEST_BYTES
