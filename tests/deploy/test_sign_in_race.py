"""Parallel password guesses against a real server do not race past the sign-in limits.

A real gunicorn (two workers of eight threads: sixteen requests at once) with its cache in
Redis, as on a production node; its password hasher counts every password it checks. Sixty
wrong guesses sent at once, from sixty addresses at one account, or at sixty accounts from one
address: the server checks no more passwords than the limit, and refuses the others with 429.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from phananh.org.models import Role, User
from tests.deploy.servers import free_port, start_gunicorn, stop

# The server reads the test's rows, so they are committed; the rollback brings the default fields
# and rejection reasons back after the flush, as every other test that commits does.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REDIS_TEST_URL = os.getenv("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
GUESSES = 60


@pytest.fixture
def server(tmp_path):
    """gunicorn on a free port with Redis as its cache; the file where it counts password checks."""
    try:
        redis.Redis.from_url(REDIS_TEST_URL).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is needed at {REDIS_TEST_URL} ({error})", pytrace=False)
    port, checks = free_port(), tmp_path / "password-checks"
    process = start_gunicorn(
        port,
        tmp_path / "access.log",
        DJANGO_SETTINGS_MODULE="tests.deploy.sign_in_race_settings",
        REDIS_URL=REDIS_TEST_URL,
        PHANANH_TEST_CACHE_PREFIX=f"race-{uuid.uuid4().hex[:8]}",
        PHANANH_TEST_PASSWORD_CHECKS=str(checks),
        PHANANH_WEB_THREADS="8",
        # The test's requests come from 127.0.0.1, standing for the province's nginx.
        PHANANH_TRUSTED_PROXIES="127.0.0.1",
    )
    yield f"http://127.0.0.1:{port}", checks
    stop(process)


def guess(base: str, username: str, address: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        data=json.dumps({"username": username, "password": "doan-mo"}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": address},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 (loopback)
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def all_at_once(base: str, attempts: list[tuple[str, str]]) -> list[int]:
    with ThreadPoolExecutor(max_workers=30) as pool:
        return list(pool.map(lambda attempt: guess(base, *attempt), attempts))


def checked(checks) -> int:
    return len(checks.read_bytes()) if checks.exists() else 0


def test_parallel_guesses_from_many_addresses_check_at_most_ten_passwords_of_one_account(server, ioc):
    base, checks = server
    User.objects.create_user(username="hung", password="Mat-khau-dung-2026", role=Role.FOCAL_POINT, unit=ioc)

    # When sixty guesses at Hùng's password arrive at once, each from its own address
    statuses = all_at_once(base, [("hung", f"198.51.100.{i}") for i in range(GUESSES)])

    # Then the server checked ten passwords at most, and refused every other guess unchecked
    assert 1 <= checked(checks) <= 10
    assert statuses.count(401) == checked(checks)
    assert statuses.count(429) == GUESSES - checked(checks)


def test_parallel_guesses_from_one_address_check_at_most_thirty_passwords(server, ioc):
    base, checks = server
    for i in range(GUESSES):
        User.objects.create_user(
            username=f"cb{i}", password="Mat-khau-dung-2026", role=Role.HANDLER, unit=ioc
        )

    # When sixty guesses at sixty accounts arrive at once from one address
    statuses = all_at_once(base, [(f"cb{i}", "198.51.100.77") for i in range(GUESSES)])

    # Then the server checked thirty passwords at most from that address
    assert 1 <= checked(checks) <= 30
    assert statuses.count(401) == checked(checks)
    assert statuses.count(429) == GUESSES - checked(checks)
