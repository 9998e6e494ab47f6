"""Possible duplicates: while writing, a citizen sees the open reports of the same field nearby.

The answer is public (no login): it names the field, the status, the distance and the date of
each report and links to its tracking page, never its place or its reporter. Only a report the
IOC published (and reopened since) also shows its published text and its first photo.
"""

from __future__ import annotations

import json
import math

import pytest
from django.db.models import F
from django.urls import include, path
from django.utils import timezone
from playwright.sync_api import expect

from phananh.core.geo import distance_m
from phananh.portal import pwa
from phananh.portal.tracking import track
from phananh.reports.codes import new_tracking_code
from phananh.reports.models import Category, Channel, Report
from phananh.reports.statuses import Status
from tests.portal.test_public_support import at, send

pytestmark = pytest.mark.django_db

URL = "/gui-phan-anh/gan-day.json"
# Đông Kinh market, Lạng Sơn: where the citizen stands.
HERE = (21.8466, 106.7594)
STATUS_LABELS_VI = {"submitted": "Mới gửi", "in_progress": "Đang xử lý"}


def place(north_m: float, east_m: float = 0.0) -> tuple[float, float]:
    """The place so many metres north and east of HERE."""
    lat = HERE[0] + north_m / 111_195
    lon = HERE[1] + east_m / (111_195 * math.cos(math.radians(HERE[0])))
    return round(lat, 6), round(lon, 6)


def given_report(where, *, field="ha-tang-do-thi", status=Status.SUBMITTED, **fields) -> Report:
    lat, lon = where
    defaults = {
        "tracking_code": new_tracking_code(),
        "description": "Ổ gà trước nhà ông Nguyễn Văn A, số điện thoại 0912345678",
        "title": "Ổ gà lớn",
        "address": "12 Lê Lợi",
        "reporter_name": "Nguyễn Văn A",
        "reporter_phone": "0912345678",
        "reporter_email": "a@example.vn",
        "consent_at": timezone.now(),
        "channel": Channel.WEB,
        "category": Category.objects.get(code=field),
        "latitude": lat,
        "longitude": lon,
        "status": status,
    }
    return Report.objects.create(**{**defaults, **fields})


def ask(client, lat=HERE[0], lon=HERE[1], category="ha-tang-do-thi", **extra):
    params = {"lat": lat, "lon": lon, "category": category, **extra}
    return client.get(URL, {k: v for k, v in params.items() if v is not None})


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["tracking_code"] for item in response.json()["reports"]]


def test_open_reports_of_the_same_field_within_the_radius_come_nearest_first(client, settings):
    # Given the default radius of 250 m and reports around the citizen
    assert settings.PHANANH_NEARBY_RADIUS_M == 250
    at_120 = given_report(place(120))
    at_40 = given_report(place(0, 40))
    at_200 = given_report(place(-140, 140), status=Status.IN_PROGRESS)
    given_report(place(300))  # too far
    given_report(place(60), field="moi-truong")  # another field

    # When the page asks what is near
    response = ask(client)

    # Then the three open reports of the field inside 250 m come, the nearest first
    assert codes(response) == [at_40.tracking_code, at_120.tracking_code, at_200.tracking_code]
    body = response.json()
    assert body["radius_m"] == 250
    first = body["reports"][0]
    assert first["distance_m"] == 40
    assert first["category"] == "Hạ tầng đô thị"
    assert first["status"] == "submitted"
    assert first["status_label"] == STATUS_LABELS_VI["submitted"]
    assert first["tracking_url"] == f"/tra-cuu/{at_40.tracking_code}/"
    assert body["reports"][2]["status_label"] == STATUS_LABELS_VI["in_progress"]
    assert body["reports"][2]["distance_m"] == 200
    assert response["Cache-Control"] == "no-store"


def test_the_radius_comes_from_the_settings(client, settings):
    near, farther = given_report(place(80)), given_report(place(180))
    settings.PHANANH_NEARBY_RADIUS_M = 100

    assert codes(ask(client)) == [near.tracking_code]
    settings.PHANANH_NEARBY_RADIUS_M = 500
    assert codes(ask(client)) == [near.tracking_code, farther.tracking_code]


def test_the_box_that_narrows_the_rows_never_cuts_the_circle(client):
    # Given reports just inside the radius in every direction, diagonals included
    inside = [
        given_report(place(north, east))
        for north, east in ((245, 0), (-245, 0), (0, 245), (0, -245), (172, 172), (-172, -172))
    ]
    # Then every one is found; one just outside in a corner of the box is not
    given_report(place(180, 180))

    assert sorted(codes(ask(client))) == sorted(r.tracking_code for r in inside)


@pytest.mark.parametrize(
    "status",
    [Status.MERGED, Status.REJECTED, Status.RESOLVED, Status.CLOSED],
)
def test_finished_merged_and_rejected_reports_are_not_offered(client, status):
    given_report(place(30), status=status)
    assert codes(ask(client)) == []


def test_reports_whose_reporter_or_the_ioc_kept_them_private_are_not_offered(client):
    # Listing a report tells strangers it exists and about where: only publishable ones are.
    given_report(place(30), wants_public=False)
    given_report(place(40), is_public=False)
    published = given_report(place(50), is_public=True)

    assert codes(ask(client)) == [published.tracking_code]


def test_no_text_place_or_personal_data_is_in_the_answer(client):
    report = given_report(place(30))

    body = ask(client).json()

    item = body["reports"][0]
    assert set(item) == {
        "tracking_code",
        "category",
        "status",
        "status_label",
        "status_colour",
        "distance_m",
        "created_at",
        "created_on",
        "tracking_url",
        "follow_url",
        "published",
        "excerpt",
        "photo_url",
    }
    assert (item["published"], item["excerpt"], item["photo_url"]) == (False, "", None)
    raw = json.dumps(body, ensure_ascii=False)
    for secret in ("Ổ gà", "Nguyễn", "0912345678", "a@example.vn", "Lê Lợi"):
        assert secret not in raw
    assert f"{float(report.latitude):.4f}" not in raw
    assert f"{float(report.longitude):.4f}" not in raw


def reopened_after_publication(description: str, where, photos: int) -> Report:
    """A report that was resolved and published (its text and photos as they were), then
    reopened: open again, and public."""
    report = send(description, photos=photos, category="ha-tang-do-thi", **at(*map(str, where)))
    Report.objects.filter(pk=report.pk).update(
        status=Status.IN_PROGRESS, is_public=True, public_description=F("description")
    )
    report.attachments.update(public_file=F("file"), public_thumbnail=F("thumbnail"))
    return report


def test_a_published_report_shows_its_published_text_and_first_photo_the_others_do_not(client, media_files):
    # Given a published report (reopened) with two photos 20 m away, and an unpublished one
    # with a photo 30 m away
    published = reopened_after_publication("Ổ gà lớn đường Bà Triệu, đã vá nhưng lại vỡ", place(20), 2)
    private = send(
        "Ổ gà trước nhà bà Lê Thị Hoa", photos=1, category="ha-tang-do-thi", **at(*map(str, place(30)))
    )

    # When the citizen's page asks what is nearby
    first, second = ask(client).json()["reports"]

    # Then the published one shows its text and its first photo, and links to its public page
    photo = published.attachments.filter(kind="photo").order_by("id").first()
    assert first["tracking_code"] == published.tracking_code
    assert first["published"] is True
    assert first["excerpt"] == "Ổ gà lớn đường Bà Triệu, đã vá nhưng lại vỡ"
    assert first["photo_url"] == f"/phan-anh/{published.tracking_code}/anh/{photo.pk}/nho/"
    assert first["tracking_url"] == f"/phan-anh/{published.tracking_code}/"
    thumb = client.get(first["photo_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    # And the unpublished one shows neither, though it has a photo
    assert second["tracking_code"] == private.tracking_code
    assert (second["published"], second["excerpt"], second["photo_url"]) == (False, "", None)
    assert "Hoa" not in json.dumps(second, ensure_ascii=False)


def test_a_long_published_text_is_cut_to_two_lines(client):
    reopened_after_publication("Đường " + "rất " * 80 + "hỏng", place(20), 0)

    item = ask(client).json()["reports"][0]

    assert len(item["excerpt"]) <= 110 and item["excerpt"].endswith("…")
    assert item["photo_url"] is None


def test_at_most_ten_are_given(client):
    reports = [given_report(place(10 * n + 5)) for n in range(12)]

    assert codes(ask(client)) == [r.tracking_code for r in reports[:10]]


def test_the_distance_is_the_great_circle_distance_rounded_to_ten_metres(client):
    where = place(93, 31)
    given_report(where)

    exact = distance_m(*HERE, *where)
    assert ask(client).json()["reports"][0]["distance_m"] == round(exact / 10) * 10 == 100


def test_typed_coordinates_with_a_decimal_comma_are_understood(client):
    report = given_report(place(30))

    response = ask(client, lat=str(HERE[0]).replace(".", ","), lon=str(HERE[1]).replace(".", ","))

    assert codes(response) == [report.tracking_code]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"lat": None}, {"lat"}),
        ({"lat": "abc", "lon": "106,7,5"}, {"lat", "lon"}),
        ({"lat": "nan"}, {"lat"}),
        ({"lon": "1e400"}, {"lon"}),
        ({"lat": "95"}, {"lat"}),
        ({"lat": "48.8566", "lon": "2.3522"}, {"lat"}),  # Paris: outside Vietnam
        ({"category": None}, {"category"}),
        ({"category": "khong-co"}, {"category"}),
        ({"lat": "", "lon": "", "category": ""}, {"lat", "lon", "category"}),
    ],
)
def test_bad_parameters_get_a_400_saying_which(client, params, fields):
    response = ask(client, **{"lat": HERE[0], "lon": HERE[1], "category": "ha-tang-do-thi", **params})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "invalid_parameters"
    assert body["message"] == "Một số thông tin còn thiếu hoặc không hợp lệ."
    assert set(body["fields"]) == fields


def test_a_retired_field_is_a_bad_parameter(client):
    Category.objects.filter(code="moi-truong").update(is_active=False)

    response = ask(client, category="moi-truong")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"category"}


def test_it_answers_without_signing_in_and_only_to_get(client):
    assert ask(client).status_code == 200
    assert client.post(URL, {"lat": HERE[0], "lon": HERE[1], "category": "ha-tang-do-thi"}).status_code == 405


# --- Following instead of sending ----------------------------------------------------------


def _follow_stub(request, tracking_code):  # pragma: no cover - only reversed, never called
    raise AssertionError


# The routes the nearby answer needs: its own, and the portal's tracking page with or without
# the follow page (which the tracking pages' side builds), so that both cases are tested.
_TRACK = path("tra-cuu/<str:tracking_code>/", track, name="track")
_FOLLOW = path("theo-doi/<str:tracking_code>/", _follow_stub, name="follow")


class WithFollow:
    urlpatterns = [path("", include(pwa)), path("", include(([_TRACK, _FOLLOW], "portal")))]


class WithoutFollow:
    urlpatterns = [path("", include(pwa)), path("", include(([_TRACK], "portal")))]


def test_each_report_carries_the_address_of_its_follow_form(client, settings):
    settings.ROOT_URLCONF = WithFollow
    report = given_report(place(30))

    item = ask(client).json()["reports"][0]

    assert item["follow_url"] == f"/theo-doi/{report.tracking_code}/"


def test_without_a_follow_page_no_follow_form_is_offered(client, settings):
    settings.ROOT_URLCONF = WithoutFollow
    given_report(place(30))

    item = ask(client).json()["reports"][0]

    assert item["follow_url"] is None
    assert item["tracking_url"].startswith("/tra-cuu/")


# --- On the intake page ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_citizen_sees_the_same_problem_already_reported_nearby_and_follows_it(phone, script_errors):
    # Given an open report about the town's infrastructure 40 m from the place
    existing = given_report(place(0, 40), status=Status.IN_PROGRESS)
    given_report(place(30), field="moi-truong")  # another field

    # When the citizen picks the same field and types the place
    phone.goto("/gui-phan-anh/")
    phone.get_by_label("Lĩnh vực (không bắt buộc)").select_option(label="Hạ tầng đô thị")
    phone.get_by_label("Vĩ độ").fill(str(HERE[0]))
    phone.get_by_label("Kinh độ").fill(str(HERE[1]))

    # Then the page shows that report as a possible duplicate, without its text or photo
    items = phone.locator("#nearby li")
    expect(items).to_have_count(1)
    item = items.first
    expect(item.locator("[data-field=category]")).to_have_text("Hạ tầng đô thị")
    expect(item.locator("[data-field=status]")).to_have_text("Đang xử lý")
    expect(item.locator("[data-field=distance]")).to_have_text("40")
    expect(item.locator("[data-field=date]")).to_have_text(
        timezone.localtime(existing.created_at).strftime("%d/%m/%Y")
    )
    expect(item.locator("[data-field=track]")).to_have_attribute(
        "href", f"/tra-cuu/{existing.tracking_code}/"
    )
    expect(phone.locator("#nearby")).not_to_contain_text("Ổ gà")
    expect(item.locator("img")).to_be_hidden()

    # And the citizen can follow it by email instead of sending the same report
    email = item.locator("input[name=email]")
    form = phone.locator(f"form#{email.get_attribute('form')}")
    expect(form).to_have_attribute("action", f"/theo-doi/{existing.tracking_code}/")
    # a form of its own, outside the report's form (forms cannot nest)
    assert phone.locator("#report-form form").count() == 0
    # (one action, "Theo dõi phản ánh này", opens the email box)
    expect(email).to_be_hidden()
    item.get_by_text("Theo dõi phản ánh này").tap()
    email.fill("ban-doc@example.vn")
    with phone.expect_navigation() as navigation:
        item.get_by_role("button").tap()
    assert navigation.value.status < 400
    assert phone.url.endswith(f"/theo-doi/{existing.tracking_code}/")

    # When the citizen comes back and chooses another field, the list follows the field
    phone.go_back()
    phone.get_by_label("Lĩnh vực (không bắt buộc)").select_option(label="Môi trường")
    expect(phone.locator("#nearby li [data-field=category]")).to_have_text(["Môi trường"])
    # and without a field it goes away
    phone.get_by_label("Lĩnh vực (không bắt buộc)").select_option(index=0)
    expect(phone.locator("#nearby")).to_be_hidden()
    assert script_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_reports_nearby_stay_compact_and_the_published_one_shows_its_photo(phone, media_files):
    # Given nine open reports of the field around the place, and a published one with a photo
    for i in range(9):
        given_report(place(30 + 10 * i))
    published = reopened_after_publication("Ổ gà lớn trên đường Bà Triệu, đã vá nhưng lại vỡ", place(10), 1)

    # When the citizen picks the field and types the place
    phone.goto("/gui-phan-anh/")
    phone.get_by_label("Lĩnh vực (không bắt buộc)").select_option(label="Hạ tầng đô thị")
    phone.get_by_label("Vĩ độ").fill(str(HERE[0]))
    phone.get_by_label("Kinh độ").fill(str(HERE[1]))

    # Then the published one comes first with its text and its photo
    items = phone.locator("#nearby li")
    expect(items).to_have_count(10)
    expect(items.first.locator("[data-field=excerpt]")).to_have_text(
        "Ổ gà lớn trên đường Bà Triệu, đã vá nhưng lại vỡ"
    )
    photo = items.first.locator("img")
    expect(photo).to_be_visible()
    # (a photo is shown once it has loaded: wait for the load, and fail if it broke)
    assert photo.evaluate(
        """img => img.complete ? img.naturalWidth > 0 : new Promise(done => {
            img.addEventListener("load", () => done(img.naturalWidth > 0));
            img.addEventListener("error", () => done(false));
        })"""
    )
    expect(items.first.locator("[data-field=track]")).to_have_attribute(
        "href", f"/phan-anh/{published.tracking_code}/"
    )
    # And the ten take less than a third of the phone's screen: with the list at the top of
    # the screen, the next part of the form is on the screen too
    height = phone.locator("#nearby [data-list]").bounding_box()["height"]
    assert height < 844 / 3
    phone.locator("#nearby").evaluate("section => section.scrollIntoView({block: 'start'})")
    expect(phone.locator("legend", has_text="Thông tin liên hệ")).to_be_in_viewport()
