"""The page of undelivered messages speaks Vietnamese: what the message was, to whom, why it failed;
its count stands apart from the bell's."""

from __future__ import annotations

import pytest

from phananh.notify.models import Delivery, DeliveryStatus, Notification

from .conftest import page_text

pytestmark = pytest.mark.django_db

URL = "/can-bo/gui-tin/"


def failed(report, purpose: str, to: str, error: str, channel: str = "sms") -> Delivery:
    return Delivery.objects.create(
        channel=channel,
        to_address=to,
        body="x",
        purpose=purpose,
        report=report,
        dedupe_key=f"{purpose}:{to}",
        status=DeliveryStatus.DEAD,
        attempts=6,
        last_error=error,
    )


def cell(html: str, delivery: Delivery, name: str) -> str:
    row = html.split(f'data-id="{delivery.pk}"')[1].split("</tr>")[0]
    return row.split(f'class="{name}"')[1].split("</td>")[0]


def test_lan_reads_what_failed_to_whom_and_why_in_vietnamese(people, login, submit):
    report = submit()
    hung = people["hung"]
    hung.full_name, hung.email = "Trần Văn Hưng", "hung@soxd.example.vn"
    hung.save()
    sms = failed(report, "report_received", "0912345678", "HTTP 503 Service Unavailable")
    zalo = failed(report, "follower_event", "84123", "Zalo error -213: user has not followed the OA", "zalo")
    staff = failed(report, "staff_deadline_passed", hung.email, "SMTP 550 5.1.1 mailbox unavailable", "email")

    html = page_text(login(people["lan"]).get(URL))

    assert "Đã tiếp nhận phản ánh" in cell(html, sms, "purpose")
    assert "Người phản ánh" in cell(html, sms, "to")
    assert "Cổng gửi tin từ chối tin nhắn (lỗi HTTP 503)." in cell(html, sms, "error")
    assert "Tin về phản ánh đang theo dõi" in cell(html, zalo, "purpose")
    assert "Người theo dõi phản ánh" in cell(html, zalo, "to")
    assert "Zalo từ chối tin nhắn (lỗi -213)." in cell(html, zalo, "error")
    assert "Cán bộ: Trần Văn Hưng" in cell(html, staff, "to")
    assert "h***@soxd.example.vn" in cell(html, staff, "to")
    assert "Máy chủ thư từ chối thư (lỗi 550)." in cell(html, staff, "error")
    # The gateway's own words stay beside the translation, for whoever fixes the channel.
    assert "HTTP 503 Service Unavailable" in cell(html, sms, "error")


def test_the_bell_counts_notifications_and_the_envelope_counts_undelivered_messages(people, login, submit):
    report = submit()
    for n in range(2):
        failed(report, "report_received", f"09123456{n}0", "HTTP 500 Internal Server Error")
    Notification.objects.create(
        recipient=people["lan"], kind="deadline_near", text="Sắp đến hạn", report=report
    )

    html = page_text(login(people["lan"]).get("/can-bo/"))

    assert '<span class="bell-count" id="bell-count">1</span>' in html
    assert 'aria-label="2 tin chưa gửi được">2</span>' in html


def test_a_unit_sees_no_undelivered_count(people, login, submit):
    failed(submit(), "report_received", "0912345678", "HTTP 500 Internal Server Error")

    html = page_text(login(people["hung"]).get("/can-bo/"))

    assert 'id="deliveries-link"' not in html
    assert "deliveries-count" not in html
