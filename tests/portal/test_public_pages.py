"""The public pages as a citizen meets them: the home page, the list of published reports, a
report's page and its photos. Only what the IOC published is ever there.
"""

# The shared fixtures are imported by name, then asked for by name: not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from phananh.reports.files import Upload
from phananh.reports.models import Attachment, Report
from phananh.stats.facts import catch_up
from phananh.workflow.models import EventKind
from phananh.workflow.services import transition
from tests.conftest import jpeg_bytes
from tests.portal.test_pages import Page
from tests.portal.test_public_support import (  # noqa: F401
    act,
    at,
    handle,
    handled,
    people,
    phong_ht,
    publish_directly,
    rate,
    road,
    send,
    so_xd,
    so_yt,
    submit,
)
from tests.reporter import answer as info_provided

pytestmark = pytest.mark.django_db

LIST = "/phan-anh/"
NOT_CLASSIFIED = "Chưa phân loại"
SATISFIED_EN = "Satisfied"


def codes_on(page: Page, list_id: str = "results") -> list[str]:
    return [li.attrs["data-code"] for li in page.get(list_id).iter() if li.tag == "li"]


def listed(client, **params) -> list[str]:
    page = Page(client.get(LIST, params))
    assert page.status == 200
    return codes_on(page) if page.get("results").tag == "ul" else []


# --- Home ----------------------------------------------------------------------------------------


def test_the_home_page_counts_this_years_reports_and_shows_the_latest_published_results(
    client, people, so_xd
):
    # Given two published results, one with an "after" photo, and two reports not published
    with_photo = handle(send("Đèn đường hỏng", photos=1), people, so_xd)
    rate(with_photo, "satisfied")
    older = publish_directly(send("Rác thải ùn ứ"), when=timezone.now() - timedelta(days=2))
    rate(older, "unsatisfied")
    kept_private = handle(send("Chuyện riêng"), people, so_xd, publish=False)
    send("Mới gửi hôm nay")
    # The figures are kept by tasks run after each commit, which a test's transaction never
    # makes: the periodic catch-up brings them up to date instead.
    catch_up()

    page = Page(client.get("/"))

    # Then the counters are this year's: 4 received, 3 resolved (all on time), half satisfied
    values = {li.attrs["id"]: li.text for li in page.get("counters").iter() if li.tag == "li"}
    assert values["counter-received"].startswith("4 ")
    assert values["counter-resolved"].startswith("3 ")
    assert values["counter-on-time"].startswith("100% ")
    assert values["counter-satisfied"].startswith("50% ")
    # And the latest published results come first, the private ones not at all
    assert codes_on(page, "latest") == [with_photo.tracking_code, older.tracking_code]
    assert kept_private.tracking_code not in page.html
    # And the card of the handled report shows its "after" photo through the public photo address
    after = Attachment.objects.get(report=with_photo, event__kind=EventKind.RESULT_SUBMITTED)
    thumbs = [img.attrs["src"] for img in page.all("img")]
    assert f"/phan-anh/{with_photo.tracking_code}/anh/{after.pk}/nho/" in thumbs
    assert not any(src.startswith("/media/") for src in thumbs)
    # And the look-up form, the send button and the hotline are still there
    assert page.get("ma").attrs["name"] == "ma"
    assert any(a.attrs.get("href") == "/gui-phan-anh/" for a in page.all("a"))
    urgent = next(s for s in page.all("section") if "urgent" in s.attrs.get("class", ""))
    assert "1022" in urgent.text


def test_the_home_page_works_before_anything_is_published(client):
    page = Page(client.get("/"))

    assert page.status == 200
    assert page.get("latest").tag == "p"
    assert page.get("counter-received").text.startswith("0 ")
    assert page.get("counter-on-time").text.startswith("— ")


# --- The list ------------------------------------------------------------------------------------


def test_only_published_reports_are_listed_newest_published_first(client, people, so_xd):
    now = timezone.now()
    first = publish_directly(send("Cây đổ chắn đường"), when=now - timedelta(days=3))
    second = publish_directly(send("Cống vỡ"), when=now - timedelta(days=1))
    private = handle(send("Không công khai"), people, so_xd, publish=False)
    taken_back = publish_directly(send("Đã rút lại"), is_public=None)
    refused = publish_directly(send("Bị từ chối công khai"), is_public=False)
    send("Chưa xử lý")

    codes = listed(client)

    assert codes == [second.tracking_code, first.tracking_code]
    for hidden in (private, taken_back, refused):
        assert hidden.tracking_code not in Page(client.get(LIST)).html


def test_the_list_filters_by_field_commune_status_and_period(client, ward, road):
    today = timezone.localdate()
    environment = "moi-truong"
    a = publish_directly(send("Ổ gà", category=road.code, commune=ward.pk))
    b = publish_directly(send("Rác", category=environment), status="resolved")
    c = publish_directly(send("Ổ gà cũ", category=road.code))
    Report.objects.filter(pk=c.pk).update(created_at=timezone.now() - timedelta(days=40))

    assert set(listed(client, field=road.code)) == {a.tracking_code, c.tracking_code}
    assert listed(client, field=environment) == [b.tracking_code]
    assert listed(client, commune=ward.pk) == [a.tracking_code]
    assert listed(client, status="resolved") == [b.tracking_code]
    assert set(listed(client, status="closed")) == {a.tracking_code, c.tracking_code}
    recent = {"from": (today - timedelta(days=7)).isoformat(), "to": today.isoformat()}
    assert set(listed(client, **recent)) == {a.tracking_code, b.tracking_code}
    old = {"to": (today - timedelta(days=30)).isoformat()}
    assert listed(client, **old) == [c.tracking_code]
    assert listed(client, field=road.code, **recent) == [a.tracking_code]


def test_a_wrong_filter_is_shown_next_to_its_field_and_the_others_still_apply(client, road):
    a = publish_directly(send("Ổ gà", category=road.code))
    publish_directly(send("Rác", category="moi-truong"))

    page = Page(client.get(LIST, {"field": road.code, "from": "not-a-date", "status": "nonsense"}))

    assert page.status == 200
    assert page.find("from-errors") is not None
    assert page.find("status-errors") is not None
    assert codes_on(page) == [a.tracking_code]
    assert page.selected("id_field") == road.code


def test_search_ignores_accents_and_case_and_finds_the_d_with_stroke(client):
    road = publish_directly(send("Mặt Đường bị lún sâu"))
    flood = publish_directly(send("Khu phố bị ngập nước nhiều ngày"))
    publish_directly(send("Cây xanh gãy cành"))

    assert listed(client, q="duong") == [road.tracking_code]
    assert listed(client, q="DƯỜNG") == [road.tracking_code]
    assert listed(client, q="đuong") == [road.tracking_code]
    assert listed(client, q="ngap nuoc") == [flood.tracking_code]
    assert listed(client, q="Ngập   NƯỚC") == [flood.tracking_code]
    assert listed(client, q="ngap duong") == []


def test_search_puts_the_best_matches_first(client):
    now = timezone.now()
    # The newest report has the words apart; the oldest has the exact phrase.
    phrase = publish_directly(send("Ngập nước ở ngõ 5"), when=now - timedelta(days=3))
    whole_words = publish_directly(send("Nước tràn, ngập cả sân"), when=now - timedelta(days=2))
    inside = publish_directly(send("Nuocngap ngapnuoc"), when=now - timedelta(days=1))
    Report.objects.filter(pk=phrase.pk).update(created_at=now - timedelta(days=30))

    assert listed(client, q="ngap nuoc") == [
        phrase.tracking_code,
        whole_words.tracking_code,
        inside.tracking_code,
    ]


def test_the_list_is_paginated_and_the_pages_keep_the_filters(client, road):
    for i in range(23):
        publish_directly(send(f"Ổ gà số {i}", category=road.code), when=timezone.now() - timedelta(minutes=i))

    first = Page(client.get(LIST, {"field": road.code}))
    assert len(codes_on(first)) == 20
    assert first.get("found").text.startswith("23 ")
    next_link = next(a for a in first.all("a") if a.attrs.get("rel") == "next")
    assert f"field={road.code}" in next_link.attrs["href"]

    second = Page(client.get(LIST + next_link.attrs["href"]))
    assert len(codes_on(second)) == 3
    assert not set(codes_on(first)) & set(codes_on(second))


# --- A report's page -------------------------------------------------------------------------------


def test_a_published_report_shows_what_was_wrong_where_and_what_was_done(client, handled, so_xd, ward):
    Report.objects.filter(pk=handled.pk).update(commune=ward)

    page = Page(client.get(f"/phan-anh/{handled.tracking_code}/"))

    assert page.status == 200
    assert page.get("report-title").text == "Ngập nước đường Trần Đăng Ninh"
    assert "xe máy chết máy" in page.get("report-description").text
    assert page.get("fact-field").text == "Hạ tầng đô thị"
    assert page.get("fact-commune").text == "Phường Lương Văn Tri"
    assert page.get("fact-address").text == "Số 15 Trần Đăng Ninh"
    assert page.get("fact-unit").text == so_xd.name
    assert page.get("fact-on-time").attrs["class"] == "on-time"
    assert page.get("result-text").text == "Đã vá ổ gà, mặt đường đã phẳng."
    # The place to about 100 m, never the reporter's exact one
    place = page.get("report-map")
    assert (place.attrs["data-lat"], place.attrs["data-lon"]) == ("21.847", "106.758")
    assert "21.846912" not in page.html and "106.757648" not in page.html
    # Two photos before, one after, each through the public photo address
    before = [img.attrs["src"] for img in page.get("photos-before").iter() if img.tag == "img"]
    after = [img.attrs["src"] for img in page.get("photos-after").iter() if img.tag == "img"]
    assert len(before) == 2 and len(after) == 1
    assert all(
        re.fullmatch(rf"/phan-anh/{handled.tracking_code}/anh/\d+/nho/", src) for src in before + after
    )
    # The rating's value, never its comment
    assert page.get("rating-value").text in ("Hài lòng", SATISFIED_EN)
    assert "Cảm ơn" not in page.html


def test_the_public_timeline_shows_public_steps_and_public_notes_only(client, people, so_xd):
    report = send("Đèn đường hỏng cả tuần")
    transition(
        report=report, actor=people["lan"], action="request_info", data={"question": "Đèn ở số nhà nào?"}
    )
    info_provided(report=report, text="Trước số 20, tôi ở số 22", photos=[Upload("den.jpg", jpeg_bytes())])
    report.refresh_from_db()
    handle(report, people, so_xd)

    page = Page(client.get(f"/phan-anh/{report.tracking_code}/"))

    entries = [li for li in page.get("timeline").iter() if li.tag == "li"]
    # submitted, info asked, info given, accepted, dispatched, result, verified, published, closed:
    # not the assignment to a handler nor the leader's approval, which are internal
    assert len(entries) == 9
    # The question asked in public is shown; the staff's notes and the reporter's answer are not
    assert "Đèn ở số nhà nào?" in page.get("timeline").text
    assert "Nội bộ" not in page.html
    assert "tôi ở số 22" not in page.html
    # And the reporter's extra photo is not among the public ones
    extra = Attachment.objects.get(report=report, event__kind=EventKind.INFO_PROVIDED)
    assert f"/anh/{extra.pk}/" not in page.html


@pytest.mark.parametrize("state", ["never_published", "kept_private", "reworked", "unknown"])
def test_a_report_that_is_not_published_has_no_public_page(client, people, so_xd, state):
    if state == "never_published":
        code = send("Mới gửi").tracking_code
    elif state == "kept_private":
        report = handle(send("Riêng tư"), people, so_xd, publish=False, close=False)
        transition(report=report, actor=people["lan"], action="publish", data={"public": False})
        code = report.tracking_code
    elif state == "reworked":
        report = handle(send("Làm lại"), people, so_xd, close=False)
        assert Report.objects.get(pk=report.pk).is_public is True
        transition(report=report, actor=people["lan"], action="rework", data={"reason": "Chưa đạt"})
        code = report.tracking_code
    else:
        code = "PA-26-ZZZZZZ"

    response = client.get(f"/phan-anh/{code}/")

    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_the_follow_form_is_included_when_it_exists(client, handled, settings, tmp_path):
    # Given the follow-by-email form (written for the tracking pages) exists
    folder = tmp_path / "templates" / "portal"
    folder.mkdir(parents=True)
    (folder / "_follow_form.html").write_text('<form id="follow-marker">{{ report.tracking_code }}</form>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]

    page = Page(client.get(f"/phan-anh/{handled.tracking_code}/"))

    assert page.get("follow-marker").text == handled.tracking_code


def test_the_report_page_works_without_the_follow_form(client, handled, monkeypatch):
    monkeypatch.setattr("phananh.portal.public.FOLLOW_FORM", "portal/_no_such_form.html")

    page = Page(client.get(f"/phan-anh/{handled.tracking_code}/"))

    assert page.status == 200
    assert page.get("report-title").text


# --- Photos ---------------------------------------------------------------------------------------


def photo_urls(report, attachment) -> list[str]:
    base = f"/phan-anh/{report.tracking_code}/anh/{attachment.pk}/"
    return [base, base + "nho/"]


def test_the_photos_of_a_published_report_are_served_without_media_url(client, handled):
    for attachment in Attachment.objects.filter(report=handled, kind="photo"):
        full, thumb = (client.get(url) for url in photo_urls(handled, attachment))
        assert full.status_code == 200 and thumb.status_code == 200
        assert full["Content-Type"] == attachment.content_type
        assert thumb["Content-Type"] == "image/jpeg"
        assert b"".join(full.streaming_content) == attachment.file.open("rb").read()
        assert full["Cache-Control"].startswith("public")


def test_the_photo_view_refuses_everything_that_is_not_a_public_photo(client, people, so_xd, handled):
    # A document of the published result (a PDF): never public
    document = Attachment.objects.get(report=handled, kind="document")
    # The photos of an unpublished report
    private = handle(send("Riêng tư", photos=1), people, so_xd, publish=False)
    private_photo = Attachment.objects.filter(report=private, kind="photo").first()
    # A photo of a published report asked for under another report's code
    other = handle(send("Khác", photos=1), people, so_xd)
    other_photo = Attachment.objects.filter(report=other, kind="photo").first()

    for report, attachment in [(handled, document), (private, private_photo), (handled, other_photo)]:
        for url in photo_urls(report, attachment):
            assert client.get(url).status_code == 404, url
    assert client.get(f"/phan-anh/{handled.tracking_code}/anh/999999/").status_code == 404
    assert client.get(f"/phan-anh/not-a-code/anh/{other_photo.pk}/").status_code == 404


def test_only_the_accepted_results_photos_are_public(client, people, so_xd):
    # Given a result sent back by the unit leader, then a second result that was accepted
    report = send("Vỉa hè vỡ", photos=1)
    lan, hung, tuan, binh = people["lan"], people["hung"], people["tuan"], people["binh"]
    transition(
        report=report, actor=lan, action="accept", data={"category": "ha-tang-do-thi", "urgency": "normal"}
    )
    transition(report=report, actor=lan, action="dispatch", data={"unit": so_xd.pk})
    transition(report=report, actor=hung, action="assign", data={"handler": tuan.pk})
    transition(
        report=report,
        actor=tuan,
        action="submit_result",
        data={"result": "Lần 1"},
        photos=[Upload("lan1.jpg", jpeg_bytes())],
    )
    transition(
        report=report, actor=binh, action="approve_result", data={"approve": False, "note": "Chưa đạt"}
    )
    transition(
        report=report,
        actor=tuan,
        action="submit_result",
        data={"result": "Lần 2: đã lát lại"},
        photos=[Upload("lan2.jpg", jpeg_bytes())],
    )
    transition(report=report, actor=binh, action="approve_result", data={})
    transition(report=report, actor=lan, action="verify", data={})
    transition(report=report, actor=lan, action="publish", data={"public": True})
    first, second = Attachment.objects.filter(report=report, event__kind=EventKind.RESULT_SUBMITTED).order_by(
        "id"
    )

    page = Page(client.get(f"/phan-anh/{report.tracking_code}/"))

    assert page.get("result-text").text == "Lần 2: đã lát lại"
    after = [img.attrs["src"] for img in page.get("photos-after").iter() if img.tag == "img"]
    assert after == [f"/phan-anh/{report.tracking_code}/anh/{second.pk}/nho/"]
    assert client.get(f"/phan-anh/{report.tracking_code}/anh/{first.pk}/").status_code == 404
    assert client.get(f"/phan-anh/{report.tracking_code}/anh/{second.pk}/").status_code == 200


# --- Map and statistics pages: assets from this site only ------------------------------------------


@pytest.mark.parametrize(
    ("url", "library"),
    [
        ("/ban-do/", "/static/vendor/leaflet/leaflet.js"),
        ("/thong-ke/", "/static/vendor/chartjs/chart.umd.min.js"),
    ],
)
def test_the_map_and_statistics_load_their_libraries_from_this_site(client, url, library):
    page = Page(client.get(url))

    scripts = [s.attrs["src"] for s in page.all("script") if "src" in s.attrs]
    styles = [link.attrs["href"] for link in page.all("link")]
    assert page.status == 200
    assert library in scripts
    # Everything from this site: nothing from a CDN or another host
    assert all(src.startswith("/") and not src.startswith("//") for src in scripts + styles)


def test_the_map_page_knows_where_to_ask_for_clusters_and_tiles(client, settings):
    settings.PHANANH_TILE_URL = "https://tiles.tinh.gov.vn/{z}/{x}/{y}.png"

    area = Page(client.get("/ban-do/")).get("public-map")

    assert area.attrs["data-clusters"] == "/ban-do/cum.json"
    assert area.attrs["data-tiles"] == "https://tiles.tinh.gov.vn/{z}/{x}/{y}.png"


def test_the_public_pages_are_linked_from_every_page(client):
    page = Page(client.get("/gui-phan-anh/"))

    links = [a.attrs.get("href") for a in page.all("nav")[0].iter() if a.tag == "a"]
    assert links == ["/gui-phan-anh/", "/phan-anh/", "/ban-do/", "/thong-ke/", "/tai-khoan/"]


def test_an_unclassified_published_report_says_so(client):
    report = publish_directly(send("Chưa phân loại lĩnh vực"))

    page = Page(client.get(f"/phan-anh/{report.tracking_code}/"))

    assert page.get("fact-field").text == NOT_CLASSIFIED
    assert page.find("report-map") is None


def test_a_report_resolved_late_says_so(client, people, so_xd):
    report = send("Muộn", **at("21.85", "106.76"))
    handle(report, people, so_xd)
    report.steps.filter(kind="handling").update(on_time=False)

    page = Page(client.get(f"/phan-anh/{report.tracking_code}/"))

    assert page.get("fact-on-time").attrs["class"] == "late"


@pytest.mark.parametrize("url", ["/phan-anh/", "/thong-ke/"])
@pytest.mark.parametrize(
    ("name", "value"), [("from", "0001-01-01"), ("to", "9999-12-31"), ("from", "2026-02-30")]
)
def test_a_date_far_out_of_range_is_an_error_next_to_the_field_not_a_crash(client, url, name, value):
    page = Page(client.get(url, {name: value}))

    assert page.status == 200
    assert page.find(f"{name}-errors") is not None
