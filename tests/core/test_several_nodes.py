"""What must hold when the app runs on several nodes behind nginx.

- The client's address for the rate limits comes from X-Forwarded-For only when the request
  arrives from a trusted proxy; a client talking to the app directly cannot forge it.
- The failed sign-ins and the follow requests' limits live in Redis when REDIS_URL is set, so a
  count made on one node holds on the next: a second process (another node) refuses Lan's
  sign-in after ten failures counted here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from django.core.cache import cache, caches
from django.test import Client, RequestFactory

from phananh.core.net import client_address
from phananh.org.models import Role, User
from phananh.org.throttle import failures
from tests.workflow import conftest as workflow

pytestmark = pytest.mark.django_db

submit = workflow.submit
REDIS_TEST_URL = os.getenv("REDIS_CACHE_TEST_URL", "redis://127.0.0.1:6379/5")
NGINX = "127.0.0.1"
HOA = "hoa.tran@example.vn"


def request_from(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        # No proxy trusted (`make run`): the header is the client's word and is ignored
        ([], "203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # nginx on the same machine appends the address it saw
        (["127.0.0.1"], NGINX, "203.0.113.7", "203.0.113.7"),
        # A client that writes its own header gets it kept on the left: the right one counts
        (["127.0.0.1"], NGINX, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        # A load balancer, then nginx: both trusted, skipped from the right
        (["127.0.0.1", "10.0.0.0/24"], NGINX, "203.0.113.7, 10.0.0.5", "203.0.113.7"),
        # A direct request that is not from the proxy: its header is not believed
        (["127.0.0.1"], "203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # The proxy's own health check: no client behind it
        (["127.0.0.1"], NGINX, None, NGINX),
        # Garbage in the header is an untrusted address like any other
        (["127.0.0.1"], NGINX, "not-an-address", "not-an-address"),
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_clients_address_is_believed_only_from_a_trusted_proxy(
    settings, trusted, remote, forwarded, expected
):
    settings.PHANANH_TRUSTED_PROXIES = trusted
    assert client_address(request_from(remote, forwarded)) == expected


@pytest.fixture
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def ask_through_nginx(report, email, client_ip):
    return Client().post(
        f"/theo-doi/{report.tracking_code}/",
        {"email": email},
        REMOTE_ADDR=NGINX,
        HTTP_X_FORWARDED_FOR=client_ip,
    )


def test_behind_nginx_the_follow_limit_counts_each_client_apart(
    settings, submit, django_capture_on_commit_callbacks, _fresh_cache
):
    # Given the app behind nginx, which every request now comes from
    settings.PHANANH_TRUSTED_PROXIES = [NGINX]
    report = submit()

    # When one client asks four times for news of the report to the same address
    with django_capture_on_commit_callbacks(execute=True):
        answers = [ask_through_nginx(report, HOA, "203.0.113.7").status_code for _ in range(4)]
        # And someone else, behind the same nginx, asks for their own address
        other = ask_through_nginx(report, "khanh@example.vn", "198.51.100.9").status_code

    # Then the first client is stopped at its limit, and the other is not counted with it
    assert answers == [200, 200, 200, 429]
    assert other == 200


def test_a_client_cannot_escape_the_follow_limit_by_forging_its_address(
    settings, submit, django_capture_on_commit_callbacks, _fresh_cache
):
    # Given the app behind nginx, and a client that reaches the app directly
    settings.PHANANH_TRUSTED_PROXIES = [NGINX]
    report = submit()

    # When it sends a new X-Forwarded-For each time
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            Client()
            .post(
                f"/theo-doi/{report.tracking_code}/",
                {"email": HOA},
                REMOTE_ADDR="203.0.113.7",
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
            )
            .status_code
            for n in range(4)
        ]

    # Then it is still one client, stopped at the limit
    assert answers == [200, 200, 200, 429]


@pytest.fixture
def redis_cache(settings):
    """Django's cache in the real Redis, as settings.py makes it from REDIS_URL."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": f"phananh-test-{uuid.uuid4().hex[:8]}",
        }
    }
    yield settings.CACHES["default"]
    caches["default"].clear()


def test_failed_sign_ins_counted_on_one_node_lock_the_account_on_another(settings, redis_cache, ioc):
    # Given Lan, and the app behind nginx with its cache in Redis
    settings.PHANANH_TRUSTED_PROXIES = [NGINX]
    User.objects.create_user(username="lan", password="Dung-mat-khau-1", role=Role.OPERATOR, unit=ioc)
    assert type(caches["default"]).__name__ == "RedisCache"

    # When someone guesses her password wrongly ten times on this node
    for _ in range(10):
        failed = Client().post(
            "/api/v1/auth/token",
            {"username": "lan", "password": "doan-mo"},
            content_type="application/json",
            REMOTE_ADDR=NGINX,
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
        assert failed.status_code == 401

    # Then another node (another process, same Redis) refuses the next attempt, before any
    # password is checked
    node = subprocess.run(
        [sys.executable, "-c", ANOTHER_NODE, redis_cache["KEY_PREFIX"]],
        env={
            **os.environ,
            "PYTHONPATH": str(settings.BASE_DIR / "src"),
            "DJANGO_SETTINGS_MODULE": "phananh.settings",
            "REDIS_URL": REDIS_TEST_URL,
            "PHANANH_TRUSTED_PROXIES": NGINX,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert node.returncode == 0, node.stderr
    assert node.stdout.split() == ["RedisCache", "too_many_attempts"]

    # And the count is kept per client, not for nginx's address that everyone shares
    assert failures(username="lan") == 10
    assert failures(address="203.0.113.7") == 10
    assert failures(address=NGINX) == 0


# Run in a fresh interpreter with REDIS_URL set: settings.py alone decides the cache there.
ANOTHER_NODE = """
import sys
import django
from django.conf import settings
django.setup()
settings.CACHES["default"]["KEY_PREFIX"] = sys.argv[1]
from django.core.cache import caches
from django.test import RequestFactory
from phananh.org.auth import token_issue
from phananh.org.throttle import TooManyAttempts
print(type(caches["default"]).__name__)
request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
try:
    token_issue(request=request, username="lan", password="Dung-mat-khau-1")
except TooManyAttempts as exc:
    print(exc.code)
"""
