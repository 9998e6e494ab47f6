"""Rút lại đồng ý: Hoa withdraws consent and has her personal data erased.

Her name, phone, email and Zalo id leave the whole database (the dump is searched, JSON
included); her IP address was never in it. Her report goes on being handled, without a contact:
no message goes to her any more. Nam's and Lâm's data stay; the statistics do not change.
"""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from phananh.channels.models import ZaloConversation, ZaloDraftPhoto, ZaloInbox
from phananh.citizens.models import Citizen, CitizenReport
from phananh.core.errors import Conflict
from phananh.notify.delivery import ERASED_NOTE, deliver_due
from phananh.notify.models import Delivery, DeliveryStatus, ZaloUnfollower
from phananh.org.access import reporter_contact
from phananh.org.models import PersonalDataAccess
from phananh.reports.models import Follower, IdempotencyRecord, Report
from phananh.reports.statuses import Status
from phananh.stats.facts import catch_up
from phananh.stats.models import ReportFigures
from phananh.workflow.models import Event, EventKind
from phananh.workflow.services import transition
from tests.portal.test_pages import Page
from tests.staff import signed_in, token_body

from .conftest import (
    ANSWER,
    HOA_EMAIL,
    HOA_IP,
    HOA_NAME,
    HOA_PHONE,
    HOA_TRACES,
    HOA_ZALO,
    LAM_EMAIL,
    NAM,
    traces_in_database,
)

pytestmark = pytest.mark.django_db


def erase(report, secret, **body):
    return Client().post(
        f"/api/v1/reports/{report.tracking_code}/erasure",
        {"secret": secret, "confirm": True, **body},
        content_type="application/json",
    )


def erasures() -> list[Event]:
    return list(Event.objects.filter(kind=EventKind.PERSONAL_DATA_ERASED))


def snapshot(report) -> tuple:
    report = Report.objects.get(pk=report.pk)
    contact = (report.reporter_name, report.reporter_phone, report.reporter_email, report.zalo_user_id)
    return report.status, report.version, contact, report.events.count()


def test_every_trace_of_hoa_leaves_the_database(case):
    report, nam_report = case["report"], case["nam_report"]
    # Given her data is everywhere, but her IP address nowhere
    assert set(traces_in_database()) == set(HOA_TRACES) - {HOA_IP}

    # When she withdraws her consent
    response = erase(report, case["hoa"]["secret"])

    # Then her data is nowhere any more
    assert response.status_code == 200, response.content
    assert response.json()["erased_now"] is True
    assert traces_in_database() == []

    # While the others' stays: Lâm still follows, Nam's report is untouched
    assert traces_in_database([LAM_EMAIL, *NAM.values()]) == [LAM_EMAIL, *NAM.values()]
    assert Report.objects.get(pk=nam_report.pk).reporter_name == NAM["reporter_name"]

    # And her report goes on, with its content: her own words, with her name and number replaced
    report.refresh_from_db()
    assert report.status == Status.DISPATCHED
    assert report.description.endswith("Tôi là [đã xóa], cần gì xin gọi [đã xóa].")
    assert "tran thi hoa" not in report.search_text
    assert report.attachments.count() == 2
    assert report.events.filter(kind=EventKind.INFO_PROVIDED, note=ANSWER).exists()
    assert report.personal_data_erased_at == report.consent_withdrawn_at is not None
    assert report.notifications_opt_out is True


def test_her_zalo_conversation_and_draft_go_too(case):
    # Given Hoa, who reported through Zalo, was writing another report there and left the OA
    draft = ZaloConversation.objects.create(
        user_id=HOA_ZALO, description="Nắp cống bị mất", draft_updated_at=None
    )
    ZaloDraftPhoto.objects.create(conversation=draft, data=b"photo")
    ZaloInbox.objects.create(
        event_id="msg1", name="user_send_text", user_id=HOA_ZALO, payload={"text": "Nắp cống"}
    )
    ZaloUnfollower.objects.create(user_id=HOA_ZALO)
    Delivery.objects.create(
        channel="zalo",
        to_address=HOA_ZALO,
        body="Phản ánh của bạn: Nắp cống",
        purpose="zalo_chat",
        dedupe_key="chat1",
    )

    # When she withdraws her consent
    assert erase(case["report"], case["hoa"]["secret"]).status_code == 200

    # Then nothing of her Zalo conversation is kept
    assert not ZaloConversation.objects.exists() and not ZaloDraftPhoto.objects.exists()
    assert not ZaloUnfollower.objects.exists()
    assert ZaloInbox.objects.filter(user_id="", payload={}).count() == 1
    assert Delivery.objects.get(dedupe_key="chat1").body == ""
    assert traces_in_database([HOA_ZALO]) == []


def test_each_place_her_data_was_kept_is_cleaned_and_the_event_says_how_many(case):
    report = case["report"]
    sent_to_her = Delivery.objects.filter(to_address=HOA_EMAIL).count()

    erase(report, case["hoa"]["secret"])

    # Her follow-up by email is gone, Lâm's stays; Nam goes on following through his own report
    assert list(report.followers.filter(via_report=None).values_list("email", flat=True)) == [LAM_EMAIL]
    assert Follower.objects.get(via_report=case["nam_report"]).unsubscribed_at is None
    # The Idempotency-Key of her submission is forgotten
    assert not IdempotencyRecord.objects.filter(report=report).exists()
    # The messages sent to her stay as a record, without address or words
    blank = Delivery.objects.filter(report=report, to_address="")
    assert blank.count() == sent_to_her
    assert set(blank.values_list("subject", "body")) == {("", "")}
    assert set(blank.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # The step on the timeline: internal, by the reporter, what was erased and how much, no data
    [event] = erasures()
    assert (event.report_id, event.is_public, event.actor_id, event.actor_label) == (
        report.pk,
        False,
        None,
        "reporter",
    )
    assert event.status_before == event.status_after == Status.DISPATCHED
    assert event.data == {
        "erased": ["reporter_name", "reporter_phone", "reporter_email", "zalo_user_id"],
        "messages": sent_to_her,
        "followers": 1,
        # The report's text, the staff note, the question, and the question as mailed to Lâm and Nam
        "texts": 5,
        "via": "api",
    }


def test_staff_see_that_the_contact_was_erased_and_cannot_reveal_it(case, people, so_xd):
    report, lan = case["report"], people["lan"]
    erase(report, case["hoa"]["secret"])
    report.refresh_from_db()

    assert reporter_contact(lan, report, via="page") is None
    staff = signed_in(None, lan)
    page = Page(staff.get(f"/can-bo/phan-anh/{report.tracking_code}/"))
    assert page.status == 200
    assert "rút lại sự đồng ý" in page.get("contact-erased").text
    # The timeline names the step, and no more of it than that
    assert "Rút lại sự đồng ý: đã xóa dữ liệu cá nhân của người phản ánh" in page.get("timeline").text
    assert HOA_NAME not in page.html and HOA_PHONE not in page.html
    assert page.find("contact-details") is None
    assert not PersonalDataAccess.objects.filter(report=report).exists()
    with pytest.raises(Conflict) as refused:
        transition(
            report=report, actor=lan, action="reveal_contact", data={"unit": so_xd.pk, "reason": "Cần gọi"}
        )
    assert refused.value.code == "anonymous_report"


def figures(client: Client) -> dict:
    answers = {}
    for path in ("summary", "units", "series"):
        response = client.get(f"/api/v1/stats/{path}")
        assert response.status_code == 200, response.content
        answers[path] = response.json()
    return answers


def test_the_statistics_do_not_change(case, people, django_capture_on_commit_callbacks):
    report = case["report"]
    lan = Client()
    token = lan.post("/api/v1/auth/token", token_body("lan"), content_type="application/json")
    lan = Client(headers={"Authorization": f"Bearer {token.json()['token']}"})
    catch_up()
    before, row_before = figures(lan), ReportFigures.objects.filter(report=report).values().get()

    # When Hoa's data is erased, and every task that follows has run
    with django_capture_on_commit_callbacks(execute=True):
        erase(report, case["hoa"]["secret"])
    catch_up()

    # Then every figure is the same
    assert figures(lan) == before
    after = ReportFigures.objects.filter(report=report).values().get()
    assert {k: v for k, v in after.items() if k != "refreshed_at"} == {
        k: v for k, v in row_before.items() if k != "refreshed_at"
    }


def test_later_steps_send_her_nothing_and_nothing_waiting_goes_out(
    case, people, django_capture_on_commit_callbacks, mailoutbox
):
    report = case["report"]
    # Given a message to her is waiting to be sent (its worker has not run yet)
    report.refresh_from_db()
    transition(report=report, actor=people["hung"], action="assign", data={"handler": people["tuan"].pk})
    waiting = Delivery.objects.create(
        channel="email",
        to_address=HOA_EMAIL,
        subject="Phản ánh",
        body=f"Kính gửi {HOA_NAME}",
        purpose="report_received",
        report=report,
        dedupe_key="reporter:waiting:test",
    )

    # When her data is erased
    erase(report, case["hoa"]["secret"])
    mail.outbox.clear()

    # Then the waiting message never goes
    deliver_due()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.to_address, waiting.last_error) == (DeliveryStatus.DEAD, "", ERASED_NOTE)

    # And when the report is handled to the end and published, she hears nothing; Lâm does
    reporter_rows = Delivery.objects.filter(dedupe_key__startswith="reporter:").count()
    for user, action, data in (
        ("tuan", "submit_result", {"result": "Đã nạo vét cống."}),
        ("binh", "approve_result", {}),
        ("lan", "verify", {}),
        ("lan", "publish", {"public": True, "confirm_personal_data": True}),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            report.refresh_from_db()
            transition(report=report, actor=people[user], action=action, data=data)
    assert Delivery.objects.filter(dedupe_key__startswith="reporter:").count() == reporter_rows
    recipients = {address for message in mailoutbox for address in message.to}
    assert HOA_EMAIL not in recipients and LAM_EMAIL in recipients
    # And a staff member cannot send her a message again by retrying an old one
    staff = Client()
    signed_in(staff, people["lan"])
    staff.post("/can-bo/gui-tin/", {"delivery": waiting.pk})
    waiting.refresh_from_db()
    assert waiting.status == DeliveryStatus.DEAD


def test_nothing_changes_without_the_confirmation_or_with_a_wrong_secret(case):
    report = case["report"]
    before = snapshot(report)

    unconfirmed = erase(report, case["hoa"]["secret"], confirm=False)
    wrong = erase(report, case["nam"]["secret"])

    assert (unconfirmed.status_code, unconfirmed.json()["code"]) == (422, "confirmation_required")
    assert (wrong.status_code, wrong.json()["code"]) == (403, "invalid_secret")
    assert snapshot(report) == before
    assert erasures() == []


def test_asking_twice_erases_once(case):
    report = case["report"]
    first = erase(report, case["hoa"]["secret"]).json()

    again = erase(report, case["hoa"]["secret"])

    assert again.status_code == 200
    assert again.json()["erased_now"] is False
    assert again.json()["personal_data_erased_at"] == first["personal_data_erased_at"]
    assert len(erasures()) == 1


def test_hoa_erases_her_data_from_her_tracking_page_after_a_confirmation(case):
    report = case["report"]
    page_url = f"/tra-cuu/{report.tracking_code}/"
    url = f"{page_url}xoa-du-lieu/"
    hoa = Client()
    hoa.get(page_url, {"secret": case["hoa"]["secret"]})
    before = snapshot(report)

    # The page says what goes and what stays, and asks her to confirm
    page = Page(hoa.get(url))
    assert page.status == 200
    assert "Họ tên, số điện thoại, email" in page.get("what-is-erased").text
    assert page.find("erase-confirm") is not None

    # Sent without ticking the box, it asks again and erases nothing
    page = Page(hoa.post(url, {}))
    assert page.status == 422
    assert page.get("erase-error").text == "Đánh dấu vào ô để xác nhận bạn muốn xóa dữ liệu."
    assert snapshot(report) == before

    # Confirmed, it erases, and her page says so
    response = hoa.post(url, {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == page_url
    page = Page(hoa.get(page_url))
    assert "dữ liệu cá nhân của bạn đã được xóa" in page.html
    assert page.find("data-erased") is not None and page.find("erase-link") is None
    assert erasures()[0].data["via"] == "page"
    assert Report.objects.get(pk=report.pk).reporter_phone == ""


def test_only_her_browser_reaches_the_erasure(case):
    report = case["report"]
    url = f"/tra-cuu/{report.tracking_code}/xoa-du-lieu/"
    nam = Client()
    nam.get(f"/tra-cuu/{case['nam']['tracking_code']}/", {"secret": case["nam"]["secret"]})

    for browser in (Client(), nam):
        assert browser.get(url).status_code == 403
        assert browser.post(url, {"confirm": "yes"}).status_code == 403
    assert Report.objects.get(pk=report.pk).reporter_phone == HOA_PHONE
    assert erasures() == []


def test_the_operations_team_erases_at_a_request_the_ioc_checked(case):
    report = case["report"]
    with pytest.raises(CommandError):
        call_command("erase_personal_data", report.tracking_code, "PA-26-ZZZZZZ", stdout=io.StringIO())
    assert erasures() == []

    out = io.StringIO()
    call_command("erase_personal_data", report.tracking_code.lower().replace("-", ""), stdout=out)

    assert out.getvalue() == f"{report.tracking_code}: erased\n"
    [event] = erasures()
    assert (event.actor_label, event.data["via"]) == ("system", "operations")
    assert Report.objects.get(pk=report.pk).reporter_email == ""


def test_the_report_leaves_her_account_and_deleting_the_account_leaves_no_trace(case):
    # Given Hoa has an account with her number and address, and her report claimed into it
    report = case["report"]
    account = Citizen.objects.create(phone=HOA_PHONE, email=HOA_EMAIL, name=HOA_NAME)
    CitizenReport.objects.create(citizen=account, report=report, how="claimed")
    browser = Client()
    session = browser.session
    session["citizen_id"] = account.pk
    session.save()

    # When she erases her data from the report, the report leaves her account
    erase(report, case["hoa"]["secret"])
    assert not CitizenReport.objects.exists()
    assert Page(browser.get("/tai-khoan/")).find("my-reports") is None
    # The account itself stays hers until she deletes it: then nothing of her is left
    assert traces_in_database() != []
    assert browser.post("/tai-khoan/xoa/", {"confirm": "yes"}).status_code == 302
    assert traces_in_database() == []
    assert browser.get("/tai-khoan/")["Location"] == "/tai-khoan/dang-nhap/"
