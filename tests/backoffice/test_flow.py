"""A report through the pages, from the IOC to the unit and back; htmx answers; errors; the bell."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from phananh.notify.models import Notification
from phananh.reports.models import Attachment, Report
from phananh.workflow.models import EventKind
from tests.conftest import jpeg_bytes

from .conftest import action_url, page_text, report_url, status_shown

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def post_action(client, report, action, data=None, **kwargs):
    """Post an action form as a browser without JavaScript does: then follow the redirect."""
    report.refresh_from_db()
    payload = {"version": report.version, **(data or {})}
    return client.post(action_url(report, action), payload, follow=True, **kwargs)


def test_a_report_goes_through_the_pages_from_reception_to_closure(people, login, submit, road, so_xd):
    lan, hung, tuan, binh = (login(people[n]) for n in ("lan", "hung", "tuan", "binh"))
    report = submit()
    assert status_shown(lan.get(report_url(report))) == "Mới gửi"

    # The IOC accepts and classifies it, then dispatches it to Sở Xây dựng
    page = post_action(lan, report, "accept", {"category": road.code, "urgency": "normal"})
    assert page.redirect_chain == [(report_url(report), 302)]
    assert status_shown(page) == "Đã tiếp nhận"
    assert "Tiếp nhận và phân loại" in page_text(page)  # the confirmation names the action

    page = post_action(lan, report, "dispatch", {"unit": so_xd.pk, "note": "Đề nghị xử lý trong tuần."})
    assert status_shown(page) == "Đã chuyển xử lý"

    # The unit's focal point assigns a handler of its division
    page = post_action(hung, report, "assign", {"handler": people["tuan"].pk})
    assert status_shown(page) == "Đang xử lý"

    # The handler submits the result with a photo
    photo = SimpleUploadedFile("sau-khi-va.jpg", jpeg_bytes(800, 600), content_type="image/jpeg")
    page = post_action(
        tuan, report, "submit_result", {"result": "Đã vá ổ gà bằng bê tông nhựa.", "photos": photo}
    )
    assert status_shown(page) == "Chờ lãnh đạo duyệt kết quả"
    result_photo = Attachment.objects.get(report=report, event__kind=EventKind.RESULT_SUBMITTED)

    # The unit's leader sees the result's photo on the timeline and approves
    page = binh.get(report_url(report))
    assert f'src="/can-bo/tep/{result_photo.pk}/thumb/"' in page_text(page)
    assert binh.get(f"/can-bo/tep/{result_photo.pk}/").status_code == 200
    page = post_action(binh, report, "approve_result", {"approve": "yes"})
    assert status_shown(page) == "Chờ IOC kiểm tra kết quả"

    # The IOC verifies, publishes and closes
    page = post_action(lan, report, "verify", {"note": "Đã kiểm tra qua hình ảnh."})
    assert status_shown(page) == "Đã xử lý"
    page = post_action(lan, report, "publish", {"public": "yes"})
    assert status_shown(page) == "Đã xử lý"
    assert "Đã công khai" in page_text(page)  # the timeline's event
    page = post_action(lan, report, "close")
    assert status_shown(page) == "Đã đóng"

    report.refresh_from_db()
    assert report.status == "closed" and report.is_public is True
    assert list(report.events.values_list("kind", flat=True)) == [
        "submitted",
        "accepted",
        "dispatched",
        "assigned",
        "result_submitted",
        "result_approved",
        "verified",
        "published",
        "closed",
    ]
    # Every event is on the page, with who acted and for which unit
    html = page_text(page)
    assert html.count("<li data-kind=") == 9
    assert "Sở Xây dựng" in html and "hung" in html and "tuan" in html


def test_an_htmx_action_answers_with_the_report_panel_only(people, login, submit, road):
    report = submit()

    response = login(people["lan"]).post(
        action_url(report, "accept"),
        {"category": road.code, "urgency": "urgent", "version": report.version},
        headers=HTMX,
    )

    assert response.status_code == 200
    html = page_text(response)
    assert "<html" not in html and "<body" not in html
    assert html.startswith('<div id="report-panel"')
    assert status_shown(response) == "Đã tiếp nhận"
    assert 'id="panel-message"' in html
    assert response["X-Report-Panel"] == "1"
    # The same report page, asked for by htmx, is the panel too
    partial = login(people["lan"]).get(report_url(report), headers=HTMX)
    assert page_text(partial).startswith('<div id="report-panel"')


def test_a_missing_field_answers_422_with_the_message_next_to_the_field(people, login, submit, act, road):
    report = submit()
    act(report, people["lan"], "accept", category=road.code, urgency="normal")

    response = login(people["lan"]).post(
        action_url(report, "dispatch"), {"unit": "", "version": 1}, headers=HTMX
    )

    assert response.status_code == 422
    html = page_text(response)
    assert "<html" not in html
    assert 'id="panel-message"' in html and "Một số thông tin còn thiếu hoặc không hợp lệ." in html
    assert '<ul class="errors" id="dispatch-unit-errors"><li>Trường này là bắt buộc.</li></ul>' in html
    assert '<select id="dispatch-unit" name="unit" aria-invalid="true"' in html
    assert '<details class="action" id="action-dispatch" open>' in html
    report.refresh_from_db()
    assert report.status == "accepted"


def test_an_error_of_the_service_lands_next_to_its_field_and_keeps_the_input(
    people, login, submit, act, road, so_xd
):
    report = submit()
    act(report, people["lan"], "accept", category=road.code, urgency="normal")
    yesterday = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = login(people["lan"]).post(
        action_url(report, "dispatch"),
        {"unit": so_xd.pk, "deadline": yesterday, "note": "Gấp", "version": 1},
        headers=HTMX,
    )

    assert response.status_code == 422
    html = page_text(response)
    errors = html.split('<ul class="errors" id="dispatch-deadline-errors">')[1].split("</ul>")[0]
    assert errors == "<li>Hạn xử lý phải ở thời điểm sau hiện tại.</li>"
    assert f'value="{yesterday}"' in html
    assert f'<option value="{so_xd.pk}" selected>' in html
    assert ">Gấp</textarea>" in html


def test_without_javascript_an_error_shows_the_whole_page_with_the_form_open(people, login, submit):
    report = submit()

    response = login(people["lan"]).post(action_url(report, "reject"), {"reason": "", "version": 0})

    assert response.status_code == 422
    html = page_text(response)
    assert "<html" in html
    assert '<details class="action" id="action-reject" open>' in html
    assert 'id="reject-reason-errors"' in html


def test_an_action_no_longer_possible_answers_409_with_the_current_status(
    people, login, submit, act, road, so_xd
):
    # Given a report the IOC already dispatched
    report = submit()
    act(report, people["lan"], "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)

    # When a second operator, whose page is old, accepts it again
    response = login(people["lan"]).post(
        action_url(report, "accept"), {"category": road.code, "urgency": "normal", "version": 0}, headers=HTMX
    )

    # Then the answer is 409 and the panel shows the status the report has now
    assert response.status_code == 409
    assert status_shown(response) == "Đã chuyển xử lý"
    assert "“Đã chuyển xử lý”" in page_text(response).split('id="panel-message"')[1].split("</p>")[0]


def test_a_page_out_of_date_cannot_overwrite_a_newer_change(people, login, submit, act, road, so_xd, so_yt):
    # Given a report accepted by the IOC, then dispatched by one operator
    report = submit()
    act(report, people["lan"], "accept", category=road.code, urgency="normal")
    seen = Report.objects.get(pk=report.pk).version
    act(report, people["lan"], "reject", reason="trung-lap")
    act(report, people["lan"], "reopen", reason="Nhầm lẫn")
    act(report, people["lan"], "accept", category=road.code, urgency="normal")

    # When another operator sends the dispatch form of the page drawn before those changes
    response = login(people["lan"]).post(
        action_url(report, "dispatch"), {"unit": so_yt.pk, "version": seen}, headers=HTMX
    )

    # Then nothing happens: 409, and the report is still waiting for its dispatch
    assert response.status_code == 409
    assert status_shown(response) == "Đã tiếp nhận"
    report.refresh_from_db()
    assert report.status == "accepted" and report.lead_unit is None


def test_an_action_outside_ones_role_answers_403(people, login, submit):
    report = submit()

    response = login(people["minh"]).post(
        action_url(report, "accept"), {"category": "ha-tang-do-thi", "urgency": "normal"}, headers=HTMX
    )

    assert response.status_code == 403
    assert "Vai trò của bạn không được thực hiện thao tác này." in page_text(response)
    assert status_shown(response) == "Mới gửi"


def test_unknown_actions_are_not_found_and_a_get_goes_back_to_the_report(people, login, submit):
    report = submit()
    client = login(people["lan"])

    assert client.post(action_url(report, "explode"), {}).status_code == 404
    response = client.get(action_url(report, "accept"))
    assert response.status_code == 302 and response["Location"] == report_url(report)


def test_the_bell_counts_unread_notifications_and_the_list_marks_them_read(
    people, login, submit, road, so_xd, django_capture_on_commit_callbacks
):
    hung = login(people["hung"])
    assert 'id="bell-count"' not in page_text(hung.get("/can-bo/"))

    # Given the IOC dispatches a report to Sở Xây dựng through its page
    report = submit()
    with django_capture_on_commit_callbacks(execute=True):
        post_action(
            login(people["lan"]),
            report,
            "accept",
            {"category": road.code, "urgency": "normal", "lead_unit": so_xd.pk},
        )
    Notification.objects.create(recipient=people["hung"], kind="test", text="Nhắc việc")

    # Then the unit's focal point has two unread notifications on the bell
    assert '<span class="bell-count" id="bell-count">2</span>' in page_text(hung.get("/can-bo/"))

    # When he opens the list, both are shown as new, with a link to the report
    page = page_text(hung.get("/can-bo/thong-bao/"))
    assert page.count('class="new-mark"') == 2
    assert f'href="/can-bo/phan-anh/{report.tracking_code}/"' in page

    # Then they are read: the bell is empty, and the list no longer marks them new
    assert not Notification.objects.filter(recipient=people["hung"], read_at__isnull=True).exists()
    again = page_text(hung.get("/can-bo/thong-bao/"))
    assert 'id="bell-count"' not in again and 'class="new-mark"' not in again
    # And nobody else's notifications are counted for him
    assert Notification.objects.filter(recipient=people["binh"]).count() == 1


def test_mark_all_as_read(people, login):
    for n in range(30):
        Notification.objects.create(recipient=people["tuan"], kind="test", text=f"Việc {n}")
    tuan = login(people["tuan"])

    tuan.get("/can-bo/thong-bao/")
    assert Notification.objects.filter(read_at__isnull=True).count() == 5

    response = tuan.post("/can-bo/thong-bao/")

    assert response.status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_the_handler_asks_for_an_extension_and_the_ioc_grants_it(people, login, submit, act, road, so_xd):
    lan, hung, tuan = people["lan"], people["hung"], people["tuan"]
    report = submit()
    act(report, lan, "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)
    act(report, hung, "assign", handler=tuan.pk)
    first = report.steps.get(kind="handling").deadline
    asked = timezone.localtime(first + timedelta(days=7)).replace(second=0, microsecond=0)

    # The handler asks for a later date through the form (a datetime-local input, local time)
    page = post_action(
        login(tuan),
        report,
        "request_extension",
        {"deadline": asked.strftime("%Y-%m-%dT%H:%M"), "reason": "Chờ vật liệu nhựa đường."},
    )
    assert status_shown(page) == "Đang xử lý"
    assert 'id="pending-extension"' in page_text(page)
    # A second request while the first waits is refused
    again = login(tuan).post(
        action_url(report, "request_extension"),
        {"deadline": asked.strftime("%Y-%m-%dT%H:%M"), "reason": "Thêm lần nữa", "version": report.version},
        headers=HTMX,
    )
    assert again.status_code in (403, 409)

    # The IOC, who dispatched it, sees the request and grants it
    ioc_page = page_text(login(lan).get(report_url(report)))
    assert "Chờ vật liệu nhựa đường." in ioc_page.split('id="form-decide_extension"')[1].split("</form>")[0]
    page = post_action(login(lan), report, "decide_extension", {"approve": "yes"})

    step = report.steps.get(kind="handling")
    assert step.deadline == asked and step.original_deadline == first
    assert 'data-kind="handling" data-state="running"' in page_text(page)
    assert "Đã duyệt đề nghị gia hạn" in page_text(page)
    assert 'id="pending-extension"' not in page_text(page)
