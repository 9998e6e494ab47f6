"""Password guessing, refused at every door: the staff login page, the admin site, the API's
token endpoint and the second step; per account from any address, per address for any account.

The people: Lan operates the IOC (password and authenticator app); Hùng is a focal point of Sở
Xây dựng (password only); a guesser tries passwords from one address, or from many (behind the
province's nginx, whose X-Forwarded-For the app believes); Tân is an administrator who unlocks.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from phananh.org.models import ApiToken, Role, User
from tests.staff import LOGIN, SECOND_STEP, enrol, recovery_code, signed_in, totp_code

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
PASSWORD = "Mat-khau-dung-2026"
NGINX = "10.0.0.2"
LOCKED_VI = "Đăng nhập sai quá nhiều lần. Hãy thử lại sau 15 phút."


@pytest.fixture(autouse=True)
def _no_failures_counted():
    # Failed sign-ins are counted in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lan(ioc):
    user = User.objects.create_user(username="lan", password=PASSWORD, role=Role.OPERATOR, unit=ioc)
    enrol(user)
    return user


@pytest.fixture
def hung(ioc):
    return User.objects.create_user(username="hung", password=PASSWORD, role=Role.FOCAL_POINT, unit=ioc)


@pytest.fixture
def behind_nginx(settings):
    settings.PHANANH_TRUSTED_PROXIES = [NGINX]


def from_address(address: str) -> Client:
    """A client the app sees at `address`, through the province's nginx."""
    return Client(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=address)


def page_sign_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def token_sign_in(client: Client, username: str, password: str, **extra):
    body = {"username": username, "password": password, **extra}
    return client.post(TOKEN_URL, body, content_type="application/json")


def is_signed_in(client: Client) -> bool:
    return client.get("/can-bo/").status_code == 200


# --- each door -----------------------------------------------------------------------------


def test_the_login_page_locks_the_account_after_ten_wrong_passwords(hung):
    guesser = Client()
    for _ in range(10):
        page = page_sign_in(guesser, "hung", "doan-mo")
        assert 'id="login-error"' in page.content.decode()

    # The eleventh try, even with the right password, is refused with a clear message
    page = page_sign_in(guesser, "hung", PASSWORD)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="login-locked"' in text and LOCKED_VI in text
    assert not is_signed_in(guesser)

    # Hùng himself, from his own office, is refused as well until the window ends
    assert (
        'id="login-locked"'
        in page_sign_in(Client(REMOTE_ADDR="203.0.113.9"), "hung", PASSWORD).content.decode()
    )


def test_the_admin_site_has_no_login_of_its_own(lan):
    # The admin's login sends people to the staff login page, which counts and asks for the code
    answer = Client().get("/quan-tri/login/?next=/quan-tri/org/user/")
    assert answer.status_code == 302
    assert answer["Location"] == f"{LOGIN}?next=/quan-tri/org/user/"

    # A password posted to it checks nothing and signs nobody in
    guesser = Client()
    for _ in range(15):
        posted = guesser.post("/quan-tri/login/", {"username": "lan", "password": "doan-mo"})
        assert posted.status_code == 302 and posted["Location"].startswith(LOGIN)
    assert guesser.get("/quan-tri/").status_code == 302
    assert token_sign_in(Client(), "lan", PASSWORD, otp=recovery_code(lan)).status_code == 201


def test_the_token_endpoint_locks_the_account_after_ten_wrong_passwords(lan):
    guesser = Client()
    for _ in range(10):
        assert token_sign_in(guesser, "lan", "doan-mo").json()["code"] == "invalid_credentials"

    refused = token_sign_in(guesser, "lan", PASSWORD, otp=recovery_code(lan))

    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_attempts"
    assert refused.json()["message"] == LOCKED_VI
    assert not ApiToken.objects.exists()


def test_codes_count_like_passwords_and_the_right_password_does_not_reset_them(lan):
    # Given someone who knows Lan's password and guesses her code on the page
    guesser = Client()
    for _ in range(10):
        assert page_sign_in(guesser, "lan", PASSWORD)["Location"] == SECOND_STEP
        guessed = guesser.post(SECOND_STEP, {"code": "000000"})
        assert 'id="code-error"' in guessed.content.decode()

    # Then the eleventh code is refused unchecked, the right one too
    locked = guesser.post(SECOND_STEP, {"code": totp_code(enrol(lan))})
    assert LOCKED_VI in locked.content.decode()
    assert not is_signed_in(guesser)
    # And so is the password, on the page and the API, even with a right code
    assert 'id="login-locked"' in page_sign_in(Client(), "lan", PASSWORD).content.decode()
    assert token_sign_in(Client(), "lan", PASSWORD, otp=recovery_code(lan)).status_code == 429


def test_codes_given_to_the_api_count_too(lan):
    for _ in range(10):
        assert token_sign_in(Client(), "lan", PASSWORD, otp="123456").json()["code"] == "otp_invalid"

    assert token_sign_in(Client(), "lan", PASSWORD, otp=recovery_code(lan)).status_code == 429


# --- per account, per address ------------------------------------------------------------


def test_ten_failures_from_ten_addresses_lock_the_account(behind_nginx, hung):
    # Given a guesser who changes address at every try
    for i in range(10):
        assert token_sign_in(from_address(f"198.51.100.{i}"), "hung", "doan-mo").status_code == 401

    # Then a new address gets no further, on the API or the page
    assert token_sign_in(from_address("198.51.100.99"), "hung", PASSWORD).status_code == 429
    assert (
        'id="login-locked"' in page_sign_in(from_address("198.51.100.98"), "hung", PASSWORD).content.decode()
    )


def test_thirty_failures_from_one_address_lock_that_address_for_every_account(behind_nginx, hung, lan):
    # Given a guesser trying thirty usernames once each from one address
    guesser = "198.51.100.7"
    for i in range(30):
        assert token_sign_in(from_address(guesser), f"can-bo-{i}", "doan-mo").status_code == 401

    # Then that address may not try any account any more, not even with a right password
    assert token_sign_in(from_address(guesser), "hung", PASSWORD).status_code == 429
    assert 'id="login-locked"' in page_sign_in(from_address(guesser), "hung", PASSWORD).content.decode()
    # While the accounts themselves are not locked: Hùng signs in from his office
    office = from_address("203.0.113.20")
    assert page_sign_in(office, "hung", PASSWORD)["Location"] == "/can-bo/"
    assert is_signed_in(office)


def test_a_forged_forwarded_address_is_not_believed(hung):
    # Without a trusted proxy, X-Forwarded-For is the client's own writing: each try below
    # comes from the same REMOTE_ADDR whatever the header says
    for i in range(30):
        forged = Client(REMOTE_ADDR="198.51.100.50", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
        assert token_sign_in(forged, f"ai-do-{i}", "doan-mo").status_code == 401

    forged = Client(REMOTE_ADDR="198.51.100.50", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert token_sign_in(forged, "hung", PASSWORD).status_code == 429


def test_right_passwords_do_not_use_up_the_address(hung, ioc):
    # Thirty colleagues behind the same office address sign in; none is refused
    office = Client(REMOTE_ADDR="203.0.113.30")
    for i in range(35):
        User.objects.create_user(username=f"cb{i}", password=PASSWORD, role=Role.HANDLER, unit=ioc)
        assert token_sign_in(office, f"cb{i}", PASSWORD).status_code == 201


def test_a_complete_sign_in_forgets_the_accounts_failures(hung):
    for _ in range(9):
        page_sign_in(Client(), "hung", "doan-mo")
    assert page_sign_in(Client(), "hung", PASSWORD).status_code == 302

    for _ in range(9):
        assert 'id="login-error"' in page_sign_in(Client(), "hung", "doan-mo").content.decode()
    assert page_sign_in(Client(), "hung", PASSWORD).status_code == 302


# --- unlocking -----------------------------------------------------------------------------


def test_an_administrator_unlocks_an_account_in_the_admin(lan, hung, ioc):
    for _ in range(10):
        page_sign_in(Client(), "hung", "doan-mo")
    assert token_sign_in(Client(), "hung", PASSWORD).status_code == 429

    tan = User.objects.create_superuser(username="tan", password=PASSWORD, role=Role.ADMIN, unit=ioc)
    admin = signed_in(Client(), tan)
    answer = admin.post(
        "/quan-tri/org/user/", {"action": "unlock_sign_in", "_selected_action": [hung.pk]}, follow=True
    )
    assert "1 tài khoản có thể đăng nhập lại ngay." in answer.content.decode()

    assert token_sign_in(Client(), "hung", PASSWORD).status_code == 201


def test_the_operations_team_unlocks_an_account_or_an_address_from_the_command_line(behind_nginx, hung):
    for i in range(30):
        token_sign_in(from_address("198.51.100.7"), "hung" if i < 10 else f"x{i}", "doan-mo")
    assert token_sign_in(from_address("203.0.113.1"), "hung", PASSWORD).status_code == 429

    call_command("unlock_sign_in", username="HUNG")
    assert token_sign_in(from_address("203.0.113.1"), "hung", PASSWORD).status_code == 201
    assert token_sign_in(from_address("198.51.100.7"), "hung", PASSWORD).status_code == 429

    call_command("unlock_sign_in", address="198.51.100.7")
    assert token_sign_in(from_address("198.51.100.7"), "hung", PASSWORD).status_code == 201
