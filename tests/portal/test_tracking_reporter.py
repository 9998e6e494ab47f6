"""The reporter on the tracking page: private link, answer with a photo, result, rating, reopening.

The reporter sends a report through the API and keeps its secret; the private link proves it
once, then the session remembers it. Lan and her colleagues act through the workflow service.
Strings are compared with their Vietnamese translation (`vi`), as the page shows them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from phananh.notify.models import Notification
from phananh.reports.files import Upload
from phananh.reports.models import Attachment, Rating, RatingValue, Report
from phananh.reports.statuses import Status
from phananh.workflow.models import EventKind
from phananh.workflow.services import transition
from tests.conftest import jpeg_bytes
from tests.portal.test_pages import Page
from tests.staff import signed_in
from tests.workflow import conftest as workflow

pytestmark = pytest.mark.django_db

# The workflow's named people and units (tests/workflow/conftest.py), as this module's fixtures.
people, submit = workflow.people, workflow.submit
so_xd, phong_ht, so_yt = workflow.so_xd, workflow.phong_ht, workflow.so_yt

WRONG_SECRET = (
    "This private link is not valid. Open the link you received when you sent the report, "
    "and check that it was copied in full."
)


def vi(text: str) -> str:
    with translation.override("vi"):
        return gettext(text)


def label(choice) -> str:
    with translation.override("vi"):
        return str(choice.label)


def photo(name: str = "cong.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


@pytest.fixture
def sent(people):
    """A report sent through the API: its tracking code and secret, as the reporter's app keeps them."""
    response = Client().post(
        "/api/v1/reports",
        {
            "description": "Cống bị tắc gần chợ Đông Kinh",
            "reporter_name": "Trần Thị Hoa",
            "reporter_phone": "0912345678",
            "reporter_email": "hoa.tran@example.vn",
            "consent": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    return response.json()


def report_of(sent) -> Report:
    return Report.objects.get(tracking_code=sent["tracking_code"])


def track_url(sent) -> str:
    return f"/tra-cuu/{sent['tracking_code']}/"


@pytest.fixture
def reporter(sent) -> Client:
    """The reporter's browser, after opening the private link once."""
    browser = Client()
    response = browser.get(track_url(sent), {"secret": sent["secret"]})
    assert response.status_code == 302
    return browser


def do(report, user, action, **data):
    """A staff member takes a workflow action."""
    return transition(report=report, actor=user, action=action, data=data)


def handle(report, people, so_xd, result="Đã nạo vét cống.", photos=()):
    """From accepted (or reopened) to verified: dispatch, assign, result, approval, verification."""
    report.refresh_from_db()
    if report.status == Status.SUBMITTED:
        do(report, people["lan"], "accept", category="ha-tang-do-thi", lead_unit=so_xd.pk)
    if report.status == Status.DISPATCHED:
        do(report, people["hung"], "assign", handler=people["tuan"].pk)
    transition(
        report=report, actor=people["tuan"], action="submit_result", data={"result": result}, photos=photos
    )
    do(report, people["binh"], "approve_result")
    do(report, people["lan"], "verify")


def test_the_reporter_goes_from_a_question_to_a_second_rating(
    people, so_xd, sent, reporter, django_capture_on_commit_callbacks
):
    report = report_of(sent)
    lan = people["lan"]
    public = Client()

    # Given the IOC asks the reporter where exactly the drain is
    do(report, lan, "request_info", question="Cống ở đầu hay cuối chợ?")

    # Then the reporter's page shows the question and a form to answer; the public sees the question only
    page = Page(reporter.get(track_url(sent)))
    assert page.status == 200
    assert page.get("question").text == "Cống ở đầu hay cuối chợ?"
    assert page.find("answer-form") is not None
    assert sent["secret"] not in page.html
    public_page = Page(public.get(track_url(sent)))
    assert public_page.find("answer-form") is None
    assert "Cống ở đầu hay cuối chợ?" in public_page.html  # the question is on the public timeline

    # When the reporter sends an empty answer, the error is next to the answer field
    page = Page(reporter.post(f"{track_url(sent)}bo-sung/", {"text": "  "}))
    assert page.status == 422
    assert page.error_after("answer-text") == vi("Write your answer.")

    # When the reporter answers with text and a photo
    response = reporter.post(
        f"{track_url(sent)}bo-sung/", {"text": "Ở cuối chợ, cạnh cột điện", "photos": [photo()]}
    )

    # Then the report goes back to the IOC, with the answer and its photo on the timeline
    assert response.status_code == 302
    assert response["Location"] == track_url(sent)
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    answer_photo = Attachment.objects.get(report=report, event__kind=EventKind.INFO_PROVIDED)
    page = Page(reporter.get(track_url(sent)))
    assert page.find("answer-form") is None
    assert "Ở cuối chợ, cạnh cột điện" in page.html
    thumb = f"{track_url(sent)}anh/{answer_photo.pk}/nho/"
    assert f'src="{thumb}"' in page.html
    # And the photo is served to the reporter, and to no one else
    assert reporter.get(thumb)["Content-Type"] == "image/jpeg"
    assert public.get(thumb).status_code == 404
    assert "Ở cuối chợ" not in public.get(track_url(sent)).content.decode()

    # Given the report is handled and the result verified, not yet published
    result_photo = Upload("sau.jpg", jpeg_bytes(320, 240))
    handle(report, people, so_xd, result="Đã nạo vét toàn bộ cống.", photos=[result_photo])
    done = Attachment.objects.get(report=report, event__kind=EventKind.RESULT_SUBMITTED)
    done_url = f"{track_url(sent)}anh/{done.pk}/"

    # Then the reporter sees the result with its photo; the public sees neither yet
    page = Page(reporter.get(track_url(sent)))
    assert page.get("result-text").text == "Đã nạo vét toàn bộ cống."
    assert reporter.get(done_url).status_code == 200
    assert Page(public.get(track_url(sent))).find("result") is None
    assert public.get(done_url).status_code == 404

    # When the IOC publishes and closes it
    do(report, lan, "publish", public=True)
    do(report, lan, "close")

    # Then everyone sees the result and its photo, and the reporter is asked to rate it
    public_page = Page(public.get(track_url(sent)))
    assert public_page.get("result-text").text == "Đã nạo vét toàn bộ cống."
    assert public.get(done_url).status_code == 200
    assert public_page.find("rating-form") is None
    page = Page(reporter.get(track_url(sent)))
    assert [o.attrs["value"] for o in page.get("rating-value").iter() if o.tag == "input"] == [
        "satisfied",
        "acceptable",
        "unsatisfied",
    ]
    assert page.get("rating-value").text == " ".join(label(v) for v in RatingValue)

    # When the reporter sends the rating without choosing, the error is next to the choices
    page = Page(reporter.post(f"{track_url(sent)}danh-gia/", {"comment": "?"}))
    assert page.status == 422
    assert page.error_after("rating-value")

    # When the reporter is not satisfied
    with django_capture_on_commit_callbacks(execute=True):
        response = reporter.post(
            f"{track_url(sent)}danh-gia/", {"value": "unsatisfied", "comment": "Cống lại tắc sau hai ngày."}
        )

    # Then the rating is shown instead of the form, and on the public timeline without the comment
    assert response.status_code == 302
    page = Page(reporter.get(track_url(sent)))
    assert page.find("rating-form") is None
    assert page.get("rating-given").text == label(RatingValue.UNSATISFIED)
    public_html = public.get(track_url(sent)).content.decode()
    assert label(RatingValue.UNSATISFIED) in public_html
    assert "Cống lại tắc" not in public_html
    # And the operators were told, and the report waits in their "unsatisfied" tab
    assert Notification.objects.filter(recipient=lan, report=report, kind=EventKind.RATED).exists()
    console = signed_in(Client(), lan)
    assert sent["tracking_code"] in console.get("/can-bo/?tab=unsatisfied").content.decode()

    # When the reporter tries to rate the same closure again, it is refused
    page = Page(reporter.post(f"{track_url(sent)}danh-gia/", {"value": "satisfied"}))
    assert page.status == 409
    assert page.get("track-message").text == vi("You have already rated this result.")
    assert Rating.objects.filter(report=report).count() == 1

    # When Lan reopens it, the review is done: the tab is empty and no rating is asked
    report.refresh_from_db()
    do(report, lan, "reopen", reason="Người dân phản ánh cống tắc lại.")
    report.refresh_from_db()
    assert report.review_requested_at is None
    assert sent["tracking_code"] not in console.get("/can-bo/?tab=unsatisfied").content.decode()
    assert Page(reporter.get(track_url(sent))).find("rating") is None

    # When it is handled and closed again, the reporter may rate this second closure
    handle(report, people, so_xd, result="Đã thay cống mới.")
    do(report, lan, "close")
    page = Page(reporter.get(track_url(sent)))
    assert page.get("result-text").text == "Đã thay cống mới."
    assert page.find("rating-form") is not None
    response = reporter.post(f"{track_url(sent)}danh-gia/", {"value": "satisfied"})
    assert response.status_code == 302
    assert list(Rating.objects.filter(report=report).values_list("closure", "value")) == [
        (1, "unsatisfied"),
        (2, "satisfied"),
    ]
    assert Page(reporter.get(track_url(sent))).get("rating-given").text == label(RatingValue.SATISFIED)


def test_the_secret_leaves_the_address_at_once(sent):
    browser = Client()

    response = browser.get(track_url(sent), {"secret": sent["secret"]})

    # Then the browser is sent to the clean address, where it is recognised as the reporter
    assert response.status_code == 302
    assert response["Location"] == track_url(sent)
    page = Page(browser.get(response["Location"]))
    assert page.find("reporter-mode") is not None
    assert sent["secret"] not in page.html
    assert "no-store" in browser.get(track_url(sent))["Cache-Control"]


def test_a_wrong_secret_is_told_plainly_and_gives_no_access(sent, people):
    do(report_of(sent), people["lan"], "request_info", question="Cống ở đâu?")
    browser = Client()

    page = Page(browser.get(track_url(sent), {"secret": "not-the-secret"}))

    # Then a Vietnamese message says the link is not valid, and no reporter's form is shown
    assert page.status == 403
    assert page.language == "vi"
    assert page.get("track-message").text == vi(WRONG_SECRET)
    assert page.find("answer-form") is None
    assert page.find("reporter-mode") is None
    # And nothing of the reporter leaks, nor is the browser remembered as the reporter
    for personal in ("Trần Thị Hoa", "0912345678", "hoa.tran@example.vn"):
        assert personal not in page.html
    assert Page(browser.get(track_url(sent))).find("answer-form") is None
    response = browser.post(f"{track_url(sent)}bo-sung/", {"text": "Ở cuối chợ"})
    assert response.status_code == 403
    assert report_of(sent).status == Status.INFO_REQUESTED


def test_a_wrong_secret_on_an_unknown_code_is_a_plain_404(db):
    assert Client().get("/tra-cuu/PA-26-ZZZZZZ/", {"secret": "x"}).status_code == 404


def test_the_private_link_works_again_when_the_session_is_gone(sent, reporter, people):
    do(report_of(sent), people["lan"], "request_info", question="Cống ở đâu?")
    reporter.logout()  # the session ends (cookies cleared, or two weeks passed)

    # Then the page no longer shows the reporter's form, and an answer is refused
    assert Page(reporter.get(track_url(sent))).find("answer-form") is None
    page = Page(reporter.post(f"{track_url(sent)}bo-sung/", {"text": "Ở cuối chợ"}))
    assert page.status == 403
    assert page.get("track-message").text == vi(
        "To do this, open the private link you received when you sent the report."
    )

    # When the private link is opened again, the reporter can answer
    reporter.get(track_url(sent), {"secret": sent["secret"]})
    response = reporter.post(f"{track_url(sent)}bo-sung/", {"text": "Ở cuối chợ"})
    assert response.status_code == 302
    assert report_of(sent).status == Status.SUBMITTED


def test_the_proof_is_for_one_report_only(sent, reporter, people, submit):
    # Given another report, on which the IOC asks a question
    other_report = submit("Đèn đường hỏng trước số 5 phố Bà Triệu")
    do(other_report, people["lan"], "request_info", question="Đèn ở đâu?")

    # Then the reporter of the first report cannot answer for it
    url = f"/tra-cuu/{other_report.tracking_code}/"
    assert Page(reporter.get(url)).find("answer-form") is None
    assert reporter.post(f"{url}bo-sung/", {"text": "Ở đây"}).status_code == 403


def test_the_reporter_cannot_rate_before_the_result_is_sent(sent, reporter):
    page = Page(reporter.post(f"{track_url(sent)}danh-gia/", {"value": "satisfied"}))

    assert page.status == 409
    assert page.find("rating-form") is None
    assert not Rating.objects.exists()


def test_photos_are_not_served_from_another_report(sent, reporter, submit):
    # Given another report with a photo
    other = submit()
    stored = Attachment.objects.create(
        report=other, kind="photo", file="reports/x.jpg", content_type="image/jpeg", size=1, sha256="0"
    )

    # Then its photo cannot be fetched through this report's address
    assert reporter.get(f"{track_url(sent)}anh/{stored.pk}/").status_code == 404


def test_the_tracking_api_shows_the_public_notes(sent, people):
    do(report_of(sent), people["lan"], "request_info", question="Cống ở đâu?")

    timeline = Client().get(f"/api/v1/reports/{sent['tracking_code']}").json()["timeline"]

    assert [(e["kind"], e["note"]) for e in timeline] == [
        ("submitted", ""),
        ("info_requested", "Cống ở đâu?"),
    ]


# --- Rating as soon as the result is sent --------------------------------------------------


def test_the_reporter_rates_a_published_result_and_that_closes_the_report(people, so_xd, sent, reporter):
    report = report_of(sent)
    handle(report, people, so_xd)

    # While the IOC has not decided to publish or keep the result private, no rating is asked
    assert Page(reporter.get(track_url(sent))).find("rating-form") is None

    # When Lan publishes it (the reporter is told, and no one closes it)
    do(report, people["lan"], "publish", public=True)

    # Then the reporter is asked to rate, and told when the report closes without a rating
    page = Page(reporter.get(track_url(sent)))
    assert page.find("rating-form") is not None
    closes_on = (timezone.localdate() + timedelta(days=7)).strftime("%d/%m/%Y")
    assert closes_on in page.get("rating-deadline").text
    assert Page(Client().get(track_url(sent))).find("rating-form") is None

    # When the reporter rates it, the report is closed
    response = reporter.post(f"{track_url(sent)}danh-gia/", {"value": "acceptable"})
    assert response.status_code == 302
    page = Page(reporter.get(track_url(sent)))
    assert page.get("rating-given").text == label(RatingValue.ACCEPTABLE)
    [status] = [span for span in page.all("span") if "status" in span.attrs.get("class", "").split()]
    assert status.text == label(Status.CLOSED)
    report.refresh_from_db()
    assert report.status == Status.CLOSED


# --- The reporter's own report -------------------------------------------------------------


@pytest.fixture
def sent_with_place(people, ward):
    """A report with an address, a ward, a place and a photo, sent through the API as multipart."""
    response = Client().post(
        "/api/v1/reports",
        {
            "description": "Cống bị tắc gần chợ Đông Kinh, nước tràn ra đường",
            "address": "Số 8 đường Bà Triệu",
            "commune": ward.pk,
            "latitude": "21.853712",
            "longitude": "106.761534",
            "reporter_phone": "0912345678",
            "consent": "true",
            "photos": [photo("cong-tac.jpg")],
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_the_reporter_sees_what_they_sent_and_nobody_else_does(sent_with_place, ward):
    sent = sent_with_place
    reporter = Client()
    reporter.get(track_url(sent), {"secret": sent["secret"]})
    own_photo = Attachment.objects.get(report=report_of(sent), event__kind=EventKind.SUBMITTED)

    page = Page(reporter.get(track_url(sent)))

    # Then the reporter's page shows their description, address, ward, place and photo
    assert page.get("own-description").text == "Cống bị tắc gần chợ Đông Kinh, nước tràn ra đường"
    assert page.get("own-address").text == "Số 8 đường Bà Triệu"
    assert page.get("own-commune").text == ward.name
    assert page.get("own-place").text == "21.85371, 106.76153"
    thumb = f"{track_url(sent)}anh/{own_photo.pk}/nho/"
    assert [i.attrs["src"] for i in page.get("own-photos").iter() if i.tag == "img"] == [thumb]
    assert reporter.get(thumb)["Content-Type"] == "image/jpeg"
    # And a passer-by with the code sees none of it, nor the photo
    public = Page(Client().get(track_url(sent)))
    assert public.find("own-report") is None
    for private in ("Cống bị tắc", "Số 8 đường Bà Triệu", "21.85371"):
        assert private not in public.html
    assert Client().get(thumb).status_code == 404


# --- Looking a code up as people type it ----------------------------------------------------


@pytest.mark.parametrize("typed", ["{lower}", "{bare}", "{bare_upper}", "{dashed}", " {spaced} "])
def test_a_code_typed_without_dashes_or_in_lower_case_is_found(sent, typed):
    code = sent["tracking_code"]  # PA-26-XXXXXX
    forms = {
        "lower": code.lower(),
        "bare": code.replace("-", "").lower(),
        "bare_upper": code.replace("-", ""),
        "dashed": code.lower().replace("-", " - "),
        "spaced": code.replace("-", " "),
    }

    response = Client().get("/tra-cuu/", {"ma": typed.format(**forms)})

    assert response.status_code == 302
    assert response["Location"] == track_url(sent)


def test_a_tracking_address_typed_in_lower_case_goes_to_the_report_s_own_address(sent):
    code = sent["tracking_code"]

    response = Client().get(f"/tra-cuu/{code.replace('-', '').lower()}/")

    assert response.status_code == 302
    assert response["Location"] == track_url(sent)
