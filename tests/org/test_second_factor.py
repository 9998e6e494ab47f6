"""Two-step verification, as staff meet it: enrolment, the code after the password, recovery
codes, an administrator's reset, the admin site and the API.

The people: Lan joins the IOC and has no authenticator app yet (the IOC must use one); Hùng, a
focal point of Sở Xây dựng, may turn it on; Tân administers the system.
"""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.oath import TOTP

from phananh.org.models import ApiToken, Role, User
from phananh.org.second_factor import authenticator
from tests.staff import LOGIN, SECOND_STEP, enrol, recovery_code, signed_in, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "Mat-khau-dung-2026"
ENROL = "/can-bo/dang-nhap/cai-dat-xac-thuc/"
CODES = "/can-bo/tai-khoan/ma-du-phong/"
SECURITY = "/can-bo/tai-khoan/bao-mat/"
TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture(autouse=True)
def _no_failures_counted():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lan(ioc):
    return User.objects.create_user(
        username="lan", password=PASSWORD, full_name="Nguyễn Thị Lan", role=Role.OPERATOR, unit=ioc
    )


@pytest.fixture
def hung(ioc):
    return User.objects.create_user(username="hung", password=PASSWORD, role=Role.FOCAL_POINT, unit=ioc)


@pytest.fixture
def tan(ioc):
    user = User.objects.create_superuser(username="tan", password=PASSWORD, role=Role.ADMIN, unit=ioc)
    enrol(user)
    return user


def text(response) -> str:
    return response.content.decode()


def code_of_secret_shown(page_html: str, *, at: float | None = None) -> str:
    """What an authenticator app shows for the key the enrolment page displays."""
    secret = re.search(r'id="enrol-secret">([A-Z2-7 ]+)<', page_html).group(1).replace(" ", "")
    totp = TOTP(b32decode(secret))
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def shown_codes(page_html: str) -> list[str]:
    codes_list = page_html.split('id="recovery-codes"')[1].split("</ol>")[0]
    return re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", codes_list)


def sign_in_password(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def token(username: str, password: str = PASSWORD, **extra):
    body = {"username": username, "password": password, **extra}
    return Client().post(TOKEN_URL, body, content_type="application/json")


# --- enrolment -----------------------------------------------------------------------------


def test_the_ioc_enrols_right_after_the_password_and_reaches_nothing_else_before(lan):
    client = Client()

    # When Lan gives her password for the first time, she is led to set up an app
    assert sign_in_password(client, "lan")["Location"] == ENROL
    page = client.get(ENROL)
    assert page.status_code == 200
    html = text(page)
    assert 'id="enrol-required"' in html
    assert "<svg" in html and 'id="enrol-qr"' in html
    assert re.search(r'id="enrol-secret">[A-Z2-7]{4}( [A-Z2-7]{4}){7}<', html)
    # A reload keeps the same secret (she may have scanned it already)
    assert text(client.get(ENROL)).count(re.search(r'id="enrol-secret">([^<]+)<', html).group(1)) == 1

    # And she reaches nothing else: not the back office, not the admin, not the code step
    assert client.get("/can-bo/")["Location"].startswith(LOGIN)
    assert client.get("/quan-tri/").status_code == 302
    assert client.get(SECURITY)["Location"].startswith(LOGIN)

    # A wrong code is refused
    wrong = client.post(ENROL, {"code": "000000"})
    assert 'id="code-error"' in text(wrong)
    assert authenticator(lan) is None

    # The app's code confirms it, and ten recovery codes are shown, once
    confirmed = client.post(ENROL, {"code": code_of_secret_shown(html)})
    assert confirmed["Location"] == CODES
    codes_page = client.get(CODES)
    codes = shown_codes(text(codes_page))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/can-bo/"' in text(codes_page)
    assert client.get(CODES)["Location"] == SECURITY  # not shown again

    # And she is signed in, her app enrolled
    assert client.get("/can-bo/").status_code == 200
    assert authenticator(lan) is not None
    assert "Còn 10 mã dự phòng." in text(client.get(SECURITY))


def test_the_next_sign_in_asks_for_the_code_and_a_code_works_once(lan):
    app = enrol(lan)

    client = Client()
    assert sign_in_password(client, "lan")["Location"] == SECOND_STEP
    step = client.get(SECOND_STEP)
    assert "Nguyễn Thị Lan, hãy mở ứng dụng xác thực" in text(step)
    code = totp_code(app)
    assert client.post(SECOND_STEP, {"code": code})["Location"] == "/can-bo/"
    assert client.get("/can-bo/").status_code == 200

    # The same code, seen over her shoulder, does not sign anyone in again
    other = Client()
    sign_in_password(other, "lan")
    replayed = other.post(SECOND_STEP, {"code": code})
    assert 'id="code-error"' in text(replayed)
    assert other.get("/can-bo/")["Location"].startswith(LOGIN)


def test_a_recovery_code_signs_in_once_and_the_page_counts_what_is_left(lan):
    client = Client()
    sign_in_password(client, "lan")
    html = text(client.get(ENROL))
    client.post(ENROL, {"code": code_of_secret_shown(html)})
    codes = shown_codes(text(client.get(CODES)))
    client.post("/can-bo/dang-xuat/")

    # When Lan forgot her phone, a recovery code (typed as printed, or in capitals) signs her in
    phone_less = Client()
    sign_in_password(phone_less, "lan")
    landed = phone_less.post(SECOND_STEP, {"code": codes[0].upper()}, follow=True)
    assert "còn lại 9 mã" in text(landed)
    assert "Còn 9 mã dự phòng." in text(phone_less.get(SECURITY))

    # And that code does not work a second time
    again = Client()
    sign_in_password(again, "lan")
    assert 'id="code-error"' in text(again.post(SECOND_STEP, {"code": codes[0]}))


def test_new_recovery_codes_replace_the_old(lan):
    client = signed_in(Client(), lan)
    old = recovery_code(lan)

    assert client.post(SECURITY)["Location"] == CODES
    new = shown_codes(text(client.get(CODES)))
    assert len(new) == 10

    for code, works in ((old, False), (new[0], True)):
        attempt = Client()
        sign_in_password(attempt, "lan")
        answer = attempt.post(SECOND_STEP, {"code": code})
        assert (answer.status_code == 302) is works, code


def test_other_staff_sign_in_with_the_password_and_may_turn_the_second_step_on(hung):
    # Hùng signs in with his password alone
    client = Client()
    assert sign_in_password(client, "hung")["Location"] == "/can-bo/"
    security = text(client.get(SECURITY))
    assert 'id="two-step-off"' in security and 'id="turn-on"' in security

    # When he turns it on from his security page
    html = text(client.get(ENROL))
    assert 'id="enrol-required"' not in html
    assert client.post(ENROL, {"code": code_of_secret_shown(html)})["Location"] == CODES
    assert len(shown_codes(text(client.get(CODES)))) == 10
    # His session stays signed in, now verified
    assert 'id="two-step-on"' in text(client.get(SECURITY))

    # Then his next sign-in asks for the code, on the page and the API
    assert sign_in_password(Client(), "hung")["Location"] == SECOND_STEP
    assert token("hung").json()["code"] == "otp_required"


def test_the_second_step_waits_ten_minutes_at_most(lan):
    enrol(lan)
    client = Client()
    sign_in_password(client, "lan")
    session = client.session
    session["phananh_pending_sign_in"]["until"] = int(time.time()) - 1
    session.save()

    late = client.post(SECOND_STEP, {"code": recovery_code(lan)}, follow=True)

    assert late.redirect_chain[-1][0] == LOGIN
    assert "Hãy đăng nhập lại: đã quá thời gian cho bước thứ hai." in text(late)
    assert client.get("/can-bo/").status_code == 302


# --- an administrator's reset, the admin site ---------------------------------------------


def test_an_administrator_resets_a_lost_phone(lan, tan):
    # Given Lan signed in on the pages and in the staff app, both with her second factor
    enrol(lan)
    pages = signed_in(Client(), lan)
    api_token = token("lan", otp=recovery_code(lan)).json()["token"]

    # When Tân resets her two-step verification in the admin (she lost her phone)
    admin = signed_in(Client(), tan)
    done = admin.post("/quan-tri/org/user/", {"action": "reset_second_factor", "_selected_action": [lan.pk]})
    assert done.status_code == 302

    # Then her session and her token end, and her next sign-in sets up a new app
    assert pages.get("/can-bo/")["Location"].startswith(LOGIN)
    staff_app = Client(headers={"Authorization": f"Bearer {api_token}"})
    assert staff_app.get("/api/v1/auth/me").status_code == 401
    assert authenticator(lan) is None
    assert sign_in_password(Client(), "lan")["Location"] == ENROL
    # And the admin's history says who did it
    history = text(admin.get(f"/quan-tri/org/user/{lan.pk}/history/"))
    assert "Two-step verification reset" in history


def test_the_admin_site_needs_the_second_factor(tan):
    # Signed in with the password only (a session from before two-step verification)
    half = Client()
    half.force_login(tan)
    assert half.get("/quan-tri/").status_code == 302
    assert half.get("/quan-tri/org/user/").status_code == 302

    # Through the staff login page, password and code, the admin opens
    client = Client()
    assert sign_in_password(client, "tan", next="/quan-tri/")["Location"] == SECOND_STEP
    assert client.post(SECOND_STEP, {"code": totp_code(enrol(tan))})["Location"] == "/quan-tri/"
    assert client.get("/quan-tri/").status_code == 200


def test_an_administrator_made_on_the_command_line_enrols_on_the_way_to_the_admin(db):
    # Made with `createsuperuser`: no role, no unit
    User.objects.create_superuser(username="root", password=PASSWORD)
    client = Client()

    to_admin = client.get("/quan-tri/", follow=True)
    assert to_admin.redirect_chain[-1][0] == f"{LOGIN}?next=/quan-tri/"
    assert sign_in_password(client, "root", next="/quan-tri/")["Location"] == ENROL
    html = text(client.get(ENROL))
    assert client.post(ENROL, {"code": code_of_secret_shown(html)})["Location"] == CODES
    codes_page = client.get(CODES)
    assert len(shown_codes(text(codes_page))) == 10
    assert 'href="/quan-tri/"' in text(codes_page)
    assert client.get("/quan-tri/").status_code == 200


# --- the API -------------------------------------------------------------------------------


def test_the_api_asks_for_the_code_of_an_account_with_an_app(lan):
    app = enrol(lan)

    missing = token("lan")
    assert (missing.status_code, missing.json()["code"]) == (401, "otp_required")
    wrong = token("lan", otp="123456")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "otp_invalid")
    # A wrong password says so first, whatever the code: no hint that the code was missing
    assert token("lan", password="sai").json()["code"] == "invalid_credentials"

    code = totp_code(app)
    assert token("lan", otp=code).status_code == 201
    replayed = token("lan", otp=code)
    assert (replayed.status_code, replayed.json()["code"]) == (401, "otp_invalid")

    spare = recovery_code(lan)
    assert token("lan", otp=spare).status_code == 201
    assert token("lan", otp=spare).json()["code"] == "otp_invalid"
    assert ApiToken.objects.filter(user=lan).count() == 2


def test_the_api_sends_an_account_that_must_enrol_to_the_pages(lan):
    answer = token("lan", otp="123456")

    assert answer.status_code == 403
    assert answer.json()["code"] == "otp_enrolment_required"
    assert not ApiToken.objects.exists()


def test_an_account_without_an_app_needs_no_code_unless_its_role_requires_one(hung):
    assert token("hung").status_code == 201
    # A code sent anyway is not needed and not checked
    assert token("hung", otp="999999").status_code == 201


def test_the_openapi_schema_documents_the_code_and_its_answers(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/auth/token"]["post"]

    body_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    otp = schema["components"]["schemas"][body_ref]["properties"]["otp"]
    assert otp["type"] == "string" and otp["maxLength"] == 32
    assert "recovery" in otp["description"]
    assert {"201", "401", "403", "422", "429"} <= set(operation["responses"])
    for code in ("otp_required", "otp_invalid", "otp_enrolment_required", "too_many_attempts"):
        assert code in operation["description"]
