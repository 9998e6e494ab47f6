"""The report page: what it shows, to whom, with which forms; the reporter's contact; the files."""

from __future__ import annotations

import pytest

from phananh.org.models import ContactReveal, PersonalDataAccess
from phananh.reports.files import Upload
from phananh.reports.intake import validate_submission
from phananh.reports.models import Attachment
from phananh.workflow.models import EventKind
from phananh.workflow.submission import report_submit
from tests.conftest import jpeg_bytes

from .conftest import action_forms_shown, page_text, report_url, status_shown

pytestmark = pytest.mark.django_db

PHONE = "0912345678"


@pytest.fixture
def with_photo(ioc, ward):
    """A report sent with a photo, a place, an address and the reporter's name and phone."""

    def make(**values):
        raw = {
            "description": "Ổ gà lớn trên đường Bà Triệu",
            "consent": True,
            "reporter_name": "Nguyễn Văn Nam",
            "reporter_phone": PHONE,
            "latitude": "21.846870",
            "longitude": "106.757560",
            "address": "Số 12 đường Bà Triệu",
            "commune": ward.pk,
            **values,
        }
        submission = validate_submission(raw, channel="web")
        return report_submit(submission=submission, photos=[Upload("o-ga.jpg", jpeg_bytes(640, 480))]).report

    return make


def test_the_page_shows_the_report_its_place_photos_steps_and_timeline(people, login, with_photo):
    report = with_photo(title="Ổ gà Bà Triệu")
    photo = report.attachments.get()

    response = login(people["lan"]).get(report_url(report))

    assert response.status_code == 200
    html = page_text(response)
    assert status_shown(response) == "Mới gửi"
    assert "Ổ gà Bà Triệu" in html and "Ổ gà lớn trên đường Bà Triệu" in html
    assert "Số 12 đường Bà Triệu" in html and "Phường Lương Văn Tri" in html
    assert 'id="place-map" class="map place-map" data-lat="21.846870" data-lon="106.757560"' in html
    # The thumbnail links to the full-size photo, both through the staff-only view
    assert f'<a href="/can-bo/tep/{photo.pk}/" class="thumb"' in html
    assert f'src="/can-bo/tep/{photo.pk}/thumb/"' in html
    assert "/media/" not in html
    # The reception step and its deadline, and the first event of the timeline
    assert 'data-kind="reception" data-state="running"' in html
    assert 'data-kind="submitted"' in html
    assert "Người dân gửi phản ánh" in html


def test_each_person_gets_the_forms_of_the_actions_they_may_take(people, login, submit, act, road, so_xd):
    report = submit()

    # A new report: the IOC operator decides; the call agent and the steering committee only read
    assert action_forms_shown(login(people["lan"]).get(report_url(report))) == [
        "accept",
        "reject",
        "merge",
        "request_info",
    ]
    for name in ("minh", "quang", "an"):
        page = login(people[name]).get(report_url(report))
        assert action_forms_shown(page) == [], name
        assert 'id="no-actions"' in page_text(page)
    # Units do not see a report before it is dispatched to them
    for name in ("hung", "binh", "tuan", "charlie"):
        assert login(people[name]).get(report_url(report)).status_code == 404, name

    act(report, people["lan"], "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)

    # Dispatched: the unit's desk takes over, and the IOC waits
    unit_forms = ["request_info", "dispatch", "return", "assign", "request_extension"]
    assert action_forms_shown(login(people["hung"]).get(report_url(report))) == unit_forms
    assert action_forms_shown(login(people["binh"]).get(report_url(report))) == unit_forms
    assert action_forms_shown(login(people["lan"]).get(report_url(report))) == []
    assert login(people["charlie"]).get(report_url(report)).status_code == 404

    act(report, people["hung"], "assign", handler=people["tuan"].pk)

    # Assigned: the handler works; the leader waits for the result
    assert action_forms_shown(login(people["tuan"]).get(report_url(report))) == [
        "request_info",
        "request_extension",
        "submit_result",
    ]

    act(report, people["tuan"], "submit_result", result="Đã vá ổ gà.")

    assert action_forms_shown(login(people["binh"]).get(report_url(report))) == ["approve_result"]
    assert action_forms_shown(login(people["hung"]).get(report_url(report))) == []
    assert action_forms_shown(login(people["tuan"]).get(report_url(report))) == []


def test_the_action_forms_offer_the_right_choices(
    people, login, submit, act, road, ioc, so_xd, phong_ht, so_yt
):
    report = submit()
    html = page_text(login(people["lan"]).get(report_url(report)))
    # Accept: the fields, the urgencies, the handling units (never the IOC itself)
    assert '<option value="ha-tang-do-thi"' in html
    assert 'name="urgency" value="urgent"' in html
    assert f'<option value="{so_xd.pk}"' in html and f'<option value="{so_yt.pk}"' in html
    assert f'<option value="{ioc.pk}"' not in html
    # Reject: the active reasons
    assert '<option value="ngoai-dia-ban"' in html

    act(report, people["lan"], "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)
    html = page_text(login(people["hung"]).get(report_url(report)))
    # Dispatch further down: only the unit's own divisions, and no deadline (the IOC sets it)
    dispatch_form = html.split('id="form-dispatch"')[1].split("</form>")[0]
    assert f'<option value="{phong_ht.pk}"' in dispatch_form
    assert f'<option value="{so_yt.pk}"' not in dispatch_form
    assert 'name="deadline"' not in dispatch_form
    # Assign: the staff of the unit's subtree who can handle, not charlie
    assign_form = html.split('id="form-assign"')[1].split("</form>")[0]
    for name in ("hung", "binh", "tuan"):
        assert f'<option value="{people[name].pk}"' in assign_form
    assert f'<option value="{people["charlie"].pk}"' not in assign_form


def test_the_publish_form_says_when_the_reporter_asked_for_privacy(people, login, submit, act, road, so_xd):
    lan, hung, tuan, binh = people["lan"], people["hung"], people["tuan"], people["binh"]
    report = submit(public=False)
    act(report, lan, "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)
    act(report, hung, "assign", handler=tuan.pk)
    act(report, tuan, "submit_result", result="Đã vá.")
    act(report, binh, "approve_result")
    act(report, lan, "verify")

    html = page_text(login(lan).get(report_url(report)))

    publish = html.split('id="form-publish"')[1].split("</form>")[0]
    assert "Người phản ánh đề nghị không công khai phản ánh này." in publish
    assert 'name="public" value="no" checked' in publish


def test_the_contact_is_hidden_from_the_unit_until_the_ioc_reveals_it(
    people, login, with_photo, act, road, so_xd
):
    lan, hung = people["lan"], people["hung"]
    report = with_photo()
    act(report, lan, "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)

    # The unit does not see the contact, and nothing is logged for it
    page = page_text(login(hung).get(report_url(report)))
    assert PHONE not in page and "Nguyễn Văn Nam" not in page
    assert 'id="contact-hidden"' in page
    assert not PersonalDataAccess.objects.filter(user=hung).exists()

    # The IOC sees it, and its read is logged
    ioc = login(lan)
    page = page_text(ioc.get(report_url(report)))
    assert PHONE in page and "Nguyễn Văn Nam" in page
    assert PersonalDataAccess.objects.filter(user=lan, report=report, via="page").count() == 1
    assert 'id="form-reveal_contact"' in page

    # When the IOC reveals it to the lead unit, giving a reason
    response = ioc.post(
        f"/can-bo/phan-anh/{report.tracking_code}/lien-he/", {"reason": "Cần liên hệ để xác minh."}
    )
    assert response.status_code == 302

    # Then the unit sees it, its read is logged, and the timeline says who revealed it to whom
    page = page_text(login(hung).get(report_url(report)))
    assert PHONE in page and "Nguyễn Văn Nam" in page
    assert PersonalDataAccess.objects.filter(user=hung, report=report, via="page").count() == 1
    assert ContactReveal.objects.get(report=report).unit == so_xd
    assert report.events.filter(kind=EventKind.CONTACT_REVEALED).count() == 1
    # And charlie still cannot open the report at all
    assert login(people["charlie"]).get(report_url(report)).status_code == 404


def test_revealing_the_contact_needs_a_reason_and_the_ioc(people, login, with_photo, act, road, so_xd):
    report = with_photo()
    act(report, people["lan"], "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)
    url = f"/can-bo/phan-anh/{report.tracking_code}/lien-he/"

    missing = login(people["lan"]).post(url, {"reason": "  "}, headers={"HX-Request": "true"})
    by_unit = login(people["hung"]).post(url, {"reason": "Tôi muốn gọi"}, headers={"HX-Request": "true"})

    assert missing.status_code == 422
    assert 'id="reveal_contact-reason-errors"><li>Hãy nêu lý do.</li></ul>' in page_text(missing)
    assert by_unit.status_code == 403
    assert "Vai trò của bạn không được thực hiện thao tác này." in page_text(by_unit)
    assert not ContactReveal.objects.exists()


def test_files_are_served_only_to_those_who_may_see_the_report(people, login, with_photo, act, road, so_xd):
    report = with_photo()
    photo = Attachment.objects.get(report=report)
    full, thumb = f"/can-bo/tep/{photo.pk}/", f"/can-bo/tep/{photo.pk}/thumb/"

    # The IOC gets the photo and its thumbnail
    ioc = login(people["lan"])
    response = ioc.get(full)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert "private" in response["Cache-Control"]
    assert ioc.get(thumb).status_code == 200
    # A unit gets neither before the report is dispatched to it; charlie never
    for name in ("hung", "charlie"):
        assert login(people[name]).get(full).status_code == 404
        assert login(people[name]).get(thumb).status_code == 404

    act(report, people["lan"], "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)

    assert login(people["hung"]).get(full).status_code == 200
    assert login(people["charlie"]).get(full).status_code == 404
    assert ioc.get("/can-bo/tep/999999/").status_code == 404


def test_another_units_report_is_not_found_on_any_of_its_pages(people, login, submit, act, road, so_xd):
    report = submit()
    act(report, people["lan"], "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)
    charlie = login(people["charlie"])
    code = report.tracking_code

    assert charlie.get(f"/can-bo/phan-anh/{code}/").status_code == 404
    assert charlie.post(f"/can-bo/phan-anh/{code}/thao-tac/return/", {"reason": "x"}).status_code == 404
    assert charlie.post(f"/can-bo/phan-anh/{code}/lien-he/", {"reason": "x"}).status_code == 404
    assert charlie.get("/can-bo/phan-anh/PA-26-ZZZZZZ/").status_code == 404
    report.refresh_from_db()
    assert report.status == "dispatched"
