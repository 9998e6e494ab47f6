"""The production web server: gunicorn with deploy/gunicorn.conf.py, started for real.

The config must load (`gunicorn --check-config`), and a gunicorn on a free loopback port must
answer the health check, a page and a static file, while its access log keeps neither the
reporter's secret link (?secret=, ?token=) nor the follow links' tokens.
"""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from tests.deploy.servers import CONFIG, GUNICORN, ROOT, fetch, free_port, server_env, start_gunicorn, stop

pytestmark = pytest.mark.django_db


def test_the_gunicorn_config_loads_the_app():
    checked = subprocess.run(
        [str(GUNICORN), "--check-config", "-c", str(CONFIG), "phananh.wsgi:application"],
        cwd="/",  # from anywhere: the config finds the project itself
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stderr


@pytest.fixture
def gunicorn(tmp_path):
    """A real gunicorn with the deployment's config on a free port; its access log in a file."""
    port, access_log = free_port(), tmp_path / "access.log"
    process = start_gunicorn(port, access_log)
    yield f"http://127.0.0.1:{port}", access_log
    stop(process)


def test_gunicorn_serves_the_health_check_a_page_and_static_files(gunicorn):
    base, access_log = gunicorn

    # The load balancer's health check
    status, _headers, body = fetch(f"{base}/healthz")
    assert status == 200
    assert b'"database": "ok"' in body

    # A public page, in Vietnamese
    status, headers, body = fetch(f"{base}/tra-cuu/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert "Tra cứu".encode() in body

    # A static file from WhiteNoise, compressed for the browsers that ask
    status, headers, body = fetch(f"{base}/static/vendor/htmx/htmx.min.js")
    assert status == 200 and len(body) > 1000


def test_the_access_log_keeps_no_secret_of_a_link(gunicorn):
    base, access_log = gunicorn

    def written() -> bool:
        log = access_log.read_text() if access_log.exists() else ""
        return log.count('"GET /tra-cuu/') == 2 and '"GET /theo-doi/' in log

    # When a reporter opens their private link, and someone follows an unsubscribe link
    fetch(f"{base}/tra-cuu/PA-26-ABCDEF/?secret=bi-mat-cua-nguoi-dan")
    fetch(f"{base}/tra-cuu/PA-26-ABCDEF/?token=ma-trong-thu")
    fetch(f"{base}/theo-doi/huy/ma-huy-theo-doi-rieng/")

    # Then the log has each request (each worker writes its own lines), without the secrets
    deadline = time.monotonic() + 10
    while not written():
        assert time.monotonic() < deadline, "the access log was not written"
        time.sleep(0.1)
    log = access_log.read_text()
    assert '"GET /tra-cuu/PA-26-ABCDEF/"' in log
    assert '"GET /theo-doi/huy/…/"' in log
    for secret in ("bi-mat-cua-nguoi-dan", "ma-trong-thu", "ma-huy-theo-doi-rieng", "secret=", "token="):
        assert secret not in log
    # Nor the client's address: nginx's own log keeps it
    assert "127.0.0.1" not in log


def test_the_environment_file_explains_every_setting():
    # Every variable that settings.py or the gunicorn config reads is named in deploy/phananh.env
    read = re.compile(r'(?:getenv|envbool|envint|envlist|envnumbers)\(\s*"([A-Z][A-Z0-9_]+)"')
    names = set(read.findall((ROOT / "src" / "phananh" / "settings.py").read_text()))
    names |= set(read.findall(CONFIG.read_text()))
    documented = set(
        re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / "deploy" / "phananh.env").read_text(), re.M)
    )
    assert names - documented == set()
