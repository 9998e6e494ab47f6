"""Real servers of a production node for the deployment tests: gunicorn with the deployment's
config, and nginx with the deployment's site, each on free loopback ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
SITE = ROOT / "deploy" / "nginx" / "phananh.conf"
GUNICORN = Path(sys.executable).with_name("gunicorn")
BROTLI_STATIC = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")


_GIVEN: set[int] = set()


def free_port() -> int:
    """A loopback port nobody listens on, never one this process was given already: the system
    may hand a port just closed out again, and a test that asks for three (gunicorn, nginx's
    HTTP and HTTPS) would then start two servers on one port."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port


def server_env(**extra) -> dict:
    """The environment of a production node, on this test's database."""
    return {**os.environ, "DB_NAME": str(connection.settings_dict["NAME"]), "LOG_LEVEL": "WARNING", **extra}


def fetch(url: str):
    """(status, headers, body) of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (loopback)
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _wait(process: subprocess.Popen, up, what: str) -> None:
    deadline = time.monotonic() + 60
    while not up():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"{what} did not start: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)


def _answers(url: str):
    def up() -> bool:
        try:
            fetch(url)
        except OSError:
            return False
        return True

    return up


def stop(process: subprocess.Popen, timeout: float = 40) -> None:
    process.send_signal(signal.SIGTERM)  # both stop gracefully on SIGTERM/SIGQUIT
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr:
        process.stderr.close()


def start_gunicorn(port: int, access_log: Path, **env) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(GUNICORN), "-c", str(CONFIG)],
        cwd=str(ROOT),
        env=server_env(
            PHANANH_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", PHANANH_ACCESS_LOG=str(access_log), **env
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _wait(process, _answers(f"http://127.0.0.1:{port}/healthz"), "gunicorn")
    return process


def nginx_site(*, folder: Path, app_port: int, http_port: int, https_port: int, media: Path) -> Path:
    """The deployment's nginx site with this machine's ports and folders, in a config of its own."""
    from tests.deploy.tls import self_signed

    cert, key = self_signed(folder)
    site = SITE.read_text()
    for old, new in {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "/etc/letsencrypt/live/phananh.langson.gov.vn/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/phananh.langson.gov.vn/privkey.pem": str(key),
        "/var/log/nginx/": f"{folder}/",
        "/var/lib/phananh/media/": f"{media}/",
        "/srv/phananh/var/static/": f"{settings.STATIC_ROOT}/",
        "phananh.langson.gov.vn": "localhost",
    }.items():
        assert old in site, old
        site = site.replace(old, new)
    (folder / "site.conf").write_text(site)
    conf = folder / "nginx.conf"
    conf.write_text(
        # As root, workers would otherwise run as nobody, who cannot read the test's folders.
        ("user root;\n" if os.geteuid() == 0 else "")
        # The site's brotli_static (Debian's libnginx-mod-http-brotli-static, as `make nginx`
        # installs it); Debian's own nginx.conf loads it from modules-enabled.
        + f"load_module {BROTLI_STATIC};\n"
        + f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
        + "http {\n  include /etc/nginx/mime.types;\n"
        + f"  client_body_temp_path {folder}/body;\n  proxy_temp_path {folder}/proxy;\n"
        + f"  include {folder}/site.conf;\n}}\n"
    )
    return conf


def start_nginx(conf: Path, https_port: int) -> subprocess.Popen:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    checked = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        [nginx, "-c", str(conf), "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )

    def up() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", https_port)) == 0

    _wait(process, up, "nginx")
    return process
