"""The public pages as a citizen meets them: Vietnamese first, one report per send, no leaks.

Each test drives the pages through Django's test client and reads the HTML the way a
person would: the text next to a field, the options of a list, the code on the screen.
"""

from __future__ import annotations

import importlib
import re
import uuid
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from phananh.reports.models import Attachment, Report
from phananh.workflow.models import EventKind
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db

DEFAULT_CATEGORIES = importlib.import_module(
    "phananh.reports.migrations.0003_default_categories"
).DEFAULT_CATEGORIES

SUBMIT_URL = "/gui-phan-anh/"
HOSTILE = '<script>alert("x")</script>'

# Vietnamese texts a citizen reads (from src/phananh/locale/vi/LC_MESSAGES/django.po).
REQUIRED = "Trường này là bắt buộc."
CONSENT_REQUIRED = "Vui lòng đồng ý cho xử lý dữ liệu cá nhân để giải quyết phản ánh."
SOME_INFO_MISSING = "Một số thông tin còn thiếu hoặc không hợp lệ."
CHOOSE_PHOTOS_AGAIN = "Vui lòng chọn lại ảnh."
NOT_A_PHOTO = "Tệp này không phải ảnh JPEG, PNG, WebP hoặc HEIC."
STATUS_SUBMITTED = "Mới gửi"


# --- Reading a page -------------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict, parent: Element | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    @property
    def text(self) -> str:
        """The visible text, with white space collapsed as a browser shows it."""
        return " ".join("".join(self._pieces()).split())

    def _pieces(self):
        for child in self.children:
            yield from (child,) if isinstance(child, str) else child._pieces()

    def iter(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def next_element(self) -> Element | None:
        """The element right after this one under the same parent: what is shown next to it."""
        siblings = [c for c in self.parent.children if isinstance(c, Element)]
        index = siblings.index(self)
        return siblings[index + 1] if index + 1 < len(siblings) else None


class Page(HTMLParser):
    """An HTML answer, parsed into elements that can be found by id or tag."""

    def __init__(self, response):
        super().__init__(convert_charrefs=True)
        self.status = response.status_code
        self.html = response.content.decode()
        self.root = Element("#document", {}, None)
        self._open = self.root
        self.feed(self.html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), self._open)
        self._open.children.append(element)
        if tag not in _VOID:
            self._open = element

    def handle_endtag(self, tag):
        node = self._open
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self._open = node.parent

    def handle_data(self, data):
        self._open.children.append(data)

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.root.iter() if e.tag == tag]

    def find(self, element_id: str) -> Element | None:
        return next((e for e in self.root.iter() if e.attrs.get("id") == element_id), None)

    def get(self, element_id: str) -> Element:
        element = self.find(element_id)
        assert element is not None, f"no element #{element_id} on the page"
        return element

    def options(self, select_id: str) -> list[tuple[str, str]]:
        return [(o.attrs.get("value", ""), o.text) for o in self.get(select_id).iter() if o.tag == "option"]

    def selected(self, select_id: str) -> str | None:
        return next((o.attrs["value"] for o in self.get(select_id).iter() if "selected" in o.attrs), None)

    def error_after(self, field_id: str) -> str:
        """The error list shown right after a field (or after the label that wraps a checkbox)."""
        field = self.get(field_id)
        shown_after = field.parent if field.parent.tag == "label" else field
        errors = shown_after.next_element()
        assert errors is not None and errors.attrs.get("class") == "errors", f"no error next to #{field_id}"
        return errors.text

    @property
    def language(self) -> str:
        return self.all("html")[0].attrs["lang"]


# --- Given ------------------------------------------------------------------------------------


def report_form(**overrides) -> dict:
    """What a citizen sends from the intake page when everything is filled in."""
    form = {
        "idempotency_key": uuid.uuid4().hex,
        "kind": "field",
        "description": "Ổ gà lớn trước số 12 đường Lê Lợi, xe máy đi qua rất dễ ngã.",
        "title": "Ổ gà đường Lê Lợi",
        "category": "ha-tang-do-thi",
        "latitude": "21.853700",
        "longitude": "106.761500",
        "address": "12 Lê Lợi",
        "reporter_name": "Nguyễn Văn An",
        "reporter_phone": "0912 345 678",
        "reporter_email": "an.nguyen@example.vn",
        "public": "on",
        "consent": "on",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def photo(name: str = "o-ga.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def tracking_code_in(location: str) -> str:
    match = re.fullmatch(r"/gui-phan-anh/da-gui/(PA-\d\d-[0-9A-Z]{6})/", location)
    assert match, f"not the success page: {location}"
    return match.group(1)


@pytest.fixture
def sent_report(client, ward):
    """A report sent from the intake page by `client`, with one photo."""
    response = client.post(SUBMIT_URL, {**report_form(commune=str(ward.pk)), "photos": [photo()]})
    return Report.objects.get(tracking_code=tracking_code_in(response["Location"]))


# --- The intake page --------------------------------------------------------------------------


def test_the_intake_page_is_in_vietnamese_and_lists_the_fields_and_communes(client, ward):
    # When a citizen opens the intake page with a browser that states no language
    page = Page(client.get(SUBMIT_URL))

    # Then it is in Vietnamese
    assert page.status == 200
    assert page.language == "vi"
    assert page.all("h1")[0].text == "Gửi phản ánh"
    assert page.get("send").text == "Gửi phản ánh"
    # And the 15 default fields can be chosen, after "let the operations centre decide"
    options = page.options("category")
    assert options[0] == ("", "— Để Trung tâm điều hành phân loại —")
    assert options[1:] == list(DEFAULT_CATEGORIES)
    assert len(options[1:]) == 15
    # And the ward is in the commune list by its own name; the operations centre is not
    communes = page.options("commune")
    assert communes == [("", "— Không rõ —"), (str(ward.pk), "Phường Lương Văn Tri")]


def test_the_intake_page_loads_leaflet_from_this_site_and_nothing_from_a_cdn(client):
    # When the intake page is opened
    page = Page(client.get(SUBMIT_URL))

    # Then Leaflet's stylesheet and script come from this site's own static files
    stylesheets = [link.attrs["href"] for link in page.all("link") if link.attrs.get("rel") == "stylesheet"]
    scripts = [script.attrs["src"] for script in page.all("script") if "src" in script.attrs]
    assert "/static/vendor/leaflet/leaflet.css" in stylesheets
    assert "/static/vendor/leaflet/leaflet.js" in scripts
    # And no stylesheet, script or image is fetched from another host
    loaded = stylesheets + scripts + [img.attrs.get("src", "") for img in page.all("img")]
    assert [url for url in loaded if re.match(r"^(https?:)?//", url)] == []
    # And the files are really served
    for url in ("/static/vendor/leaflet/leaflet.css", "/static/vendor/leaflet/leaflet.js"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content if response.streaming else [response.content])


@pytest.mark.parametrize(
    "language",
    ["vi", "en"],
)
def test_the_map_starts_on_the_province_centre_in_every_language(client, settings, language):
    client.cookies["django_language"] = language

    # When the intake page is opened
    page = Page(client.get(SUBMIT_URL))

    # Then the map's starting point is written as numbers its script can read (a dot, not a comma)
    assert page.language == language
    start = page.get("map").attrs
    for written in (start["data-lat"], start["data-lon"]):
        assert re.fullmatch(r"-?\d+(\.\d+)?", written), f"not a JavaScript number: {written!r}"
    assert (float(start["data-lat"]), float(start["data-lon"])) == settings.PHANANH_MAP_CENTER


# --- Sending a report -------------------------------------------------------------------------


def test_a_valid_report_with_a_photo_is_stored_once_and_its_tracking_code_is_shown(client, ward, media_files):
    # Given a filled-in form with a photo
    form = {**report_form(commune=str(ward.pk)), "photos": [photo()]}

    # When the citizen sends it
    response = client.post(SUBMIT_URL, form)

    # Then one report is stored, received through the web portal, with its photo
    assert response.status_code == 302
    code = tracking_code_in(response["Location"])
    report = Report.objects.get()
    assert report.tracking_code == code
    assert report.channel == "web"
    assert report.commune == ward
    assert report.category.code == "ha-tang-do-thi"
    assert report.reporter_phone == "0912345678"
    assert report.attachments.filter(kind="photo").count() == 1
    assert len(media_files()) == 2  # the cleaned photo and its thumbnail

    # And the success page shows the tracking code, and the private link in full as text and
    # behind the button to follow the report
    page = Page(client.get(response["Location"]))
    assert page.status == 200
    assert page.all("h1")[0].text == "Cảm ơn bạn, phản ánh đã được gửi thành công"
    assert page.get("tracking-code").text == code
    private_url = page.get("private-link").text.strip()
    assert private_url.startswith(f"http://testserver/tra-cuu/{code}/?secret=")
    assert page.get("track-link").attrs["href"] == private_url
    assert page.get("track-link").text == "Theo dõi phản ánh"


def test_the_success_page_is_shown_only_to_the_browser_that_sent_the_report(client, sent_report):
    success_url = f"/gui-phan-anh/da-gui/{sent_report.tracking_code}/"
    assert client.get(success_url).status_code == 200

    # When someone else opens the same address (it carries the private link)
    response = Client().get(success_url)

    # Then they get "page not found", and no private link
    page = Page(response)
    assert page.status == 404
    assert "Không tìm thấy trang" in page.all("h1")[0].text
    assert "secret=" not in page.html


def test_a_double_click_on_send_stores_one_report(client, media_files):
    # Given one filled-in form: the same hidden idempotency_key goes with both sends
    form = report_form()

    # When the form is sent twice, as a double tap does
    first = client.post(SUBMIT_URL, {**form, "photos": [photo()]})
    second = client.post(SUBMIT_URL, {**form, "photos": [photo()]})

    # Then both answers lead to the same success page, and only one report is stored
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Report.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert len(media_files()) == 2
    page = Page(client.get(second["Location"]))
    assert page.get("tracking-code").text == Report.objects.get().tracking_code


def test_a_form_whose_key_was_used_for_another_report_can_still_be_sent(client):
    # Given a report sent from a form, and the same form (same hidden key) filled in again
    # with something else, as happens when a browser restores the page after Back
    form = report_form()
    client.post(SUBMIT_URL, form)
    second = report_form(idempotency_key=form["idempotency_key"], description="Đèn đường hỏng cả dãy phố.")

    # When the citizen sends it
    response = client.post(SUBMIT_URL, second)

    # Then the second report is stored, and not blocked by the first one
    assert response.status_code == 302
    assert Report.objects.count() == 2


# --- Mistakes in the form ---------------------------------------------------------------------


def test_a_form_without_description_or_consent_is_shown_again_with_the_errors_in_place(client, media_files):
    # Given a form with no description and the consent box left unticked
    form = report_form(description="", consent=None, category="moi-truong", address="Chợ Kỳ Lừa")

    # When it is sent
    response = client.post(SUBMIT_URL, {**form, "photos": [photo()]})

    # Then the form comes back (422) with a Vietnamese message next to each of the two fields
    page = Page(response)
    assert page.status == 422
    assert page.language == "vi"
    assert SOME_INFO_MISSING in page.get("form-error").text
    assert CHOOSE_PHOTOS_AGAIN in page.get("form-error").text
    assert page.error_after("description") == REQUIRED
    assert page.get("description-errors").text == REQUIRED
    assert page.error_after("consent") == CONSENT_REQUIRED
    assert page.get("consent-errors").text == CONSENT_REQUIRED
    # And no other field is flagged
    flagged = sorted(ul.attrs["id"] for ul in page.all("ul") if ul.attrs.get("class") == "errors")
    assert flagged == ["consent-errors", "description-errors"]
    # And what was typed is still there; the consent box is still unticked
    assert page.selected("category") == "moi-truong"
    assert page.get("address").attrs["value"] == "Chợ Kỳ Lừa"
    assert page.get("reporter_name").attrs["value"] == "Nguyễn Văn An"
    assert page.get("reporter_phone").attrs["value"] == "0912 345 678"
    assert "checked" not in page.get("consent").attrs
    # And nothing was stored
    assert Report.objects.count() == 0
    assert media_files() == []


def test_the_typed_description_is_kept_when_the_form_comes_back(client):
    # Given a description typed in, but no consent
    description = "Rác thải đổ trộm bên bờ sông Kỳ Cùng,\nbốc mùi cả tuần nay."
    form = report_form(description=description, consent=None)

    # When it is sent and comes back
    page = Page(client.post(SUBMIT_URL, form))

    # Then the description box still holds the text, and the same form key is reused
    assert page.status == 422
    assert page.get("description").text == " ".join(description.split())
    assert description in page.html
    assert page.find("description-errors") is None
    assert page.error_after("consent") == CONSENT_REQUIRED
    hidden_key = next(i for i in page.all("input") if i.attrs.get("name") == "idempotency_key")
    assert hidden_key.attrs["value"] == form["idempotency_key"]
    assert Report.objects.count() == 0


def test_the_page_and_the_api_flag_the_same_fields_with_the_same_words(client):
    # Given An's form with five mistakes: no description, a latitude without its longitude,
    # a phone number that is not Vietnamese, half an email address, and no consent
    form = report_form(
        description="",
        latitude="21,8537",
        longitude=None,
        reporter_phone="12345",
        reporter_email="an.nguyen@",
        consent=None,
    )

    # When he sends it from the page, and his phone's app sends the very same fields to the API
    page = Page(client.post(SUBMIT_URL, form))
    api = client.post("/api/v1/reports", {k: v for k, v in form.items() if k != "idempotency_key"})

    # Then the API lists every problem at once, each under its field with its own code
    assert api.status_code == page.status == 422
    answer = api.json()
    assert answer["code"] == "invalid_input"
    assert {(e["field"], e["code"]) for e in answer["errors"]} == {
        ("description", "description_required"),
        ("longitude", "coordinate_missing"),
        ("reporter_phone", "invalid_phone"),
        ("reporter_email", "invalid_email"),
        ("consent", "consent_required"),
    }
    # And the page flags exactly those fields, showing the API's words next to each
    flagged = {ul.attrs["id"] for ul in page.all("ul") if ul.attrs.get("class") == "errors"}
    assert flagged == {f"{name}-errors" for name in answer["fields"]}
    for name, messages in answer["fields"].items():
        assert page.get(f"{name}-errors").text == " ".join(messages)
    assert page.error_after("consent") == CONSENT_REQUIRED
    assert page.get("description-errors").text == REQUIRED
    assert SOME_INFO_MISSING in page.get("form-error").text
    # And nothing was stored by either
    assert Report.objects.count() == 0


def test_a_text_file_named_jpg_is_refused_under_the_photos(client, media_files):
    # Given a text file with a photo's name
    fake = SimpleUploadedFile(
        "anh-hien-truong.jpg", b"just some notes, not a photo", content_type="image/jpeg"
    )

    # When it is sent with an otherwise valid report
    page = Page(client.post(SUBMIT_URL, {**report_form(), "photos": [fake]}))

    # Then the form comes back with the error under the photos, naming the file
    assert page.status == 422
    assert page.get("photos-errors").text == f"anh-hien-truong.jpg: {NOT_A_PHOTO}"
    assert page.get("form-error").text.startswith(NOT_A_PHOTO)
    # And nothing is stored, not even a file
    assert Report.objects.count() == 0
    assert media_files() == []


# --- Hostile input ----------------------------------------------------------------------------


def test_a_script_typed_as_description_is_shown_as_text(client):
    # When a description holding a script comes back in the form (no consent given)
    response = client.post(SUBMIT_URL, report_form(description=HOSTILE, consent=None))

    # Then it is escaped: shown as text, never run
    html = response.content.decode()
    assert response.status_code == 422
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<script>alert(" not in html
    assert Page(response).get("description").text == HOSTILE


def test_a_script_in_a_file_name_is_shown_as_text(client):
    fake = SimpleUploadedFile('<img src=x onerror=alert("x")>.jpg', b"not a photo", content_type="image/jpeg")

    response = client.post(SUBMIT_URL, {**report_form(), "photos": [fake]})

    html = response.content.decode()
    assert response.status_code == 422
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(&quot;x&quot;)&gt;.jpg" in html


def test_a_report_with_a_script_in_its_text_is_escaped_on_every_page(client):
    # Given a report whose title and description hold a script
    response = client.post(SUBMIT_URL, report_form(title=HOSTILE, description=HOSTILE))
    code = tracking_code_in(response["Location"])

    # Then no page of the report carries it unescaped
    for url in (response["Location"], f"/tra-cuu/{code}/"):
        page = client.get(url)
        assert page.status_code == 200
        assert "<script>alert(" not in page.content.decode(), url


def test_a_script_typed_as_tracking_code_is_shown_as_text(client):
    response = client.get("/tra-cuu/", {"ma": HOSTILE}, follow=True)

    html = response.content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;" in html


# --- Following a report -----------------------------------------------------------------------


def test_looking_up_an_unknown_code_explains_it_on_the_home_page(client):
    # When a citizen looks up a code that does not exist
    response = client.get("/tra-cuu/", {"ma": "PA-26-ZZZZZZ"}, follow=True)

    # Then they are back on the home page, told in Vietnamese that no report has this code,
    # next to the box that still holds what they typed
    assert response.redirect_chain == [("/?ma=PA-26-ZZZZZZ#tra-cuu", 302)]
    page = Page(response)
    assert page.status == 200
    alert = next(p for p in page.all("p") if p.attrs.get("role") == "alert")
    assert alert.text == "Không có phản ánh nào có mã tra cứu “PA-26-ZZZZZZ”."
    assert page.get("ma").attrs["aria-describedby"] == "ma-errors"
    assert page.get("ma-errors").text == alert.text
    assert page.get("ma").attrs["value"] == "PA-26-ZZZZZZ"
    # And the message is shown once only
    assert "Không có phản ánh nào" not in client.get("/").content.decode()


def test_a_code_typed_in_lower_case_with_spaces_finds_the_report(client, sent_report):
    code = sent_report.tracking_code

    # When the code is typed as people type it on a phone
    response = client.get("/tra-cuu/", {"ma": f"  {code.lower()} "})

    # Then the tracking page of the report opens, under its proper code
    assert response.status_code == 302
    assert response["Location"] == f"/tra-cuu/{code}/"


def test_the_tracking_page_shows_status_and_timeline_but_no_personal_data(client, sent_report):
    # When anyone opens the tracking page of a new report
    page = Page(Client().get(f"/tra-cuu/{sent_report.tracking_code}/"))

    # Then it shows the code, the status "Mới gửi", the field and the photo count
    assert page.status == 200
    assert page.language == "vi"
    assert sent_report.tracking_code in page.all("title")[0].text
    status = next(s for s in page.all("span") if "status" in s.attrs.get("class", "").split())
    assert status.text == STATUS_SUBMITTED
    facts = dict(zip((dt.text for dt in page.all("dt")), (dd.text for dd in page.all("dd")), strict=True))
    assert facts["Lĩnh vực"] == "Hạ tầng đô thị"
    assert facts["Loại"] == "Phản ánh hiện trường"
    assert facts["Hình ảnh"] == "1"
    # And a timeline with one step: the report was sent, in Vietnamese
    with translation.override("vi"):
        sent_label = str(EventKind.SUBMITTED.label)
    with translation.override("en"):
        assert sent_label != str(EventKind.SUBMITTED.label)  # a Vietnamese label, not the source text
    steps = [li for li in page.all("li") if li.parent.attrs.get("class") == "timeline"]
    assert len(steps) == 1
    when = steps[0].children[0]
    assert when.tag == "time"
    assert re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4}", when.text)
    assert steps[0].text == f"{when.text} {sent_label}"
    # And nothing that identifies the reporter
    for personal in ("Nguyễn Văn An", "0912345678", "0912 345 678", "an.nguyen@example.vn"):
        assert personal not in page.html


def test_an_unknown_tracking_page_is_a_vietnamese_404(client):
    page = Page(client.get("/tra-cuu/PA-26-ZZZZZZ/"))

    assert page.status == 404
    assert page.language == "vi"
    assert page.all("h1")[0].text == "Không tìm thấy trang"


# --- Languages and errors ---------------------------------------------------------------------


def test_switching_to_english_shows_the_pages_in_english(client):
    # When the citizen presses EN on the intake page
    response = client.post("/i18n/setlang/", {"language": "en", "next": SUBMIT_URL}, follow=True)

    # Then the intake page is shown again, in English
    page = Page(response)
    assert response.redirect_chain == [(SUBMIT_URL, 302)]
    assert page.language == "en"
    assert page.all("h1")[0].text == "Send a report"
    assert "Gửi phản ánh" not in page.html
    # And it stays English, errors included
    page = Page(client.post(SUBMIT_URL, report_form(description="")))
    assert page.error_after("description") == "This field is required."


def test_a_missing_page_is_explained_in_vietnamese(client):
    page = Page(client.get("/khong-co-trang-nay/"))

    assert page.status == 404
    assert page.language == "vi"
    assert page.all("h1")[0].text == "Không tìm thấy trang"
    assert "Trang hoặc phản ánh bạn tìm không tồn tại. Hãy kiểm tra lại mã tra cứu." in page.html
    assert next(a for a in page.all("a") if a.text == "Về trang chủ").attrs["href"] == "/"
