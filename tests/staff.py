"""Signing staff in, as the tests need it: with the second factor the IOC and administrators must give.

- `enrol(user)`: the account has an authenticator app with a known key (`TEST_KEY`).
- `totp_code(device)`: the code that app shows now.
- `recovery_code(user)`: a fresh recovery code of the account, good once: what a test gives as
  the second factor when it signs the same person in several times within one 30-second step
  (an app's code is accepted once).
- `signed_in(client, user)`: the session of a person who passed both steps (`force_login` and
  the second factor when the account needs one).
- `token_body(user)`: the body of POST /api/v1/auth/token for that person.
- `sign_in_on_page(client, username)`: the staff login page's two steps, as a person posts them.
- `second_step_in_browser(page, username)`: the second step in a browser, with the app's code.
"""

from __future__ import annotations

import re
import time

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from phananh.org.second_factor import authenticator, needs_second_factor

TEST_KEY = bytes(range(1, 21))
LOGIN = "/can-bo/dang-nhap/"
SECOND_STEP = "/can-bo/dang-nhap/ma-xac-thuc/"


def _user(user_or_name):
    if isinstance(user_or_name, str):
        return get_user_model().objects.get(username=user_or_name)
    return user_or_name


def enrol(user, key: bytes = TEST_KEY) -> TOTPDevice:
    """The account's confirmed authenticator app (made with `key` if it had none)."""
    device = authenticator(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test app", key=key.hex(), confirmed=True)
    return device


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def unused_totp_code(user) -> str:
    """The app's code now, waiting for the next 30-second step if this one's was already used."""
    device = enrol(_user(user))
    device.refresh_from_db()
    while int(time.time()) // device.step + device.drift <= device.last_t:
        time.sleep(0.5)
    return totp_code(device)


def recovery_code(user) -> str:
    """A new recovery code of the account (its app enrolled if it had none)."""
    user = _user(user)
    enrol(user)
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "recovery codes", "confirmed": True}
    )
    return device.token_set.create(token=StaticToken.random_token()).token


def signed_in(client: Client | None, user) -> Client:
    """`client` (a new one if None) with the session of `user` after both steps of the sign-in."""
    client = client or Client()
    client.force_login(user)
    if needs_second_factor(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = enrol(user).persistent_id
        session.save()
    return client


def token_body(user, password: str = "x", **extra) -> dict:
    """What a staff app posts to /api/v1/auth/token for `user`, a code included when one is needed."""
    user = _user(user)
    body = {"username": user.username, "password": password, **extra}
    if needs_second_factor(user) and "otp" not in extra:
        body["otp"] = recovery_code(user)
    return body


def sign_in_on_page(client: Client, username: str, password: str = "x", next_url: str | None = None):
    """Post the login page, then the second step if the page asks for it; the last answer."""
    data = {"username": username, "password": password}
    if next_url is not None:
        data["next"] = next_url
    response = client.post(LOGIN, data)
    if response.status_code == 302 and response["Location"] == SECOND_STEP:
        response = client.post(SECOND_STEP, {"code": recovery_code(username)})
    return response


def second_step_in_browser(page, username: str) -> None:
    """After the password in a browser: type the app's code when the account is asked for one."""
    from playwright.sync_api import expect

    if not needs_second_factor(_user(username)):
        return
    expect(page).to_have_url(re.compile(r"/can-bo/dang-nhap/ma-xac-thuc/$"))
    page.locator("#id_code").fill(unused_totp_code(username))
    page.locator("#verify").click()
