"""Tin cho người phản ánh: the reporter hears of each public step through their channel.

Lan handles the report at the IOC, Sở Xây dựng (hung, binh, tuan) handles it. The reporter
is Hoa (hoa@example.vn, 0912345678) unless a test says otherwise. Messages go through real
local servers (SMTP, the SMS gateway, Zalo's API) or Django's locmem outbox.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from phananh.notify.admin import MessageTemplateForm
from phananh.notify.models import Delivery, DeliveryStatus, MessageTemplate
from phananh.reports.codes import PRIVATE_LINK_MAX_AGE, private_link_token
from phananh.reports.intake import validate_submission
from phananh.reports.models import Report
from phananh.workflow.services import transition
from phananh.workflow.submission import report_submit
from tests.portal.test_pages import SUBMIT_URL, Page, report_form
from tests.reporter import answer
from tests.reports.test_api_intake import URL as API_URL
from tests.reports.test_api_intake import lan_report, post_json
from tests.staff import signed_in

pytestmark = pytest.mark.django_db

HOA_EMAIL = "hoa@example.vn"
HOA_PHONE = "0912345678"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run something as a request does: the tasks queued after the commit run at its end."""

    def committed(do, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return do(*args, **kwargs)

    return committed


@pytest.fixture
def send_report(db, ioc):
    """Hoa sends a report (through `channel`); what follows the commit runs."""

    def send_report(committed_fn=None, channel="web", **values):
        raw = {
            "description": "Ổ gà lớn trên đường Bà Triệu",
            "consent": True,
            "reporter_email": HOA_EMAIL,
            "reporter_phone": HOA_PHONE,
            **values,
        }
        submission = validate_submission(raw, channel=channel)
        if committed_fn is None:
            return report_submit(submission=submission).report
        return committed_fn(report_submit, submission=submission).report

    return send_report


def do(report, user, action, **data):
    report.refresh_from_db()
    return transition(report=report, actor=user, action=action, data=data)


def reporter_deliveries(report):
    return list(Delivery.objects.filter(report=report, dedupe_key__startswith="reporter:").order_by("id"))


def link_of(report) -> str:
    return f"http://127.0.0.1:8000/tra-cuu/{report.tracking_code}/"


# --- Each public step, once ---------------------------------------------------------------


def test_received_arrives_by_email_at_the_smtp_server(smtp_server, send_report, committed):
    report = send_report(committed)

    [delivery] = reporter_deliveries(report)
    assert (delivery.channel, delivery.purpose, delivery.to_address) == (
        "email",
        "report_received",
        HOA_EMAIL,
    )
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.dedupe_key == f"reporter:report_received:{report.events.get().pk}:email"
    [received] = smtp_server.messages
    assert received["to"] == [HOA_EMAIL]
    message = received["message"]
    assert message["Subject"] == f"Đã nhận phản ánh {report.tracking_code}"
    body = message.get_content()
    assert f"Mã tra cứu: {report.tracking_code}" in body
    assert f"Theo dõi phản ánh: {link_of(report)}" in body


def test_each_public_step_queues_one_message_with_its_text(people, so_xd, phong_ht, send_report, committed):
    report = send_report(committed, contact_channel="email")
    committed(do, report, people["lan"], "accept", category="ha-tang-do-thi")
    committed(do, report, people["lan"], "dispatch", unit=so_xd.pk)
    # Passing it down to a division, assigning and approving are not the reporter's business
    committed(do, report, people["hung"], "dispatch", unit=phong_ht.pk)
    committed(do, report, people["hung"], "assign", handler=people["tuan"].pk)
    committed(do, report, people["tuan"], "submit_result", result="Đã vá ổ gà.")
    committed(do, report, people["binh"], "approve_result")
    committed(do, report, people["lan"], "verify")
    committed(do, report, people["lan"], "close")
    committed(do, report, people["lan"], "publish", public=True)
    committed(do, report, people["lan"], "reopen", reason="Ổ gà lại xuất hiện.")

    deliveries = reporter_deliveries(report)
    assert [d.purpose for d in deliveries] == [
        "report_received",
        "report_dispatched",
        "result_published",
        "report_reopened",
    ]
    assert {d.channel for d in deliveries} == {"email"}
    code = report.tracking_code
    texts = {d.purpose: d.body for d in deliveries}
    assert f"Phản ánh {code} đã được chuyển tới đơn vị" in texts["report_dispatched"]
    assert f"Phản ánh {code} đã được xử lý" in texts["result_published"]
    assert f"Phản ánh {code} được mở lại" in texts["report_reopened"]
    for delivery in deliveries:
        assert link_of(report) in delivery.body
        assert code in delivery.subject
    # The mail went out, one message per step
    assert [m.to for m in mail.outbox] == [[HOA_EMAIL]] * 4


def test_a_question_for_the_reporter_carries_the_question(people, send_report, committed):
    report = send_report(committed)

    committed(do, report, people["lan"], "request_info", question="Ổ gà ở trước số nhà nào?")

    [_received, asked] = reporter_deliveries(report)
    assert asked.purpose == "info_requested"
    code = report.tracking_code
    assert f"bổ sung thông tin cho phản ánh {code}: Ổ gà ở trước số nhà nào?" in asked.body
    assert link_of(report) in asked.body


def test_the_rejection_carries_its_reason(people, send_report, committed):
    report = send_report(committed)

    event = committed(do, report, people["lan"], "reject", reason="ngoai-pham-vi")

    [_received, rejected] = reporter_deliveries(report)
    assert rejected.purpose == "report_rejected"
    assert rejected.event_id == event.pk
    note = event.data["public_note"]
    assert note and f"không đủ điều kiện tiếp nhận. {note}" in rejected.body


def test_a_task_run_twice_queues_nothing_more(people, send_report, committed):
    from phananh.notify.services import notify_event

    report = send_report(committed)
    event = report.events.get()

    notify_event(event.pk)

    assert len(reporter_deliveries(report)) == 1


# --- The channel --------------------------------------------------------------------------


def test_only_a_phone_means_sms_to_the_gateway(sms_gateway, send_report, committed):
    report = send_report(committed, reporter_email="")

    [delivery] = reporter_deliveries(report)
    assert (delivery.channel, delivery.to_address, delivery.status) == ("sms", HOA_PHONE, DeliveryStatus.SENT)
    [request] = sms_gateway.requests
    sent = json.dumps(request["json"], ensure_ascii=False)
    assert HOA_PHONE in sent and report.tracking_code in sent and link_of(report) in sent


def test_the_chosen_channel_comes_before_email(sms_gateway, send_report, committed):
    report = send_report(committed, contact_channel="sms")

    assert [(d.channel, d.to_address) for d in reporter_deliveries(report)] == [("sms", HOA_PHONE)]
    assert not mail.outbox


def test_a_report_sent_through_zalo_is_answered_on_zalo(people, zalo_api, send_report, committed):
    report = send_report(channel="zalo")
    Report.objects.filter(pk=report.pk).update(zalo_user_id="8841234567")
    zalo_api.answer(200, {"error": 0, "message": "Success", "data": {"message_id": "abc"}})

    committed(do, report, people["lan"], "reject", reason="ngoai-pham-vi")

    [delivery] = reporter_deliveries(report)
    assert (delivery.channel, delivery.to_address, delivery.purpose) == (
        "zalo",
        "8841234567",
        "report_rejected",
    )
    assert delivery.status == DeliveryStatus.SENT
    [request] = zalo_api.requests
    sent = json.dumps(request["json"], ensure_ascii=False)
    assert "8841234567" in sent and report.tracking_code in sent


def test_anonymous_and_opted_out_reporters_get_nothing(people, send_report, committed):
    anonymous = send_report(committed, anonymous=True)
    opted_out = send_report(committed, notifications_opt_out=True)
    for report in (anonymous, opted_out):
        committed(do, report, people["lan"], "reject", reason="ngoai-pham-vi")

    assert opted_out.notifications_opt_out is True
    assert not Delivery.objects.filter(dedupe_key__startswith="reporter:").exists()
    assert not mail.outbox


# --- The templates ------------------------------------------------------------------------


def test_an_edited_template_is_used(send_report, committed):
    MessageTemplate.objects.filter(purpose="report_received", channel="email").update(
        subject="Cảm ơn bạn: {{ code }}", body="Mã {{ code }} ({{ status }}). Xem tại {{ link }}"
    )

    report = send_report(committed)

    [delivery] = reporter_deliveries(report)
    assert delivery.subject == f"Cảm ơn bạn: {report.tracking_code}"
    assert delivery.body.startswith(f"Mã {report.tracking_code} (")
    assert delivery.body.endswith(f"Xem tại {link_of(report)}")


def test_an_inactive_template_sends_nothing_and_says_so(send_report, committed, caplog):
    MessageTemplate.objects.filter(purpose="report_received", channel="email").update(is_active=False)

    with caplog.at_level(logging.WARNING, logger="phananh.notify.reporters"):
        report = send_report(committed)

    assert reporter_deliveries(report) == []
    assert "report_received" in caplog.text


def test_the_admin_refuses_a_template_that_does_not_parse(admin_user):
    # An administrator, signed in with the second factor the admin site asks for
    admin_client = signed_in(None, admin_user)
    template = MessageTemplate.objects.get(purpose="report_received", channel="sms")
    bad = {
        "purpose": "report_received",
        "channel": "sms",
        "subject": "",
        "body": "{% if code %}",
        "is_active": "on",
    }

    form = MessageTemplateForm(bad, instance=template)
    assert not form.is_valid() and "body" in form.errors

    url = f"/quan-tri/notify/messagetemplate/{template.pk}/change/"
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, bad).status_code == 200  # shown again with the error
    template.refresh_from_db()
    assert template.body != "{% if code %}"
    response = admin_client.post(url, {**bad, "body": "Mã {{ code }}: {{ link }}"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "Mã {{ code }}: {{ link }}"


# --- Choosing at intake -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"contact_channel": "sms", "reporter_phone": None}, "contact_channel", "phone_required"),
        ({"contact_channel": "email", "reporter_email": None}, "contact_channel", "email_required"),
        ({"contact_channel": "zalo"}, "contact_channel", "zalo_not_available"),
        ({"contact_channel": "fax"}, "contact_channel", "invalid_contact_channel"),
        ({"notifications_opt_out": "maybe"}, "notifications_opt_out", "invalid_type"),
    ],
)
def test_the_api_refuses_a_channel_without_its_address(client, ioc, changes, field, code):
    body = {k: v for k, v in lan_report(**changes).items() if v is not None}

    response = post_json(client, body)

    assert response.status_code == 422
    answer = response.json()
    assert field in answer["fields"], answer
    assert code in json.dumps(answer)
    assert not Report.objects.exists()


def test_the_api_keeps_the_channel_and_the_opt_out(client, ioc):
    response = post_json(client, lan_report(contact_channel="sms", notifications_opt_out=True))

    assert response.status_code == 201, response.content
    report = Report.objects.get(tracking_code=response.json()["tracking_code"])
    assert (report.contact_channel, report.notifications_opt_out) == ("sms", True)
    assert API_URL


def test_the_intake_page_offers_the_channel_and_the_opt_out(client, ioc):
    page = Page(client.get(SUBMIT_URL))

    assert page.get("contact_channel").tag == "select"
    assert page.get("notifications_opt_out").attrs["type"] == "checkbox"

    response = client.post(SUBMIT_URL, report_form(contact_channel="sms", notifications_opt_out="on"))
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.contact_channel, report.notifications_opt_out) == ("sms", True)


def test_the_intake_page_shows_a_channel_without_its_address_next_to_the_select(client, ioc):
    page = Page(client.post(SUBMIT_URL, report_form(contact_channel="email", reporter_email="")))

    assert page.status == 422
    assert page.find("contact_channel-errors") is not None
    assert not Report.objects.exists()


# --- The private link in the messages that ask something of the reporter --------------------

PRIVATE_LINK = re.compile(r"http://127\.0\.0\.1:8000(/tra-cuu/PA-\d\d-\w{6}/\?token=\S+)")


def private_path_in(body: str) -> str:
    found = PRIVATE_LINK.search(body)
    assert found, f"no private link in {body!r}"
    return found[1]


def to_result(report, people, so_xd, committed):
    committed(do, report, people["lan"], "accept", category="ha-tang-do-thi", lead_unit=so_xd.pk)
    committed(do, report, people["hung"], "assign", handler=people["tuan"].pk)
    committed(do, report, people["tuan"], "submit_result", result="Đã vá ổ gà.")
    committed(do, report, people["binh"], "approve_result")
    committed(do, report, people["lan"], "verify")


def test_a_question_and_a_result_carry_the_private_link_the_other_messages_do_not(
    people, so_xd, send_report, committed
):
    report = send_report(committed)
    committed(do, report, people["lan"], "request_info", question="Ổ gà ở trước số nhà nào?")
    committed(answer, report=Report.objects.get(pk=report.pk), text="Trước số 12")
    to_result(report, people, so_xd, committed)
    committed(do, report, people["lan"], "publish", public=True)

    texts = {d.purpose: d.body for d in reporter_deliveries(report)}
    assert set(texts) == {"report_received", "info_requested", "report_dispatched", "result_published"}
    for asking in ("info_requested", "result_published"):
        assert private_path_in(texts[asking]).startswith(f"/tra-cuu/{report.tracking_code}/?token=")
    for telling in ("report_received", "report_dispatched"):
        assert "token=" not in texts[telling]
        assert f"Theo dõi phản ánh: {link_of(report)}" in texts[telling]


def test_a_result_kept_private_is_sent_once_with_the_private_link(people, so_xd, send_report, committed):
    report = send_report(committed)
    to_result(report, people, so_xd, committed)

    committed(do, report, people["lan"], "publish", public=False)
    # Changing the decision afterwards sends nothing more
    committed(do, report, people["lan"], "publish", public=True)

    results = [d for d in reporter_deliveries(report) if d.purpose == "result_published"]
    assert len(results) == 1
    assert (
        f"Phản ánh {report.tracking_code} đã được xử lý. Mời bạn xem kết quả và đánh giá." in results[0].body
    )
    assert "token=" in results[0].body


def test_the_link_in_the_result_message_lets_the_reporter_rate(people, so_xd, send_report, committed):
    report = send_report(committed)
    to_result(report, people, so_xd, committed)
    committed(do, report, people["lan"], "publish", public=True)
    [message] = [d for d in reporter_deliveries(report) if d.purpose == "result_published"]
    hoa = Client()

    # When Hoa opens the link of the message
    response = hoa.get(private_path_in(message.body))

    # Then she is sent to the clean address of her report, where she can rate the result
    assert response.status_code == 302
    assert response["Location"] == f"/tra-cuu/{report.tracking_code}/"
    page = Page(hoa.get(response["Location"]))
    assert page.find("reporter-mode") is not None
    assert page.find("rating-form") is not None
    assert "token=" not in page.html
    response = hoa.post(f"/tra-cuu/{report.tracking_code}/danh-gia/", {"value": "satisfied"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "closed"
    assert report.ratings.get().value == "satisfied"
    # And the same link opened again later still proves her: it is her own link
    assert Client().get(private_path_in(message.body)).status_code == 302


def test_a_forged_expired_or_other_reports_token_is_refused_like_a_wrong_secret(
    people, send_report, committed, settings
):
    report = send_report(committed)
    other = send_report(committed, description="Đèn đường hỏng trước số 5")
    committed(do, report, people["lan"], "request_info", question="Ổ gà ở đâu?")
    [_, asked] = reporter_deliveries(report)
    token = private_path_in(asked.body).split("token=", 1)[1]
    url = f"/tra-cuu/{report.tracking_code}/"

    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for refused in (forged, private_link_token(other), "", "không-phải-mã"):
        page = Page(Client().get(url, {"token": refused}))
        assert page.status == 403, refused
        assert page.get("track-message").text.startswith("Đường dẫn riêng không hợp lệ.")
        assert page.find("answer-form") is None
    # Past its age, the token no longer proves anything
    with freeze_time(timezone.now() + PRIVATE_LINK_MAX_AGE + timedelta(days=1)):
        assert Client().get(url, {"token": token}).status_code == 403
    assert Client().get(url, {"token": token}).status_code == 302
