"""Tài khoản người dân: sign in by a code sent by SMS (to the stand-in gateway) or by a link sent
by email (to a real local SMTP server), "Phản ánh của tôi", a report sent signed in, an earlier
report claimed with its secret; the limits, the expiry, single use, the same answer for any
number, and a citizen who is nobody on the staff pages.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from phananh.citizens.models import Citizen, CitizenReport, SignInCode
from phananh.org.access import Reporter
from phananh.privacy.erasure import personal_data_erase
from phananh.reports.models import Report
from phananh.stats.periods import Period
from phananh.stats.summary import summary
from tests.portal.test_pages import Page

pytestmark = pytest.mark.django_db

PHONE = "0912345678"


def vi(text: str) -> str:
    with translation.override("vi"):
        return gettext(text)


def sms_code(gateway, index: int = -1) -> str:
    """The six digits of a message the stand-in gateway received."""
    return re.search(r"\b(\d{6})\b", gateway.requests[index]["json"]["text"]).group(1)


def signed_in_by_sms(client: Client, gateway, phone: str = "0912 345 678") -> Client:
    assert client.post("/tai-khoan/dang-nhap/sms/", {"phone": phone}).status_code == 302
    response = client.post("/tai-khoan/nhap-ma/", {"code": sms_code(gateway)})
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    return client


def same_page(html: str) -> str:
    """A page without its CSRF tokens, which differ for every answer."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def sent_report(people, **contact) -> dict:
    """A report sent through the API without an account: its code and secret."""
    contact = contact or {"reporter_email": "hoa.tran@example.vn"}
    body = {"description": "Cống bị tắc gần chợ Đông Kinh", "consent": True, **contact}
    response = Client().post("/api/v1/reports", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    return response.json()


# --- SMS code --------------------------------------------------------------------------------


def test_a_citizen_signs_in_with_the_code_sent_by_sms(client, sms_gateway):
    # When Trần Thị Hoa asks for a code for her number, as she types it
    response = client.post("/tai-khoan/dang-nhap/sms/", {"phone": "0912 345 678"})

    # Then the gateway receives one SMS to her number, in Vietnamese, with six digits
    assert response.status_code == 302
    [sms] = sms_gateway.requests
    assert sms["json"]["to"] == PHONE
    assert sms["headers"]["authorization"] == "Bearer sms-secret-token"
    assert "mã đăng nhập" in sms["json"]["text"]

    # And with the code she is signed in and sees her (empty) list of reports
    client.post("/tai-khoan/nhap-ma/", {"code": sms_code(sms_gateway)})
    page = Page(client.get("/tai-khoan/"))
    assert page.status == 200
    assert PHONE in page.get("signed-in-as").text
    assert page.find("no-reports") is not None
    assert Citizen.objects.filter(phone=PHONE).count() == 1


def test_a_wrong_code_is_refused_and_the_code_allows_few_guesses(client, sms_gateway, settings):
    client.post("/tai-khoan/dang-nhap/sms/", {"phone": PHONE})
    code = sms_code(sms_gateway)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    # A wrong code is refused, in Vietnamese, and signs nobody in
    page = Page(client.post("/tai-khoan/nhap-ma/", {"code": wrong}))
    assert page.status == 422
    assert page.get("code-message").text == vi(
        "The code is wrong or no longer valid. Check the last message, or ask for a new code."
    )
    assert client.get("/tai-khoan/").status_code == 302

    # After the allowed guesses, even the right code is refused
    for _guess in range(settings.PHANANH_CITIZEN_CODE_GUESSES - 1):
        client.post("/tai-khoan/nhap-ma/", {"code": wrong})
    assert client.post("/tai-khoan/nhap-ma/", {"code": code}).status_code == 422
    assert not Citizen.objects.exists()


def test_a_code_serves_once(client, sms_gateway):
    signed_in_by_sms(client, sms_gateway)
    code = sms_code(sms_gateway)

    # Another browser that saw the same code cannot use it again
    other = Client()
    session = other.session
    session["citizen_pending_phone"] = PHONE
    session.save()
    assert other.post("/tai-khoan/nhap-ma/", {"code": code}).status_code == 422
    assert other.get("/tai-khoan/").status_code == 302


def test_an_expired_code_is_refused(client, sms_gateway, settings):
    client.post("/tai-khoan/dang-nhap/sms/", {"phone": PHONE})
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.post("/tai-khoan/nhap-ma/", {"code": sms_code(sms_gateway)})

    assert response.status_code == 422
    assert client.get("/tai-khoan/").status_code == 302
    # A day after it expired, the next code sent forgets it (it names a number)
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(days=2))
    client.post("/tai-khoan/dang-nhap/sms/", {"phone": "0987654321"})
    assert list(SignInCode.objects.values_list("address", flat=True)) == ["0987654321"]


def test_code_sending_is_limited_per_number_and_per_client(client, sms_gateway, settings):
    settings.PHANANH_CITIZEN_CODES_PER_RECIPIENT = 2
    settings.PHANANH_CITIZEN_CODES_PER_CLIENT = 3
    for _i in range(2):
        assert client.post("/tai-khoan/dang-nhap/sms/", {"phone": PHONE}).status_code == 302

    # A third code for the same number is refused, and none is sent
    page = Page(client.post("/tai-khoan/dang-nhap/sms/", {"phone": PHONE}))
    assert page.status == 429
    assert page.get("sign-in-message").text == vi(
        "Too many codes were asked for. Try again in an hour, or report without an account."
    )
    assert len(sms_gateway.requests) == 2

    # Another number from the same client gets one more, then the client's limit holds
    assert client.post("/tai-khoan/dang-nhap/sms/", {"phone": "0987654321"}).status_code == 302
    assert client.post("/tai-khoan/dang-nhap/sms/", {"phone": "0987654322"}).status_code == 429
    # And from another client, the first number is still refused: the limit is the number's
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/tai-khoan/dang-nhap/sms/", {"phone": PHONE}).status_code == 429
    assert len(sms_gateway.requests) == 3


def test_the_answer_is_the_same_whether_the_number_has_an_account(sms_gateway):
    Citizen.objects.create(phone=PHONE)

    def answer(phone: str):
        client = Client()
        response = client.post("/tai-khoan/dang-nhap/sms/", {"phone": phone})
        page = client.get(response["Location"]).content.decode()
        return response.status_code, response["Location"], same_page(page).replace(phone, "NUMBER")

    known, unknown = answer(PHONE), answer("0987654321")

    assert known == unknown
    # Both numbers were sent a code
    assert [r["json"]["to"] for r in sms_gateway.requests] == [PHONE, "0987654321"]


def test_a_number_that_is_not_vietnamese_is_refused(client, sms_gateway):
    page = Page(client.post("/tai-khoan/dang-nhap/sms/", {"phone": "12345"}))

    assert page.status == 422
    assert page.get("sign-in-phone-errors").text == vi(
        "Enter a Vietnamese phone number, such as 0912 345 678."
    )
    assert page.get("sign-in-phone").attrs["value"] == "12345"
    assert sms_gateway.requests == []


# --- email link ------------------------------------------------------------------------------


def test_a_citizen_signs_in_with_the_link_sent_by_email(client, smtp_server):
    page = Page(client.post("/tai-khoan/dang-nhap/email/", {"email": "Hoa.Tran@example.vn"}))
    assert page.status == 200
    assert page.find("link-sent") is not None

    # The message reaches the SMTP server, with a link to this site
    assert smtp_server.wait_for_data(1)
    [mail] = smtp_server.messages
    assert mail["to"] == ["hoa.tran@example.vn"]
    link = re.search(r"http://testserver(/tai-khoan/email/[^/\s]+/)", mail["message"].get_content()).group(1)

    # Opening the link (as a mail program's link checker might) signs nobody in; the tap does
    assert client.get(link).status_code == 200
    assert client.get("/tai-khoan/").status_code == 302
    assert client.post(link)["Location"] == "/tai-khoan/"
    assert "hoa.tran@example.vn" in Page(client.get("/tai-khoan/")).get("signed-in-as").text

    # The link serves once
    page = Page(Client().post(link))
    assert page.status == 403
    assert page.get("link-message").text == vi(
        "This sign-in link is not valid any more: it was used, or it expired. Ask for a new one."
    )


def test_an_expired_email_link_is_refused(client, smtp_server):
    client.post("/tai-khoan/dang-nhap/email/", {"email": "hoa.tran@example.vn"})
    assert smtp_server.wait_for_data(1)
    link = re.search(r"/tai-khoan/email/[^/\s]+/", smtp_server.messages[0]["message"].get_content()).group(0)
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.post(link).status_code == 403
    assert not Citizen.objects.exists()


def test_email_links_are_limited_per_address_and_answer_alike(smtp_server, settings):
    settings.PHANANH_CITIZEN_CODES_PER_RECIPIENT = 1
    Citizen.objects.create(email="hoa.tran@example.vn")

    def answer(email: str):
        response = Client().post("/tai-khoan/dang-nhap/email/", {"email": email})
        return response.status_code, same_page(response.content.decode()).replace(email, "ADDRESS")

    # The same page for an address with an account and one without
    assert answer("hoa.tran@example.vn") == answer("nam.le@example.vn")
    # A second link to the same address within the hour is refused
    assert answer("hoa.tran@example.vn")[0] == 429
    assert smtp_server.wait_for_data(2)
    assert len(smtp_server.messages) == 2


# --- Phản ánh của tôi ---------------------------------------------------------------------------


def test_a_report_sent_signed_in_has_the_contact_filled_in_and_joins_the_account(client, sms_gateway, people):
    from tests.portal.test_pages import report_form

    signed_in_by_sms(client, sms_gateway)

    # The form has her number filled in, and SMS chosen for messages
    form = Page(client.get("/gui-phan-anh/"))
    assert form.get("reporter_phone").attrs["value"] == PHONE
    selected = [o for o in form.all("option") if "selected" in o.attrs and o.attrs.get("value") == "sms"]
    assert selected

    # She sends it with her name added
    response = client.post(
        "/gui-phan-anh/",
        report_form(
            reporter_phone=PHONE, reporter_email="", contact_channel="sms", reporter_name="Trần Thị Hoa"
        ),
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reporter_phone, report.citizen_link.citizen.phone) == (PHONE, PHONE)

    # It is in her list, with its status; her name is kept for the next form
    page = Page(client.get("/tai-khoan/"))
    assert report.tracking_code in page.get("my-reports").text
    with translation.override("vi"):
        assert str(report.status_label) in page.get("my-reports").text
    assert Page(client.get("/gui-phan-anh/")).get("reporter_name").attrs["value"] == "Trần Thị Hoa"

    # Its page opens with the reporter's actions, without the secret
    track = Page(client.get(f"/tra-cuu/{report.tracking_code}/"))
    assert track.status == 200
    assert report.description[:20] in track.html


def test_an_earlier_report_is_claimed_with_its_secret(client, sms_gateway, people):
    sent = sent_report(people, reporter_phone=PHONE)
    signed_in_by_sms(client, sms_gateway)
    code = sent["tracking_code"]

    # Before the claim, its page shows no reporter's data to her
    assert "Cống bị tắc" not in client.get(f"/tra-cuu/{code}/").content.decode()

    # A wrong secret is refused, in Vietnamese, and the report stays out of her account
    page = Page(client.post("/tai-khoan/nhan-phan-anh/", {"tracking_code": code, "secret": "sai-mat-khau"}))
    assert page.status == 403
    assert page.get("claim-secret-errors").text == vi(
        "The tracking code and the secret do not match. Copy the secret from the message you got."
    )
    assert page.get("claim-code").attrs["value"] == code
    assert not CitizenReport.objects.exists()

    # An unknown code too
    page = Page(client.post("/tai-khoan/nhan-phan-anh/", {"tracking_code": "PA-26-ZZZZZZ", "secret": "x"}))
    assert page.status == 404

    # The right secret adds it, as typed (lower case code)
    response = client.post(
        "/tai-khoan/nhan-phan-anh/", {"tracking_code": code.lower(), "secret": sent["secret"]}
    )
    assert response.status_code == 302
    assert code in Page(client.get("/tai-khoan/")).get("my-reports").text
    # And its page now shows her own description, and the reporter's actions, with no secret typed
    page = client.get(f"/tra-cuu/{code}/").content.decode()
    assert "Cống bị tắc" in page
    assert f"/tra-cuu/{code}/du-lieu/" in page
    assert client.post(f"/tra-cuu/{code}/du-lieu/").status_code == 200

    # Another account cannot take it, even with the secret
    other = signed_in_by_sms(Client(), sms_gateway, phone="0987654321")
    page = Page(other.post("/tai-khoan/nhan-phan-anh/", {"tracking_code": code, "secret": sent["secret"]}))
    assert page.status == 409
    assert CitizenReport.objects.get().citizen.phone == PHONE


def test_secrets_guessed_through_claims_are_limited(client, sms_gateway, people, settings):
    settings.PHANANH_SIGNIN_MAX_FAILURES_PER_ACCOUNT = 3
    sent = sent_report(people)
    signed_in_by_sms(client, sms_gateway)
    # Three guesses, the code typed as people type it
    typed = sent["tracking_code"].replace("-", "").lower()
    for _i in range(3):
        client.post("/tai-khoan/nhan-phan-anh/", {"tracking_code": typed, "secret": "doan"})

    response = client.post(
        "/tai-khoan/nhan-phan-anh/", {"tracking_code": sent["tracking_code"], "secret": sent["secret"]}
    )

    assert response.status_code == 429
    assert not CitizenReport.objects.exists()


def test_reports_of_others_are_not_in_the_list(client, sms_gateway, people):
    sent_report(people, reporter_phone=PHONE)  # her number, but not claimed: not hers to see
    signed_in_by_sms(client, sms_gateway)

    assert Page(client.get("/tai-khoan/")).find("my-reports") is None


def test_signing_out_ends_the_account_in_this_browser(client, sms_gateway):
    signed_in_by_sms(client, sms_gateway)

    assert client.post("/tai-khoan/dang-xuat/").status_code == 302
    assert client.get("/tai-khoan/")["Location"] == "/tai-khoan/dang-nhap/"


# --- not staff ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/can-bo/", "/quan-tri/", "/api/v1/staff/reports"])
def test_a_citizen_cannot_reach_staff_pages(client, sms_gateway, path):
    signed_in_by_sms(client, sms_gateway)

    response = client.get(path)

    # Sent to the staff login page, or refused by the API: nobody is signed in for them
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert response["Location"].startswith(("/can-bo/dang-nhap/", "/quan-tri/login/"))
    assert Citizen.objects.count() == 1


# --- erasure and statistics -------------------------------------------------------------------


def test_erasing_the_personal_data_takes_the_report_out_of_the_account(client, sms_gateway, people):
    sent = sent_report(people, reporter_phone=PHONE)
    signed_in_by_sms(client, sms_gateway)
    client.post(
        "/tai-khoan/nhan-phan-anh/", {"tracking_code": sent["tracking_code"], "secret": sent["secret"]}
    )
    report = Report.objects.get()

    personal_data_erase(report=report, reporter=Reporter(report_id=report.pk), via="page")

    assert not CitizenReport.objects.exists()
    assert Page(client.get("/tai-khoan/")).find("my-reports") is None


def test_the_accounts_feed_the_statistics(client, sms_gateway, smtp_server):
    signed_in_by_sms(client, sms_gateway)
    Client().post("/tai-khoan/dang-nhap/email/", {"email": f"{uuid.uuid4().hex}@example.vn"})

    found = summary(period=Period.this_year())

    # One account: an email link asked for but not opened makes none
    assert found.reporter_accounts == 1
    # Accounts belong to no channel, unit, field or commune: a filtered summary counts none
    assert summary(period=Period.this_year(), channel="web").reporter_accounts == 0


def test_deleting_the_account_needs_the_tick_and_keeps_the_reports(client, sms_gateway, people):
    sent = sent_report(people)
    signed_in_by_sms(client, sms_gateway)
    client.post(
        "/tai-khoan/nhan-phan-anh/", {"tracking_code": sent["tracking_code"], "secret": sent["secret"]}
    )

    page = Page(client.post("/tai-khoan/xoa/", {}))
    assert page.status == 422
    assert page.get("delete-error").text == vi("Tick the box to confirm that you want your account deleted.")
    assert Citizen.objects.exists()

    assert client.post("/tai-khoan/xoa/", {"confirm": "yes"}).status_code == 302
    assert not Citizen.objects.exists() and not SignInCode.objects.exists()
    assert Report.objects.filter(tracking_code=sent["tracking_code"]).exists()
