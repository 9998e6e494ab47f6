"""The public map's clusters: counted on the server on a grid, published reports only, places rounded.

The grid is computed in SQL (GROUP BY on integer cell numbers): these tests run on SQLite and
on PostgreSQL alike (`DB=postgres`).
"""

# ruff: noqa: F811

from __future__ import annotations

import random
import re

import pytest

from phananh.portal.selectors import cell_thousandths, parse_bbox, public_coordinate
from phananh.reports.models import Report
from tests.portal.test_pages import Page
from tests.portal.test_public_support import at, publish_directly, road, send  # noqa: F401

pytestmark = pytest.mark.django_db

CLUSTERS = "/ban-do/cum.json"
PROVINCE = "106.0,21.3,107.4,22.5"
ROUNDED = re.compile(r"^-?\d{1,3}(\.\d{1,3})?$")


def clusters(client, bbox: str = PROVINCE, zoom: int = 10, **params) -> dict:
    response = client.get(CLUSTERS, {"bbox": bbox, "zoom": zoom, **params})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def published_at(lat: str, lon: str, status: str = "closed", **values) -> Report:
    return publish_directly(send("Ổ gà", **at(lat, lon), **values), status=status)


@pytest.fixture
def scattered():
    """40 published reports across the city and the province, and 5 that are not published."""
    rng = random.Random(7)
    reports = []
    for _ in range(40):
        lat = f"{rng.uniform(21.70, 22.00):.6f}"
        lon = f"{rng.uniform(106.60, 106.90):.6f}"
        reports.append(published_at(lat, lon))
    for i in range(5):
        send("Chưa công khai", **at(f"21.85{i}", "106.76"))
    Report.objects.filter(pk=reports[0].pk).update(is_public=False)
    Report.objects.filter(pk=reports[1].pk).update(is_public=None)
    return reports[2:]


@pytest.mark.parametrize("zoom", [5, 8, 10, 12, 14, 16, 18])
def test_the_clusters_count_every_published_report_in_the_box_once(client, scattered, zoom):
    answer = clusters(client, zoom=zoom)

    assert answer["total"] == sum(c["count"] for c in answer["clusters"]) == len(scattered) == 38
    assert all(c["count"] >= 1 for c in answer["clusters"])


def test_the_clusters_split_as_the_map_zooms_in(client, scattered):
    city = "106.60,21.70,106.90,22.00"
    counts = [len(clusters(client, city, zoom=zoom)["clusters"]) for zoom in (5, 9, 12, 16)]

    assert counts == sorted(counts)
    assert counts[0] == 1
    assert counts[-1] > 30


def test_a_box_counts_only_what_is_inside_it(client, scattered):
    west_half = "106.60,21.70,106.75,22.00"
    east_half = "106.75,21.70,106.90,22.00"

    west = clusters(client, west_half, zoom=12)["total"]
    east = clusters(client, east_half, zoom=12)["total"]

    inside_west = sum(1 for r in scattered if public_coordinate(r.longitude) <= 106.75)
    assert west == inside_west
    # A report rounded onto the shared edge is in both boxes; no report is in neither.
    on_edge = sum(1 for r in scattered if public_coordinate(r.longitude) == 106.75)
    assert west + east == 38 + on_edge


def test_a_lone_report_is_named_and_its_place_is_rounded(client, road):
    report = published_at("21.846912", "106.757648", category=road.code)

    answer = clusters(client, zoom=14)

    assert answer["clusters"] == [
        {
            "lat": 21.847,
            "lon": 106.758,
            "count": 1,
            "code": report.tracking_code,
            "field": road.name,
            "url": f"/phan-anh/{report.tracking_code}/",
        }
    ]


def test_the_box_selects_by_the_rounded_place_so_it_cannot_narrow_a_report_down(client):
    # A report at 21.8465 is shown at 21.847 (half up)
    published_at("21.846500", "106.757400")

    def total(bbox):
        return clusters(client, bbox, zoom=18)["total"]

    # Then boxes tell no more than the rounded place: in when it holds 21.847, out otherwise
    assert total("106.75,21.847,106.76,21.848") == 1
    assert total("106.75,21.8466,106.76,21.8469") == 0  # holds no multiple of 0.001
    assert total("106.75,21.840,106.76,21.8469") == 0
    assert total("106.75,21.8465,106.76,21.8465") == 0
    # And the same holds east–west: 106.7574 is shown at 106.757
    assert total("106.7570,21.84,106.7570,21.85") == 1
    assert total("106.7571,21.84,106.7579,21.85") == 0


def test_several_reports_at_one_rounded_place_link_to_the_list(client):
    a = published_at("21.853600", "106.761600")
    b = published_at("21.853700", "106.762400")
    published_at("21.860000", "106.761500")

    answer = clusters(client, "106.75,21.85,106.77,21.87", zoom=19)

    here = next(c for c in answer["clusters"] if c["count"] == 2)
    assert (here["lat"], here["lon"]) == (21.854, 106.762)
    assert "code" not in here
    page = Page(client.get(here["list_url"]))
    codes = {li.attrs["data-code"] for li in page.get("results").iter() if li.tag == "li"}
    assert codes == {a.tracking_code, b.tracking_code}


def test_the_clusters_follow_the_field_and_status_filters(client, road):
    published_at("21.85", "106.76", category=road.code)
    published_at("21.86", "106.77", category=road.code, status="resolved")
    published_at("21.87", "106.78", category="moi-truong")

    assert clusters(client, field=road.code)["total"] == 2
    assert clusters(client, field="moi-truong")["total"] == 1
    assert clusters(client, status="resolved")["total"] == 1
    assert clusters(client, field=road.code, status="closed")["total"] == 1


def test_every_place_in_the_answer_is_rounded(client, scattered):
    for zoom in (8, 12, 16, 19):
        for cluster in clusters(client, zoom=zoom)["clusters"]:
            assert ROUNDED.match(repr(cluster["lat"])) and ROUNDED.match(repr(cluster["lon"])), cluster


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"zoom": 10}, "invalid_bbox", "bbox"),
        ({"bbox": "106,21,107", "zoom": 10}, "invalid_bbox", "bbox"),
        ({"bbox": "a,b,c,d", "zoom": 10}, "invalid_bbox", "bbox"),
        ({"bbox": "107,21,106,22", "zoom": 10}, "invalid_bbox", "bbox"),
        ({"bbox": "106,21,107,NaN", "zoom": 10}, "invalid_bbox", "bbox"),
        ({"bbox": PROVINCE}, "invalid_zoom", "zoom"),
        ({"bbox": PROVINCE, "zoom": "21"}, "invalid_zoom", "zoom"),
        ({"bbox": PROVINCE, "zoom": "-1"}, "invalid_zoom", "zoom"),
        ({"bbox": PROVINCE, "zoom": "x"}, "invalid_zoom", "zoom"),
        ({"bbox": PROVINCE, "zoom": 10, "field": "khong-co"}, "unknown_field", "field"),
        ({"bbox": PROVINCE, "zoom": 10, "status": "khong-co"}, "unknown_status", "status"),
    ],
)
def test_wrong_parameters_are_a_422_that_says_which(client, params, code, field):
    response = client.get(CLUSTERS, params)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert set(body["fields"]) == {field}
    assert body["message"]


def test_the_whole_world_at_street_zoom_stays_a_small_answer(client, scattered):
    answer = clusters(client, "-180,-90,180,90", zoom=19)

    assert answer["total"] == 38
    assert answer["cell"] >= 360 / 64
    assert cell_thousandths(19, parse_bbox("-180,-90,180,90")) == 5625


def test_the_map_outside_vietnam_is_empty(client, scattered):
    answer = clusters(client, "2.2,48.8,2.4,48.9", zoom=12)

    assert (answer["total"], answer["clusters"]) == (0, [])
