"""Every page carries a Content-Security-Policy without 'unsafe-inline', and nothing it would block.

The policy lets pages run only the site's script files and apply only its style sheets. Given
the demo province (every role's account, reports in several statuses, one with a photo and its
reporter's private link), every page is opened as a citizen, as the reporter, as each staff
role and as the administrator in the admin site: from each one's start pages, following the
links. Each answer must carry the policy, and each page must have no inline <script> without
the answer's nonce, no style="" attribute, no on*= handler, no <style> block without the nonce
and no javascript: link. Templates that no link reaches (the error pages, e-mail excluded) are
read as text for the same things.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from phananh.citizens.models import Citizen, CitizenReport
from phananh.demo.data import seed_demo
from phananh.org.models import Unit, User
from phananh.reports.models import Report
from phananh.workflow.services import transition
from tests.csp import HEADER, inline_code, nonce_of, policy_problems
from tests.portal.test_pages import photo, report_form, tracking_code_in
from tests.staff import signed_in

pytestmark = pytest.mark.django_db

# Links the crawl does not follow: files, downloads, JSON, sign-out and the language switch.
NOT_PAGES = re.compile(
    r"(/tep/|/anh/|\.xlsx$|\.json$|\.js$|\.css$|/dang-xuat/|/logout/|/i18n/|/csp-report/|/jsi18n/)"
)
# Pages of one kind (one list with its sortings and filters, the change forms of one model) are
# opened this many times at most.
PAGES_PER_KIND = 3
PAGES_PER_PERSON = 250


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("href", "hx-get"):
            if (tag == "a" or name == "hx-get") and attributes.get(name):
                self.links.append(attributes[name])


def crawl(client: Client, starts: list[str], *, within: tuple[str, ...]) -> dict[str, list[str]]:
    """Open the start pages and every page linked from them under the `within` paths.

    Returns {url: problems} for every answer opened (an empty list: nothing wrong).
    """
    seen: dict[str, list[str]] = {}
    per_kind: dict[str, int] = {}
    queue = list(starts)
    while queue and len(seen) < PAGES_PER_PERSON:
        url = queue.pop(0)
        if url in seen:
            continue
        kind = re.sub(r"\d+", "N", urlsplit(url).path)
        if url not in starts:
            if per_kind.get(kind, 0) >= PAGES_PER_KIND:
                continue
            per_kind[kind] = per_kind.get(kind, 0) + 1
        response = client.get(url)
        if response.status_code in (301, 302) and url in starts:
            queue.insert(0, response["Location"])
        problems = [] if response.status_code in (301, 302) else policy_problems(response.get(HEADER))
        if response.get("Content-Type", "").startswith("text/html") and response.status_code != 302:
            html = response.content.decode()
            problems += inline_code(html, nonce_of(response.get(HEADER)))
            parser = _Links()
            parser.feed(html)
            for link in parser.links:
                parts = urlsplit(urljoin(f"http://testserver{url}", link))
                if parts.netloc != "testserver" or not parts.path.startswith(within):
                    continue
                if not NOT_PAGES.search(parts.path):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        seen[url] = [f"{response.status_code}: {problem}" for problem in problems]
    return seen


def offending(seen: dict[str, list[str]]) -> dict[str, list[str]]:
    return {url: problems for url, problems in seen.items() if problems}


@pytest.fixture
def province(db):
    """The demo province, with a report sent from the intake page (a photo, the reporter's
    private link in their browser) taken into a unit, and another waiting for the reporter."""
    seed_demo()
    staff = {user.username: user for user in User.objects.all()}
    reporter = Client()
    ward = Unit.objects.get(code="phuong-luong-van-tri")
    sent = reporter.post("/gui-phan-anh/", {**report_form(commune=str(ward.pk)), "photos": [photo()]})
    report = Report.objects.get(tracking_code=tracking_code_in(sent["Location"]))
    steps = [
        ("dieuphoi", "accept", {"category": "ha-tang-do-thi"}),
        ("dieuphoi", "dispatch", {"unit": Unit.objects.get(code="so-xay-dung").pk}),
        ("daumoi.xaydung", "assign", {"handler": staff["xuly.xaydung"].pk}),
    ]
    for username, action, data in steps:
        report.refresh_from_db()
        transition(report=report, actor=staff[username], action=action, data=data)
    waiting = Report.objects.filter(status="submitted").exclude(pk=report.pk).first()
    question = {"question": "Ở số nhà nào?"}
    transition(report=waiting, actor=staff["dieuphoi"], action="request_info", data=question)
    return {"reporter": reporter, "report": report, "submitted_page": sent["Location"], "staff": staff}


def test_the_policy_allows_no_inline_code_and_names_the_sites_sources(client, db):
    policy = client.get("/gui-phan-anh/")[HEADER]

    assert policy_problems(policy) == []
    # The map's tiles come from the tile server the settings name, photos' previews from blob:
    img = re.search(r"img-src ([^;]+)", policy).group(1).split()
    assert "https://tile.openstreetmap.org" in img
    assert "blob:" in img
    # And a page with nothing inline gets no nonce it does not need
    assert "'nonce-" not in policy


def test_the_citizens_pages_carry_the_policy_and_nothing_inline(province):
    citizen = Client()
    public = ("/phan-anh/", "/ban-do/", "/thong-ke/", "/tra-cuu/", "/gui-phan-anh/")
    published = Report.objects.filter(is_public=True).values_list("tracking_code", flat=True)
    starts = ["/", *public, "/khong-co-trang-nay/", *(f"/phan-anh/{code}/" for code in published)]

    seen = crawl(citizen, starts, within=public)

    assert offending(seen) == {}
    assert len([url for url in seen if url.startswith("/phan-anh/PA-")]) >= 2
    # The JSON answers carry it too, and so does an error page
    for url in ("/healthz", "/api/v1/openapi.json", "/ban-do/cum.json?bbox=106,21,107,22&zoom=12"):
        assert policy_problems(citizen.get(url).get(HEADER)) == [], url


def test_the_reporters_pages_carry_the_policy_and_nothing_inline(province):
    reporter, report = province["reporter"], province["report"]
    # The reporter's own pages: the success page with the private link, the tracking page
    # opened with it (photos, timeline), and the one of a report that waits for their answer
    secret_link = reporter.get(province["submitted_page"]).content.decode()
    private = re.search(r'id="private-link">([^<]+)<', secret_link).group(1)
    waiting = Report.objects.get(status="info_requested")

    starts = [
        province["submitted_page"],
        private.replace("http://testserver", ""),
        f"/tra-cuu/{waiting.tracking_code}/",
    ]

    seen = crawl(reporter, starts, within=("/tra-cuu/", "/theo-doi/"))

    assert offending(seen) == {}
    assert any(url.startswith(f"/tra-cuu/{report.tracking_code}/") for url in seen)


def test_the_citizens_account_pages_carry_the_policy_and_nothing_inline(province):
    citizen = Client()
    seen = crawl(
        citizen, ["/tai-khoan/dang-nhap/", "/tai-khoan/email/khong-con-hieu-luc/"], within=("/tai-khoan/",)
    )
    # Signed in, with the report sent from the intake page in the account
    account = Citizen.objects.create(phone="0912345678")
    CitizenReport.objects.create(citizen=account, report=province["report"], how="claimed")
    session = citizen.session
    session.update({"citizen_id": account.pk, "citizen_pending_phone": "0912345678"})
    session.save()
    seen |= crawl(
        citizen, ["/tai-khoan/", "/tai-khoan/nhap-ma/", "/gui-phan-anh/"], within=("/tai-khoan/", "/tra-cuu/")
    )

    assert offending(seen) == {}
    assert "/tai-khoan/" in seen
    assert any(url.startswith(f"/tra-cuu/{province['report'].tracking_code}/") for url in seen)


# The demo's accounts, one per role: IOC operator, call agent, a department's focal point, handler
# and leader, a ward's focal point, the steering committee, the administrator.
ROLES = ["dieuphoi", "tongdai", "daumoi.xaydung", "xuly.xaydung", "lanhdao.xaydung", "daumoi.luongvantri"]
ROLES += ["bcd", "quantri"]


@pytest.mark.parametrize("username", ROLES)
def test_every_back_office_page_of_each_role_carries_the_policy_and_nothing_inline(province, username):
    staff = signed_in(None, province["staff"][username])
    report = province["report"]

    seen = crawl(staff, ["/can-bo/", f"/can-bo/phan-anh/{report.tracking_code}/"], within=("/can-bo/",))

    assert offending(seen) == {}
    # Not only the start pages: the lists' tabs and the reports linked from them were opened
    assert len(seen) >= 4, seen


def test_the_sign_in_pages_and_the_api_docs_carry_the_policy_and_nothing_inline(province):
    visitor = Client()
    wrong = {"username": "dieuphoi", "password": "sai-mat-khau"}
    answers = {
        "staff sign-in": visitor.get("/can-bo/dang-nhap/"),
        "staff sign-in refused": visitor.post("/can-bo/dang-nhap/", wrong),
        # The admin's login is the staff login page
        "admin sign-in": visitor.get("/quan-tri/login/", follow=True),
        "API docs": visitor.get("/api/v1/docs"),
    }
    # The second step, the enrolment with its QR code, and the security page with recovery codes
    operator = province["staff"]["dieuphoi"]
    operator.set_password("mat-khau-dung")
    operator.save()
    newcomer = Client()
    right = {"username": "dieuphoi", "password": "mat-khau-dung"}
    operator.totpdevice_set.all().delete()
    answers["enrolment"] = newcomer.post("/can-bo/dang-nhap/", right, follow=True)
    assert b"<svg" in answers["enrolment"].content
    enrolled = signed_in(None, operator)
    returning = Client()
    answers["second step"] = returning.post("/can-bo/dang-nhap/", right, follow=True)
    answers["second step refused"] = returning.post("/can-bo/dang-nhap/ma-xac-thuc/", {"code": "000000"})
    answers["security page"] = enrolled.get("/can-bo/tai-khoan/bao-mat/")
    answers["recovery codes"] = enrolled.post("/can-bo/tai-khoan/ma-du-phong/", follow=True)
    for name, answer in answers.items():
        assert answer.status_code == 200, name
        assert policy_problems(answer.get(HEADER)) == [], name
        assert inline_code(answer.content.decode(), nonce_of(answer.get(HEADER))) == [], name


def test_the_admin_site_carries_the_policy_and_nothing_inline(province):
    admin = signed_in(None, province["staff"]["quantri"])

    seen = crawl(admin, ["/quan-tri/"], within=("/quan-tri/",))

    assert offending(seen) == {}
    # The models' lists, their change, add, delete and history pages were opened
    opened = "\n".join(sorted(seen))
    for page in (r"/user/\d+/change/", r"/user/\d+/password/", r"/unit/add/", r"/delete/", r"/history/"):
        assert re.search(page, opened), page


# --- Templates no link reaches ----------------------------------------------------------------

TEMPLATES = sorted(
    path
    for path in Path(settings.BASE_DIR, "src", "phananh").glob("*/templates/**/*.html")
    # E-mails are read by mail programs, which no Content-Security-Policy governs.
    if "emails" not in path.parts
)
INLINE = [
    # A script or a style block is allowed with the answer's nonce (nonce="{{ CSP_NONCE }}").
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")(?![^>]*nonce=)", re.I),
        "inline <script>",
    ),
    (re.compile(r"<style\b(?![^>]*\bnonce=)", re.I), "<style> block"),
    (re.compile(r"\sstyle=", re.I), 'style="" attribute'),
    (re.compile(r"\s(?:hx-)?on[a-z:-]*=", re.I), "on*= handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_the_templates_hold_no_inline_script_style_or_handler():
    assert len(TEMPLATES) > 30
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {what}"
        for path in TEMPLATES
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert found == []


# --- The servers the settings name, report-only, the reports ----------------------------------


def img_sources(response) -> list[str]:
    return re.search(r"img-src ([^;]+)", response[HEADER]).group(1).split()


def test_the_tile_server_the_settings_name_is_allowed_for_images(client, settings, db):
    # Given the province's own tile server, with sub-domains as Leaflet writes them
    settings.PHANANH_TILE_URL = "https://{s}.ban-do.langson.gov.vn/tiles/{z}/{x}/{y}.png"

    img = img_sources(client.get("/ban-do/"))

    assert "https://*.ban-do.langson.gov.vn" in img
    assert "https://tile.openstreetmap.org" not in img
    # A tile server on the site itself needs nothing more
    settings.PHANANH_TILE_URL = "/tiles/{z}/{x}/{y}.png"
    assert img_sources(client.get("/ban-do/")) == ["'self'", "data:", "blob:"]


@pytest.mark.parametrize(
    "bucket, endpoint, region, style",
    [
        ("phananh-langson", None, "us-east-1", None),
        ("phananh-langson", None, "ap-southeast-1", None),
        ("phananh-langson", None, "ap-southeast-1", "path"),
        ("phananh", "https://s3.langson.gov.vn", "us-east-1", None),
        ("phananh", "https://s3.langson.gov.vn:9000", "us-east-1", "virtual"),
    ],
)
def test_photos_redirected_to_the_object_store_are_allowed(
    client, settings, db, monkeypatch, bucket, endpoint, region, style
):
    # Given photos in a private bucket, reached through the signed URLs the storage makes
    from storages.backends.s3 import S3Storage

    from phananh.settings import s3_storage

    if style:
        monkeypatch.setenv("PHANANH_S3_ADDRESSING_STYLE", style)
    options = s3_storage(
        bucket, endpoint_url=endpoint, region=region, url_seconds=300, access_key="phananh", secret_key="khoa"
    )["OPTIONS"]
    signed = urlsplit(S3Storage(**options).url("photos/2026/o-ga.jpg"))
    settings.PHANANH_S3_BUCKET, settings.PHANANH_S3_ENDPOINT_URL = bucket, endpoint
    settings.PHANANH_S3_REGION = region

    # When a page is answered
    policy = client.get("/gui-phan-anh/")[HEADER]

    # Then the signed URLs' server is allowed for images and for the service worker's fetches
    store = f"{signed.scheme}://{signed.netloc}"
    assert store in img_sources(client.get("/gui-phan-anh/"))
    assert store in re.search(r"connect-src ([^;]+)", policy).group(1).split()


def test_the_policy_can_be_reported_only_and_its_violations_sent_to_the_log():
    # Given a node told to report the policy's violations only, to its own log
    env = {
        **os.environ,
        "PYTHONPATH": str(settings.BASE_DIR / "src"),
        "DJANGO_SETTINGS_MODULE": "phananh.settings",
        "DB": "sqlite",
        "DB_NAME": ":memory:",
        "PHANANH_CSP_REPORT_ONLY": "true",
        "PHANANH_CSP_REPORT_URI": "/csp-report/",
    }
    show = (
        "from django.test import Client\n"
        "answer = Client().get('/healthz')\n"
        "print(answer.get('Content-Security-Policy'))\n"
        "print(answer.get('Content-Security-Policy-Report-Only'))\n"
    )

    enforced, reported = subprocess_run(show, env).splitlines()[-2:]

    # Then the browser is told the same policy, to report and not to enforce
    assert enforced == "None"
    assert policy_problems(reported) == []
    assert reported.endswith("report-uri /csp-report/")


def subprocess_run(code: str, env: dict) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_violation_report_is_one_line_of_the_log_without_the_secret(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "https://phananh.langson.gov.vn/tra-cuu/PA-26-ABCDEF/?secret=bi-mat",
            "violated-directive": "script-src-elem",
            "effective-directive": "script-src-elem",
            "blocked-uri": "inline",
            "source-file": "https://phananh.langson.gov.vn/tra-cuu/PA-26-ABCDEF/?secret=bi-mat",
            "line-number": 12,
            "disposition": "enforce",
        }
    }

    answer = client.post("/csp-report/", json.dumps(report), content_type="application/csp-report")

    assert answer.status_code == 204
    [line] = [r.getMessage() for r in caplog.records if r.name == "phananh.core.views"]
    assert "script-src-elem blocked inline on https://phananh.langson.gov.vn/tra-cuu/PA-26-ABCDEF/" in line
    assert "bi-mat" not in line and "secret" not in line
    # Not a report, too large, or not a POST: refused, nothing written
    caplog.clear()
    assert client.post("/csp-report/", "{", content_type="application/csp-report").status_code == 400
    big = json.dumps({"csp-report": {"blocked-uri": "x" * 20000}})
    assert client.post("/csp-report/", big, content_type="application/csp-report").status_code == 413
    assert client.get("/csp-report/").status_code == 405
    assert [r for r in caplog.records if r.name == "phananh.core.views"] == []


def test_each_status_has_its_colour_in_the_style_sheet():
    # The badges take their colour from a class (a style="" attribute would be blocked)
    from django.contrib.staticfiles import finders

    from phananh.reports.statuses import COLOURS

    css = Path(finders.find("portal/site.css")).read_text()
    shown = dict(re.findall(r"\.status-([a-z_]+) \{ background: (#[0-9a-f]{6}); \}", css))
    assert shown == {status.value: colour for status, colour in COLOURS.items()}
