"""Staff sessions end: after a working day, after half an hour without use, and at once when the
account can no longer sign in; the API's tokens stop with the account.

The people: Hùng, a focal point of Sở Xây dựng, signed in on his office computer and in the
staff app; Lan of the IOC signs in with her second factor. The clock moves forward by the
minutes each test names.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.test import Client

from phananh.org.models import Role, UnitKind, User
from phananh.org.services import unit_create
from tests.staff import LOGIN, enrol, signed_in, token_body

pytestmark = pytest.mark.django_db

HOME = "/can-bo/"
POLL = "/can-bo/dem.html"
BACKGROUND = {"X-PhanAnh-Background": "1"}


class Clock:
    """time.time() moved forward by whole minutes (the sessions, the cache and django-otp read it)."""

    def __init__(self, monkeypatch):
        self.offset = 0.0
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + self.offset)

    def advance(self, minutes: float) -> None:
        self.offset += minutes * 60


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def hung(ioc):
    so_xd = unit_create(code="so-xd", name="Sở Xây dựng", kind=UnitKind.DEPARTMENT, parent=ioc)
    return User.objects.create_user(username="hung", password="x", role=Role.FOCAL_POINT, unit=so_xd)


def signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_session_ends_after_thirty_minutes_without_use(hung, clock):
    office = signed_in(Client(), hung)
    assert office.get(HOME).status_code == 200

    # 29 minutes later he is still in, and using the page keeps him in
    clock.advance(29)
    assert office.get(HOME).status_code == 200
    clock.advance(29)
    assert office.get(HOME).status_code == 200

    # 31 minutes without a request end the session, and the login page says why
    clock.advance(31)
    answer = office.get(HOME, follow=True)
    assert answer.redirect_chain[0][0].startswith(LOGIN)
    assert "Phiên làm việc đã kết thúc sau 30 phút không thao tác." in answer.content.decode()
    clock.advance(1)
    assert signed_out(office.get(HOME))


def test_the_consoles_own_polling_does_not_keep_a_session_open(hung, clock):
    office = signed_in(Client(), hung)
    office.get(HOME)

    # The open console asks for its tab counts every few seconds, by itself
    for _ in range(6):
        clock.advance(4.9)
        assert office.get(POLL, headers={"HX-Request": "true", **BACKGROUND}).status_code == 200

    # After half an hour of that alone, the next poll finds the session over: the page goes
    # to the login (htmx follows HX-Redirect)
    clock.advance(1)
    poll = office.get(POLL, headers={"HX-Request": "true", **BACKGROUND})
    assert poll.status_code == 204 and poll["HX-Redirect"].startswith(LOGIN)


def test_a_session_ends_after_a_working_day_however_busy(hung, clock):
    office = signed_in(Client(), hung)
    office.get(HOME)

    for _ in range(20):  # almost ten hours of work, a request every half hour
        clock.advance(29.9)
        assert office.get(HOME).status_code == 200, clock.offset

    clock.advance(29.9)  # past ten hours since he signed in
    answer = office.get(HOME, follow=True)
    assert "Phiên làm việc đã kết thúc sau một ngày làm việc." in answer.content.decode()
    assert signed_out(office.get(HOME))


@pytest.mark.parametrize(
    "change",
    [{"is_active": False}, {"role": ""}, {"unit": None}],
    ids=["deactivated", "role removed", "unit removed"],
)
def test_an_open_session_and_the_apps_token_end_when_the_account_can_no_longer_sign_in(hung, change):
    # Given Hùng signed in on his office computer and in the staff app
    office = signed_in(Client(), hung)
    assert office.get(HOME).status_code == 200
    answer = Client().post("/api/v1/auth/token", token_body(hung), content_type="application/json")
    staff_app = Client(headers={"Authorization": f"Bearer {answer.json()['token']}"})
    assert staff_app.get("/api/v1/auth/me").status_code == 200

    # When an administrator deactivates his account, or takes away its role or unit
    User.objects.filter(pk=hung.pk).update(**change)

    # Then his next request on the pages finds him signed out, and the token is refused
    assert signed_out(office.get(HOME))
    assert signed_out(office.get(HOME))
    refused = staff_app.get("/api/v1/auth/me")
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorised"


def test_a_session_given_an_ioc_role_must_pass_the_second_factor(hung):
    # Given Hùng signed in with his password alone
    office = signed_in(Client(), hung)
    assert office.get(HOME).status_code == 200

    # When he moves to the IOC as an operator
    User.objects.filter(pk=hung.pk).update(role=Role.OPERATOR)

    # Then his session ends, and signing in again leads him to set up an app
    answer = office.get(HOME, follow=True)
    assert "Hãy đăng nhập lại với mã xác thực." in answer.content.decode()
    again = office.post(LOGIN, {"username": "hung", "password": "x"})
    assert again["Location"] == "/can-bo/dang-nhap/cai-dat-xac-thuc/"


def test_a_verified_ioc_session_goes_on(ioc):
    lan = User.objects.create_user(username="lan", password="x", role=Role.OPERATOR, unit=ioc)
    enrol(lan)
    assert signed_in(Client(), lan).get(HOME).status_code == 200


SHOW = """
import json
from django.conf import settings
print(json.dumps([settings.SESSION_COOKIE_AGE, settings.PHANANH_SESSION_IDLE_MINUTES,
    settings.PHANANH_REQUIRE_2FA_ROLES, settings.PHANANH_SIGNIN_MAX_FAILURES_PER_ACCOUNT,
    settings.PHANANH_SIGNIN_MAX_FAILURES_PER_ADDRESS, settings.PHANANH_SIGNIN_WINDOW_MINUTES]))
"""
NAMES = (
    "SESSION_COOKIE_AGE",
    "PHANANH_SESSION_IDLE_MINUTES",
    "PHANANH_REQUIRE_2FA_ROLES",
    "PHANANH_SIGNIN_MAX_FAILURES_PER_ACCOUNT",
    "PHANANH_SIGNIN_MAX_FAILURES_PER_ADDRESS",
    "PHANANH_SIGNIN_WINDOW_MINUTES",
)


def settings_with(**env) -> list:
    base = {k: v for k, v in os.environ.items() if k not in NAMES}
    shown = subprocess.run(
        [sys.executable, "-c", SHOW],
        env={
            **base,
            "PYTHONPATH": str(settings.BASE_DIR / "src"),
            "DJANGO_SETTINGS_MODULE": "phananh.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_the_limits_come_from_the_environment_with_safe_defaults():
    # By default: a working day, half an hour idle, the IOC and administrators with a second factor
    assert settings_with() == [36000, 30, ["operator", "call_agent", "admin"], 10, 30, 15]

    assert settings_with(
        SESSION_COOKIE_AGE="28800",
        PHANANH_SESSION_IDLE_MINUTES="60",
        PHANANH_REQUIRE_2FA_ROLES="operator,call_agent,admin,leader",
        PHANANH_SIGNIN_MAX_FAILURES_PER_ACCOUNT="5",
        PHANANH_SIGNIN_MAX_FAILURES_PER_ADDRESS="50",
        PHANANH_SIGNIN_WINDOW_MINUTES="30",
    ) == [28800, 60, ["operator", "call_agent", "admin", "leader"], 5, 50, 30]
