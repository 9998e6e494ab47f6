"""Bearer tokens for the staff API, as a staff app sees them: sign in, call, sign out.

The people: Lan operates the IOC and signs in from her phone and her laptop, with her password
and a code of her authenticator app (the IOC must); Hùng, a focal point of Sở Xây dựng, has left
and his account was deactivated; a guesser tries passwords.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from phananh.org.models import ApiToken, Role, User
from phananh.reports.models import Category
from tests.staff import enrol, recovery_code

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/auth/me"
PASSWORD = "ổ-gà-2026"


@pytest.fixture(autouse=True)
def _no_failures_counted():
    # Failed sign-ins are counted in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lan(ioc):
    user = User.objects.create_user(
        username="lan",
        password=PASSWORD,
        full_name="Nguyễn Thị Lan",
        short_name="Lan",
        role=Role.OPERATOR,
        unit=ioc,
    )
    user.fields.add(Category.objects.get(code="ha-tang-do-thi"))
    enrol(user)
    return user


def sign_in(client, username="lan", password=PASSWORD, **extra):
    """POST the token endpoint; an account that has an app gives a fresh recovery code as `otp`."""
    body = {"username": username, "password": password, **extra}
    # (a username PostgreSQL cannot compare, NUL included, is nobody's: the endpoint refuses it)
    account = None if "\x00" in username else User.objects.filter(username__iexact=username).first()
    if account is not None and "otp" not in extra and account.role in (Role.OPERATOR, Role.CALL_AGENT):
        body["otp"] = recovery_code(account)
    return client.post(TOKEN_URL, body, content_type="application/json")


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_a_staff_member_signs_in_and_the_token_says_who_she_is(client, lan, ioc):
    # When Lan signs in from her phone
    response = sign_in(client, name="Điện thoại của Lan")

    # Then she gets a bearer token
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert len(body["token"]) >= 43

    # And the token tells the API who she is, her unit and her fields
    me = bearer(body["token"]).get(ME_URL)
    assert me.status_code == 200
    assert me.json() == {
        "id": lan.pk,
        "username": "lan",
        # Family name first, as Vietnamese officials write it
        "name": "Nguyễn Thị Lan",
        "role": "operator",
        "role_label": me.json()["role_label"],
        "unit": {"id": ioc.pk, "name": ioc.name},
        "fields": [{"code": "ha-tang-do-thi", "name": "Hạ tầng đô thị"}],
    }
    assert me.json()["role_label"]


def test_only_a_hash_of_the_token_is_kept(client, lan):
    token = sign_in(client, name="Laptop").json()["token"]

    stored = ApiToken.objects.get()
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {stored.key_hash, stored.name}
    assert (stored.user, stored.name, stored.revoked_at) == (lan, "Laptop", None)


def test_two_sign_ins_give_two_different_tokens(client, lan):
    first = sign_in(client).json()["token"]
    second = sign_in(client).json()["token"]

    assert first != second
    assert bearer(first).get(ME_URL).status_code == 200
    assert bearer(second).get(ME_URL).status_code == 200


def test_using_a_token_records_when_it_was_last_used(client, lan):
    token = sign_in(client).json()["token"]
    assert ApiToken.objects.get().last_used_at is None

    bearer(token).get(ME_URL)

    used = ApiToken.objects.get().last_used_at
    assert used is not None and timezone.now() - used < timedelta(seconds=10)


def test_a_token_used_again_within_a_minute_is_not_rewritten(client, lan):
    token = sign_in(client).json()["token"]
    earlier = timezone.now() - timedelta(seconds=20)
    ApiToken.objects.update(last_used_at=earlier)

    bearer(token).get(ME_URL)

    assert ApiToken.objects.get().last_used_at == earlier


def test_signing_out_revokes_only_the_token_of_the_call(client, lan):
    # Given Lan signed in on her phone and on her laptop
    phone = sign_in(client, name="phone").json()["token"]
    laptop = sign_in(client, name="laptop").json()["token"]

    # When she signs out on the phone
    response = bearer(phone).delete(TOKEN_URL)

    # Then the phone's token is refused from now on, with the row kept for the record
    assert response.status_code == 204
    refused = bearer(phone).get(ME_URL)
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthorised"
    assert ApiToken.objects.get(name="phone").revoked_at is not None
    # And the laptop's token still works
    assert bearer(laptop).get(ME_URL).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic bGFuOnNlY3JldA=="},
    ],
    ids=["no header", "unknown token", "empty token", "basic auth"],
)
def test_calls_without_a_valid_token_are_refused(lan, headers):
    response = Client(headers=headers).get(ME_URL)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorised"


def test_signing_out_needs_a_token(client):
    response = client.delete(TOKEN_URL)

    assert response.status_code == 401


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client, lan):
    wrong_password = sign_in(client, password="sai-mat-khau")
    unknown_user = sign_in(client, username="khong-co-ai")

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json()
    assert wrong_password.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_a_username_with_a_nul_character_is_invalid_input_not_a_server_error(client, lan):
    # PostgreSQL cannot compare a text holding NUL: the lookup was a 500 there
    response = sign_in(client, username="lan\x00")

    assert response.status_code == 422
    assert "username" in response.json()["fields"]
    assert not ApiToken.objects.exists()


def test_a_deactivated_account_cannot_sign_in_and_its_tokens_stop_working(client, lan):
    # Given Lan has a token
    token = sign_in(client).json()["token"]

    # When her account is deactivated
    User.objects.filter(pk=lan.pk).update(is_active=False)

    # Then the token is refused and signing in again answers like a wrong password
    assert bearer(token).get(ME_URL).status_code == 401
    response = sign_in(client)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_an_account_without_role_or_unit_cannot_sign_in(client, ioc):
    User.objects.create_user(username="khach", password=PASSWORD, role="", unit=ioc)
    User.objects.create_user(username="lac", password=PASSWORD, role=Role.OPERATOR, unit=None)

    for username in ("khach", "lac"):
        response = sign_in(client, username=username)
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"


def test_a_sign_in_without_password_is_invalid_input(client, lan):
    response = client.post(TOKEN_URL, {"username": "lan"}, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert "password" in response.json()["fields"]


def test_ten_failures_lock_the_account_from_every_address(client, lan):
    # Given someone guessed Lan's password wrongly ten times
    for _ in range(10):
        assert sign_in(client, password="doan-mo").status_code == 401

    # Then even the right password is refused for now
    response = sign_in(client)
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"
    assert not ApiToken.objects.exists()

    # From another address too: the count is the account's
    elsewhere = Client(REMOTE_ADDR="203.0.113.7")
    assert sign_in(elsewhere).status_code == 429


def test_the_lock_is_per_username(client, lan, ioc):
    enrol(User.objects.create_user(username="minh", password=PASSWORD, role=Role.CALL_AGENT, unit=ioc))
    for _ in range(10):
        sign_in(client, password="doan-mo")

    assert sign_in(client, username="minh").status_code == 201
    # Changing the case of the username does not start a new count
    assert sign_in(client, username="LAN", password="doan-mo").status_code == 429


def test_a_successful_sign_in_clears_the_count(client, lan):
    for _ in range(9):
        sign_in(client, password="doan-mo")
    assert sign_in(client).status_code == 201

    for _ in range(9):
        assert sign_in(client, password="doan-mo").status_code == 401
    assert sign_in(client).status_code == 201


def test_the_lock_ends_with_the_window(client, lan, monkeypatch):
    for _ in range(10):
        sign_in(client, password="doan-mo")
    assert sign_in(client).status_code == 429

    # Fifteen minutes later the count has expired (locmem reads the clock through `time`)
    import django.core.cache.backends.locmem as locmem

    later = locmem.time.time() + 15 * 60 + 1
    monkeypatch.setattr(locmem.time, "time", lambda: later)

    assert sign_in(client).status_code == 201


def test_signing_in_records_the_last_login(client, lan):
    assert lan.last_login is None

    sign_in(client)

    lan.refresh_from_db()
    assert lan.last_login is not None
