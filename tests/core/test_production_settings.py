"""A production node's settings: `check --deploy` finds nothing, HTTPS is on unless said otherwise.

- With the environment of deploy/phananh.env and a real secret key, `manage.py check --deploy
  --fail-level WARNING` passes with no warning; with the file's placeholder key it does not, and
  gunicorn refuses to start with it.
- DEBUG off: HTTPS redirect, cookies over HTTPS only and HSTS by default; PHANANH_HTTPS=false
  (plain HTTP on the loopback: `make run`, the tests) turns them off, as DEBUG does.
- A request is believed about HTTPS only when it comes from a trusted proxy.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.deploy.servers import CONFIG, GUNICORN

ROOT = settings.BASE_DIR
ENV_FILE = ROOT / "deploy" / "phananh.env"
# The file's servers are the province's (10.0.0.x); none is contacted by `check`, but none may
# even be named to a process started here: the same services on this machine stand in for them.
LOCAL_SERVERS = {
    "DB_HOST": "127.0.0.1",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_HOST": "127.0.0.1",
    "DB_PASSWORD": "",
    "DB_USER": "postgres",
}


def production_environment(**changes) -> dict[str, str]:
    """The environment of deploy/phananh.env (its uncommented lines), as systemd gives it."""
    text = ENV_FILE.read_text()
    given = {
        name: (shlex.split(value) or [""])[0]
        for name, value in re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", text, re.M)
    }
    # Nothing of the test run's own environment (PHANANH_HTTPS=false, the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE...): systemd gives the service the file and little else.
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    return {
        **base,
        **given,
        **LOCAL_SERVERS,
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "phananh.settings",
        **changes,
    }


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


SHOW = """
import json
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in (
    "PHANANH_HTTPS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER", "SECURE_REDIRECT_EXEMPT",
)}))
"""


def settings_of(env: dict[str, str]) -> dict:
    shown = subprocess.run([sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_check_deploy_finds_nothing_with_the_deployments_environment_and_a_real_key():
    # Given a node set up as deploy/phananh.env says, with a long random key
    env = production_environment(SECRET_KEY=secrets.token_urlsafe(50))

    # When the operator runs Django's deployment check, warnings counting as failures
    checked = check_deploy(env)

    # Then it finds nothing, and nothing was silenced to get there
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "System check identified no issues (0 silenced)." in checked.stdout


def test_the_placeholder_key_of_the_file_or_no_key_does_not_pass():
    # The file as it comes (its placeholder key), or with no key at all: the development key
    for env in (production_environment(), {**production_environment(), "SECRET_KEY": ""}):
        checked = check_deploy(env)
        assert checked.returncode != 0
        assert "security.W009" in checked.stderr


def test_gunicorn_refuses_to_start_a_production_node_with_a_weak_key():
    def gunicorn(env):
        return subprocess.run(
            [str(GUNICORN), "--check-config", "-c", str(CONFIG), "phananh.wsgi:application"],
            cwd="/",
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    # A production node with the file's placeholder key does not start, and says why
    refused = gunicorn(production_environment())
    assert refused.returncode != 0
    assert "SECRET_KEY is missing or weak" in refused.stderr
    # With a real key it starts
    started = gunicorn(production_environment(SECRET_KEY=secrets.token_urlsafe(50)))
    assert started.returncode == 0, started.stderr
    # And a node on plain HTTP on the loopback (`make serve`) may keep the development key
    local = gunicorn(production_environment(SECRET_KEY="", PHANANH_HTTPS="false"))
    assert local.returncode == 0, local.stderr


def test_https_is_on_by_default_when_debug_is_off():
    shown = settings_of(production_environment(SECRET_KEY=secrets.token_urlsafe(50)))

    assert shown["PHANANH_HTTPS"] is True
    assert shown["SECURE_SSL_REDIRECT"] is True
    assert shown["SESSION_COOKIE_SECURE"] is True and shown["CSRF_COOKIE_SECURE"] is True
    assert shown["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert shown["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and shown["SECURE_HSTS_PRELOAD"] is True
    # nginx on the same machine is trusted to say that the request came over HTTPS
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    # The health check is answered in plain HTTP, to the load balancer asking the node's port
    assert shown["SECURE_REDIRECT_EXEMPT"] == ["^healthz$"]


@pytest.mark.parametrize("switch", [{"PHANANH_HTTPS": "false"}, {"DEBUG": "true"}])
def test_plain_http_on_the_loopback_is_an_explicit_choice(switch):
    shown = settings_of(production_environment(**switch))

    assert shown["PHANANH_HTTPS"] is False
    assert shown["SECURE_SSL_REDIRECT"] is False
    assert shown["SESSION_COOKIE_SECURE"] is False and shown["CSRF_COOKIE_SECURE"] is False
    assert shown["SECURE_HSTS_SECONDS"] == 0


def test_each_part_can_be_changed_on_its_own():
    changed = {"SECURE_HSTS_PRELOAD": "false", "SECURE_HSTS_SECONDS": "600", "SECURE_SSL_REDIRECT": "false"}
    shown = settings_of(production_environment(**changed))

    assert (shown["SECURE_HSTS_PRELOAD"], shown["SECURE_HSTS_SECONDS"]) == (False, 600)
    assert shown["SECURE_SSL_REDIRECT"] is False
    assert shown["SESSION_COOKIE_SECURE"] is True


NGINX = "10.0.0.9"
PRODUCTION = {
    "PHANANH_TRUSTED_PROXIES": [NGINX],
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 3600,
}


@override_settings(**PRODUCTION)
@pytest.mark.django_db
def test_only_a_trusted_proxy_is_believed_about_https():
    # A request through nginx, which ended TLS, is answered
    through_nginx = Client(REMOTE_ADDR=NGINX).get("/phan-anh/", headers={"X-Forwarded-Proto": "https"})
    assert through_nginx.status_code == 200
    assert through_nginx["Strict-Transport-Security"] == "max-age=3600; includeSubDomains; preload"

    # A client that reached the node's port itself and claims HTTPS is sent to HTTPS
    direct = Client(REMOTE_ADDR="203.0.113.5").get("/phan-anh/", headers={"X-Forwarded-Proto": "https"})
    assert direct.status_code == 301
    assert direct["Location"] == "https://testserver/phan-anh/"
    assert "Strict-Transport-Security" not in direct

    # And the health check answers in plain HTTP, to anyone
    assert Client(REMOTE_ADDR="203.0.113.5").get("/healthz").status_code == 200
