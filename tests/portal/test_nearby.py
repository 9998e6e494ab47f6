"""Possible duplicates: while writing, a citizen sees the open reports of the same field nearby.

The answer is public (no login) and may be asked for any point, so it tells no more than the
public pages: a published report (open again after its publication) comes with its field,
status, date, published text, first photo and its public place (rounded to 0.001°), found and
measured by that rounded place; a report not published comes only as a count over the cell of a
fixed 0.01° grid that holds the asked point: no code, no distance, nothing finer than the cell.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import include, path
from django.utils import timezone
from playwright.sync_api import expect

from phananh.core.geo import distance_m
from phananh.portal import pwa
from phananh.portal.nearby import Cell
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
METRES_PER_DEGREE = 111_195


def place(north_m: float, east_m: float = 0.0, *, of=HERE) -> tuple[float, float]:
    """The place so many metres north and east of HERE (or of another place)."""
    lat = of[0] + north_m / METRES_PER_DEGREE
    lon = of[1] + east_m / (METRES_PER_DEGREE * math.cos(math.radians(of[0])))
    return round(lat, 6), round(lon, 6)


def public(where) -> tuple[float, float]:
    """A place as the public pages show it: rounded half up to 0.001°."""
    return tuple(float(Decimal(str(v)).quantize(Decimal("0.001"), "ROUND_HALF_UP")) for v in where)


def shown_distance(where) -> int:
    """The distance the answer gives: from HERE to the public place, to ten metres."""
    return max(10, round(distance_m(*HERE, *public(where)) / 10) * 10)


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


def given_published(where, *, status=Status.IN_PROGRESS, **fields) -> Report:
    """A report the IOC published (its public copy as the text was), then reopened: open again, and public."""
    report = given_report(where, status=status, is_public=True, **fields)
    Report.objects.filter(pk=report.pk).update(public_description=F("description"))
    report.refresh_from_db()
    return report


def ask(client, lat=HERE[0], lon=HERE[1], category="ha-tang-do-thi", **extra):
    params = {"lat": lat, "lon": lon, "category": category, **extra}
    return client.get(URL, {k: v for k, v in params.items() if v is not None})


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["tracking_code"] for item in response.json()["reports"]]


def unpublished(response) -> int:
    assert response.status_code == 200, response.content
    return response.json()["unpublished"]["count"]


def test_published_open_reports_of_the_field_within_the_radius_come_nearest_first(client, settings):
    # Given the default radius of 250 m and published reports around the citizen
    assert settings.PHANANH_NEARBY_RADIUS_M == 250
    at_120 = given_published(place(120))
    at_40 = given_published(place(0, 40), status=Status.SUBMITTED)
    at_200 = given_published(place(-140, 140))
    given_published(place(330))  # too far
    given_published(place(60), field="moi-truong")  # another field

    # When the page asks what is near
    response = ask(client)

    # Then the three published open reports of the field inside 250 m come, the nearest first
    assert codes(response) == [at_40.tracking_code, at_120.tracking_code, at_200.tracking_code]
    body = response.json()
    assert body["radius_m"] == 250
    first = body["reports"][0]
    assert first["distance_m"] == shown_distance(place(0, 40))
    assert (first["latitude"], first["longitude"]) == public(place(0, 40))
    assert first["category"] == "Hạ tầng đô thị"
    assert first["status"] == "submitted"
    assert first["status_label"] == STATUS_LABELS_VI["submitted"]
    assert first["tracking_url"] == f"/phan-anh/{at_40.tracking_code}/"
    assert body["reports"][2]["status_label"] == STATUS_LABELS_VI["in_progress"]
    assert body["reports"][2]["distance_m"] == shown_distance(place(-140, 140))
    assert body["unpublished"]["count"] == 0
    assert response["Cache-Control"] == "no-store"


def test_the_radius_comes_from_the_settings(client, settings):
    near, farther = given_published(place(80)), given_published(place(180))
    settings.PHANANH_NEARBY_RADIUS_M = 100

    assert codes(ask(client)) == [near.tracking_code]
    settings.PHANANH_NEARBY_RADIUS_M = 500
    assert codes(ask(client)) == [near.tracking_code, farther.tracking_code]


def test_the_box_that_narrows_the_rows_never_cuts_the_circle(client):
    # Given published reports at public places (on the 0.001° grid) the farthest inside 250 m
    # in every direction, diagonals included (151 to 243 m)...
    inside = [
        (21.848, 106.759), (21.848, 106.761), (21.847, 106.761), (21.845, 106.761),
        (21.845, 106.759), (21.845, 106.758), (21.847, 106.758), (21.848, 106.758),
    ]  # fmt: skip
    # ...and the nearest outside it (252 to 272 m)
    outside = [(21.847, 106.757), (21.846, 106.757), (21.849, 106.759), (21.847, 106.762)]
    assert max(distance_m(*HERE, *where) for where in inside) < 250
    assert min(distance_m(*HERE, *where) for where in outside) > 250
    reports = [given_published(where) for where in inside]
    for where in outside:
        given_published(where)

    # Then exactly those inside are found
    assert sorted(codes(ask(client))) == sorted(r.tracking_code for r in reports)


def test_a_published_report_is_found_and_measured_by_its_public_place_only(client):
    # Given a published report, and the same report anywhere else inside its rounding square
    where = place(120, 70)
    report = given_published(where)
    square = public(where)
    elsewhere = (square[0] + 0.00049, square[1] - 0.0005)
    assert public(elsewhere) == square

    # When a stranger asks from many points around it, before and after the move
    asked = [place(north, east) for north in range(-300, 301, 60) for east in range(-300, 301, 60)]

    def answers():
        return [ask(client, lat, lon).json()["reports"] for lat, lon in asked]

    before = answers()
    Report.objects.filter(pk=report.pk).update(latitude=elsewhere[0], longitude=elsewhere[1])

    # Then every answer is the same: nothing finer than its public place can be learnt
    assert answers() == before
    found = [item for items in before for item in items]
    assert found and {(item["latitude"], item["longitude"]) for item in found} == {square}


@pytest.mark.parametrize(
    "status",
    [Status.MERGED, Status.REJECTED, Status.RESOLVED, Status.CLOSED],
)
def test_finished_merged_and_rejected_reports_are_neither_listed_nor_counted(client, status):
    given_published(place(30), status=status)
    given_report(place(40), status=status)

    response = ask(client)

    assert codes(response) == [] and unpublished(response) == 0


def test_reports_not_published_are_only_counted_over_the_cell_of_the_asked_point(client):
    # Given two open reports not published yet, one in the cell of the asked point, one in the
    # next cell east (0.01° further)
    cell = Cell.containing(*HERE)
    given_report(place(30))
    given_report((HERE[0], float(cell.east) + 0.002))

    response = ask(client)

    # Then neither is listed; the one in the cell is counted, with the cell it was counted over
    assert codes(response) == []
    body = response.json()["unpublished"]
    assert body == {
        "count": 1,
        "cell": {"south": 21.84, "west": 106.75, "north": 21.85, "east": 106.76},
    }


def test_reports_whose_reporter_or_the_ioc_kept_them_private_are_neither_listed_nor_counted(client):
    # Listing or counting a report tells strangers it exists and about where: only publishable
    # ones are counted, only published ones listed.
    given_report(place(30), wants_public=False)
    given_report(place(40), is_public=False)
    not_yet = given_report(place(45))
    published = given_published(place(50))

    response = ask(client)

    assert codes(response) == [published.tracking_code]
    assert unpublished(response) == 1
    assert not_yet.tracking_code not in response.content.decode()


def test_nothing_of_an_unpublished_report_is_in_the_answer_but_the_count(client):
    report = given_report(place(30))

    response = ask(client)

    body = response.json()
    assert body["reports"] == [] and body["unpublished"]["count"] == 1
    raw = json.dumps(body, ensure_ascii=False)
    for secret in (report.tracking_code, "Ổ gà", "Nguyễn", "0912345678", "a@example.vn", "Lê Lợi"):
        assert secret not in raw
    assert f"{float(report.latitude):.3f}" not in raw
    assert f"{float(report.longitude):.3f}" not in raw
    assert "distance" not in raw


def test_asking_all_around_an_unpublished_report_places_it_no_closer_than_its_cell(client):
    """The attack that placed a report within a metre, replayed: a stranger asks from a grid of
    points every 150 m over 2.4 km around an unpublished report, then the report moves to the
    far corner of its cell (1.4 km away) and the stranger asks again."""
    # Given an open report not published, in the north-east of its cell
    cell = Cell.containing(*HERE)
    report = given_report((float(cell.south) + 0.0093, float(cell.west) + 0.0092))
    asked = [
        place(north, east, of=(report.latitude, report.longitude))
        for north in range(-1200, 1201, 150)
        for east in range(-1200, 1201, 150)
    ]

    def answers():
        return [ask(client, lat, lon).json() for lat, lon in asked]

    # When the stranger asks from every point
    before = answers()

    # Then no answer names or measures the report: each is the count of the asked point's cell
    for (lat, lon), answer in zip(asked, before, strict=True):
        assert answer["reports"] == []
        assert answer["unpublished"]["count"] == (1 if Cell.containing(lat, lon) == cell else 0)
    # ...so what the stranger learns is the cell: about 1.1 km north to south, 1 km east to west
    counted = [where for where, answer in zip(asked, before, strict=True) if answer["unpublished"]["count"]]
    north_south = distance_m(min(p[0] for p in counted), HERE[1], max(p[0] for p in counted), HERE[1])
    east_west = distance_m(HERE[0], min(p[1] for p in counted), HERE[0], max(p[1] for p in counted))
    assert north_south >= 900 and east_west >= 800

    # And when the report is anywhere else in its cell (here its far south-west corner, about
    # 1.4 km away), every answer is the same: asking cannot tell the two places apart
    Report.objects.filter(pk=report.pk).update(
        latitude=float(cell.south) + 0.0001, longitude=float(cell.west) + 0.0001
    )
    assert answers() == before


def reopened_after_publication(description: str, where, photos: int) -> Report:
    """A report that was resolved and published (its text and photos as they were), then
    reopened: open again, and public."""
    report = send(description, photos=photos, category="ha-tang-do-thi", **at(*map(str, where)))
    Report.objects.filter(pk=report.pk).update(
        status=Status.IN_PROGRESS, is_public=True, public_description=F("description")
    )
    report.attachments.update(public_file=F("file"), public_thumbnail=F("thumbnail"))
    return report


def test_a_published_report_shows_its_published_text_and_first_photo(client, media_files):
    # Given a published report (reopened) with two photos 20 m away, and an unpublished one
    # with a photo 30 m away
    published = reopened_after_publication("Ổ gà lớn đường Bà Triệu, đã vá nhưng lại vỡ", place(20), 2)
    private = send(
        "Ổ gà trước nhà bà Lê Thị Hoa", photos=1, category="ha-tang-do-thi", **at(*map(str, place(30)))
    )

    # When the citizen's page asks what is nearby
    response = ask(client)
    (first,) = response.json()["reports"]

    # Then the published one shows its text and its first photo, and links to its public page
    photo = published.attachments.filter(kind="photo").order_by("id").first()
    assert first["tracking_code"] == published.tracking_code
    assert first["excerpt"] == "Ổ gà lớn đường Bà Triệu, đã vá nhưng lại vỡ"
    assert first["photo_url"] == f"/phan-anh/{published.tracking_code}/anh/{photo.pk}/nho/"
    assert first["tracking_url"] == f"/phan-anh/{published.tracking_code}/"
    thumb = client.get(first["photo_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    # And the unpublished one is only counted: neither its code, nor its text, nor its photo
    assert unpublished(response) == 1
    raw = json.dumps(response.json(), ensure_ascii=False)
    assert private.tracking_code not in raw and "Hoa" not in raw


def test_a_long_published_text_is_cut_to_two_lines(client):
    reopened_after_publication("Đường " + "rất " * 80 + "hỏng", place(20), 0)

    item = ask(client).json()["reports"][0]

    assert len(item["excerpt"]) <= 110 and item["excerpt"].endswith("…")
    assert item["photo_url"] is None


def test_at_most_ten_are_given_the_nearest(client):
    reports = [given_published(place(20 * n + 5, 15 * n)) for n in range(12)]

    found = codes(ask(client))

    assert len(found) == 10
    distance = {r.tracking_code: distance_m(*HERE, *public((r.latitude, r.longitude))) for r in reports}
    left_out = set(distance) - set(found)
    assert max(distance[code] for code in found) <= min(distance[code] for code in left_out)


def test_the_distance_is_the_great_circle_distance_to_the_public_place_rounded_to_ten_metres(client):
    where = place(93, 31)
    given_published(where)

    exact = distance_m(*HERE, *public(where))
    assert ask(client).json()["reports"][0]["distance_m"] == round(exact / 10) * 10


def test_typed_coordinates_with_a_decimal_comma_are_understood(client):
    report = given_published(place(30))

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


# The routes the nearby answer needs: its own, and the portal's public report page with or
# without the follow page (which the tracking pages' side builds), so that both cases are tested.
_PUBLIC = path("phan-anh/<str:tracking_code>/", track, name="public_report")
_FOLLOW = path("theo-doi/<str:tracking_code>/", _follow_stub, name="follow")


class WithFollow:
    urlpatterns = [path("", include(pwa)), path("", include(([_PUBLIC, _FOLLOW], "portal")))]


class WithoutFollow:
    urlpatterns = [path("", include(pwa)), path("", include(([_PUBLIC], "portal")))]


def test_each_report_carries_the_address_of_its_follow_form(client, settings):
    settings.ROOT_URLCONF = WithFollow
    report = given_published(place(30))

    item = ask(client).json()["reports"][0]

    assert item["follow_url"] == f"/theo-doi/{report.tracking_code}/"


def test_without_a_follow_page_no_follow_form_is_offered(client, settings):
    settings.ROOT_URLCONF = WithoutFollow
    report = given_published(place(30))

    item = ask(client).json()["reports"][0]

    assert item["follow_url"] is None
    assert item["tracking_url"] == f"/phan-anh/{report.tracking_code}/"


# --- On the intake page ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_citizen_sees_the_same_problem_already_reported_nearby_and_follows_it(phone, script_errors):
    # Given a published report about the town's infrastructure, open again, 40 m from the
    # place, and two reports of the field not published yet in the same area
    existing = given_published(place(0, 40), description="Ổ gà lớn đường Bà Triệu, đã vá nhưng lại vỡ")
    hidden = [given_report(place(30)), given_report(place(-300, -200))]
    given_report(place(30), field="moi-truong")  # another field

    # When the citizen picks the same field and types the place
    phone.goto("/gui-phan-anh/")
    phone.get_by_label("Lĩnh vực (không bắt buộc)").select_option(label="Hạ tầng đô thị")
    phone.get_by_label("Vĩ độ").fill(str(HERE[0]))
    phone.get_by_label("Kinh độ").fill(str(HERE[1]))

    # Then the page shows the published report as a possible duplicate, with its public text
    items = phone.locator("#nearby li")
    expect(items).to_have_count(1)
    item = items.first
    expect(item.locator("[data-field=category]")).to_have_text("Hạ tầng đô thị")
    expect(item.locator("[data-field=status]")).to_have_text("Đang xử lý")
    expect(item.locator("[data-field=excerpt]")).to_have_text("Ổ gà lớn đường Bà Triệu, đã vá nhưng lại vỡ")
    expect(item.locator("[data-field=distance]")).to_have_text(str(shown_distance(place(0, 40))))
    expect(item.locator("[data-field=date]")).to_have_text(
        timezone.localtime(existing.created_at).strftime("%d/%m/%Y")
    )
    expect(item.locator("[data-field=track]")).to_have_attribute(
        "href", f"/phan-anh/{existing.tracking_code}/"
    )
    # And of the others only how many there are in the area, in Vietnamese, nothing to open
    unpublished = phone.locator('#nearby [data-part="unpublished"]')
    expect(unpublished).to_have_text(
        "Phản ánh cùng lĩnh vực chưa được công khai trong khu vực này (ô vuông khoảng 1,1 km): 2."
        " Nếu cùng một vấn đề, bạn vẫn cứ gửi: Trung tâm điều hành sẽ gộp lại."
    )
    for report in hidden:
        assert report.tracking_code not in phone.content()

    # And the citizen can follow the published one by email instead of sending the same report
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

    # When the citizen comes back and chooses another field, the answer follows the field: one
    # not published there, and no list
    phone.go_back()
    phone.get_by_label("Lĩnh vực (không bắt buộc)").select_option(label="Môi trường")
    expect(unpublished.locator("[data-field=unpublished-count]")).to_have_text("1")
    expect(phone.locator('#nearby [data-part="published"]')).to_be_hidden()
    # and without a field it goes away
    phone.get_by_label("Lĩnh vực (không bắt buộc)").select_option(index=0)
    expect(phone.locator("#nearby")).to_be_hidden()
    assert script_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_reports_nearby_stay_compact_and_the_published_one_shows_its_photo(phone, media_files):
    # Given nine published open reports of the field around the place, and one with a photo
    for i in range(9):
        given_published(place(30 + 15 * i))
    published = reopened_after_publication("Ổ gà lớn trên đường Bà Triệu, đã vá nhưng lại vỡ", place(10), 1)

    # When the citizen picks the field and types the place
    phone.goto("/gui-phan-anh/")
    phone.get_by_label("Lĩnh vực (không bắt buộc)").select_option(label="Hạ tầng đô thị")
    phone.get_by_label("Vĩ độ").fill(str(HERE[0]))
    phone.get_by_label("Kinh độ").fill(str(HERE[1]))

    # Then the nearest comes first with its text and its photo
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
