"""Đăng nhập qua OpenID Connect, against a real local provider (oidc-provider-mock) on loopback:
the redirect, the person's choice at the provider, the code exchanged and the ID token checked,
the account found or made; a cancelled, replayed or forged answer signs nobody in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client
from oidc_provider_mock import User, run_server_in_thread

from phananh.citizens.models import Citizen, CitizenReport
from tests.portal.test_pages import Page

from .test_accounts import PHONE, sent_report, vi

pytestmark = pytest.mark.django_db

HOA = User(
    sub="hoa-8837",
    claims={
        "name": "Trần Thị Hoa",
        "email": "hoa.tran@example.vn",
        "email_verified": True,
        "phone_number": "+84912345678",
        "phone_number_verified": True,
    },
)


@pytest.fixture
def provider(settings):
    with run_server_in_thread(user_claims=[HOA], require_nonce=True) as server:
        base = f"http://localhost:{server.server_port}"
        settings.PHANANH_OIDC_DISCOVERY_URL = f"{base}/.well-known/openid-configuration"
        settings.PHANANH_OIDC_CLIENT_ID = "phananh-test"
        settings.PHANANH_OIDC_CLIENT_SECRET = "phananh-test-secret"
        settings.PHANANH_OIDC_NAME = "Tài khoản tỉnh"
        yield base


def at_the_provider(client: Client, sub: str = HOA.sub) -> str:
    """Start the sign-in, choose `sub` at the provider; the address it sends the browser back to."""
    sign_in = Page(client.get("/tai-khoan/dang-nhap/"))
    start = sign_in.get("oidc-start").attrs["href"]
    to_provider = client.get(start)
    assert to_provider.status_code == 302
    answer = httpx.post(to_provider["Location"], data={"sub": sub}, follow_redirects=False)
    assert answer.status_code == 302
    back = answer.headers["location"]
    assert back.startswith("http://testserver/tai-khoan/oidc/xong/?")
    return back.removeprefix("http://testserver")


def test_a_citizen_signs_in_through_the_provider(client, provider):
    back = at_the_provider(client)

    response = client.get(back)

    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    citizen = Citizen.objects.get()
    assert (citizen.name, citizen.phone, citizen.email) == ("Trần Thị Hoa", PHONE, "hoa.tran@example.vn")
    assert citizen.oidc_subject.endswith(" hoa-8837")
    assert client.get("/tai-khoan/").status_code == 200
    # Her name and number are filled in on the form
    form = Page(client.get("/gui-phan-anh/"))
    assert form.get("reporter_name").attrs["value"] == "Trần Thị Hoa"


def test_the_provider_finds_the_account_made_by_sms_with_its_reports(provider, people):
    earlier = Citizen.objects.create(phone=PHONE)
    sent = sent_report(people)
    CitizenReport.objects.create(citizen=earlier, report_id=_report_id(sent), how="claimed")
    client = Client()

    client.get(at_the_provider(client))

    assert Citizen.objects.count() == 1
    assert sent["tracking_code"] in Page(client.get("/tai-khoan/")).get("my-reports").text
    # Next time, the subject alone finds it
    other = Client()
    other.get(at_the_provider(other))
    assert Citizen.objects.count() == 1


def _report_id(sent) -> int:
    from phananh.reports.models import Report

    return Report.objects.get(tracking_code=sent["tracking_code"]).pk


def test_an_answer_used_twice_or_without_its_state_signs_nobody_in(client, provider):
    back = at_the_provider(client)
    assert client.get(back).status_code == 302
    client.post("/tai-khoan/dang-xuat/")

    # The same answer again (its state was used up)
    page = Page(client.get(back))
    assert page.status == 403
    assert page.get("sign-in-message").text == vi(
        "Signing in with %(provider)s did not complete. Try again, or sign in with a code."
    ) % {"provider": "Tài khoản tỉnh"}
    # Another browser that never started a sign-in
    stranger = Client()
    assert stranger.get(back).status_code == 403
    assert stranger.get("/tai-khoan/").status_code == 302


def test_a_forged_code_is_refused(client, provider):
    back = at_the_provider(client)
    state = parse_qs(urlsplit(back).query)["state"][0]

    response = client.get(f"/tai-khoan/oidc/xong/?code=gia-mao&state={state}")

    assert response.status_code == 403
    assert not Citizen.objects.exists()


def test_cancelling_at_the_provider_signs_nobody_in(client, provider):
    sign_in = Page(client.get("/tai-khoan/dang-nhap/"))
    to_provider = client.get(sign_in.get("oidc-start").attrs["href"])
    answer = httpx.post(to_provider["Location"], data={"action": "deny"}, follow_redirects=False)

    response = client.get(answer.headers["location"].removeprefix("http://testserver"))

    assert response.status_code == 403
    assert not Citizen.objects.exists()


def test_without_a_provider_there_is_no_button_and_no_route(client, settings):
    settings.PHANANH_OIDC_DISCOVERY_URL = ""

    assert Page(client.get("/tai-khoan/dang-nhap/")).find("oidc-start") is None
    assert client.get("/tai-khoan/oidc/").status_code == 404
