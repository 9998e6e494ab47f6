"""The commune is filled in from the place: the commune's area when it is loaded, else its centre.

Places in Lạng Sơn city: Phường Lương Văn Tri and Phường Tam Thanh have areas (a square
each here, Tam Thanh's with a lake cut out of it); Xã Mai Pha and Xã Hoàng Đồng only have
centres, as after `load_communes` before anyone loaded the areas.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from phananh.org.models import Unit, UnitKind
from phananh.org.selectors import commune_at
from phananh.org.services import unit_create

pytestmark = pytest.mark.django_db

URL = reverse("pwa:commune")


def square(south: float, west: float, north: float, east: float) -> list:
    """A closed GeoJSON ring: (longitude, latitude) pairs."""
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


@pytest.fixture
def city(ward):
    """ward is Phường Lương Văn Tri; it gets an area, as do its neighbours."""
    ward.jurisdiction = {"type": "Polygon", "coordinates": [square(21.840, 106.750, 21.860, 106.770)]}
    ward.save()
    lake = square(21.832, 106.772, 21.836, 106.778)
    tam_thanh = unit_create(
        code="phuong-tam-thanh",
        name="UBND Phường Tam Thanh",
        area_name="Phường Tam Thanh",
        kind=UnitKind.WARD,
        parent=ward.parent,
        # A MultiPolygon given as a Feature, as GIS tools export it: the ward and an islet.
        jurisdiction={
            "type": "Feature",
            "properties": {"ten": "Tam Thanh"},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [
                    [square(21.825, 106.770, 21.840, 106.790), lake],
                    [square(21.900, 106.900, 21.905, 106.905)],
                ],
            },
        },
    )
    mai_pha = centred("xa-mai-pha", "Xã Mai Pha", 21.820, 106.720, ward.parent)
    hoang_dong = centred("xa-hoang-dong", "Xã Hoàng Đồng", 21.890, 106.740, ward.parent)
    return {"luong_van_tri": ward, "tam_thanh": tam_thanh, "mai_pha": mai_pha, "hoang_dong": hoang_dong}


def centred(code: str, area_name: str, lat: float, lon: float, parent) -> Unit:
    return unit_create(
        code=code,
        name=f"UBND {area_name}",
        area_name=area_name,
        kind=UnitKind.COMMUNE,
        parent=parent,
        latitude=f"{lat:.6f}",
        longitude=f"{lon:.6f}",
    )


def found(lat: float, lon: float, max_m: float = 12_000) -> str | None:
    unit = commune_at(latitude=lat, longitude=lon, max_centre_distance_m=max_m)
    return unit.area_name if unit else None


def test_a_place_inside_a_communes_area_gives_that_commune(city):
    assert found(21.850, 106.760) == "Phường Lương Văn Tri"
    assert found(21.830, 106.785) == "Phường Tam Thanh"
    # the islet, the second polygon of Tam Thanh
    assert found(21.902, 106.902) == "Phường Tam Thanh"


def test_an_area_wins_over_a_nearer_centre_of_a_commune_without_area(city):
    # Given Mai Pha's centre moved right next to a place that lies in Lương Văn Tri's area
    Unit.objects.filter(pk=city["mai_pha"].pk).update(latitude="21.841000", longitude="106.751000")

    # Then the place is still in Lương Văn Tri
    assert found(21.8405, 106.7505) == "Phường Lương Văn Tri"


def test_a_place_in_a_hole_of_an_area_is_not_in_that_commune(city):
    # The lake is cut out of Tam Thanh; the nearest centre (Mai Pha, about 6 km) is the guess
    assert found(21.834, 106.775) == "Xã Mai Pha"
    # and without a centre close enough, no commune at all
    assert found(21.834, 106.775, max_m=3_000) is None


def test_without_areas_the_nearest_centre_within_the_distance_is_chosen(city):
    assert found(21.822, 106.722) == "Xã Mai Pha"
    assert found(21.888, 106.741) == "Xã Hoàng Đồng"
    # more than 20 km from every centre: likely another province, so nothing is suggested
    assert found(22.100, 106.760) is None


def test_a_retired_commune_is_never_suggested(city):
    # Given Mai Pha merged away (retired by load_communes)
    Unit.objects.filter(pk=city["mai_pha"].pk).update(is_active=False)

    # Then a place by its old centre goes to the next nearest commune, never to Mai Pha
    assert found(21.822, 106.722) == "Xã Hoàng Đồng"


def test_the_intake_page_asks_the_commune_of_a_place_and_gets_the_name_of_its_list(client, city):
    # When the intake page asks for a place tapped in Tam Thanh (with a decimal comma)
    response = client.get(URL, {"lat": "21,83", "lon": "106.785"})

    # Then the answer is the commune as the form's list names it
    assert response.status_code == 200
    assert response.json() == {"commune": {"id": city["tam_thanh"].pk, "name": "Phường Tam Thanh"}}
    # And a place in no commune gets none
    assert client.get(URL, {"lat": "22.3", "lon": "106.2"}).json() == {"commune": None}


def test_a_wrong_place_is_refused_with_each_problem_under_its_field(client, city):
    response = client.get(URL, {"lat": "abc", "lon": "2.35"})

    assert response.status_code == 400
    assert response.json()["fields"] == {"lat": ["Giá trị phải là số."]}
    response = client.get(URL, {"lat": "48.85", "lon": "2.35"})
    assert response.json()["fields"] == {"lat": ["Vị trí này nằm ngoài lãnh thổ Việt Nam."]}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_tap_on_the_map_fills_in_the_commune_which_the_reporter_can_change(phone, city, script_errors):
    # Given the intake page, whose map opens on the city centre (in Lương Văn Tri)
    phone.goto("/gui-phan-anh/")
    commune = phone.get_by_label("Xã, phường")

    # When the citizen taps the map
    phone.locator("#map.leaflet-container").tap()

    # Then the commune list shows Lương Văn Tri, and says it was chosen from the map
    expect(commune.locator("option:checked")).to_have_text("Phường Lương Văn Tri")
    expect(phone.get_by_text("Đã chọn theo vị trí trên bản đồ")).to_be_visible()

    # When the citizen corrects it, then taps the map again, still in Lương Văn Tri
    commune.select_option(label="Xã Hoàng Đồng")
    with phone.expect_response(lambda r: "/xa-phuong.json" in r.url):
        phone.locator("#map.leaflet-container").tap(position={"x": 190, "y": 150})

    # Then the choice of the citizen stays
    expect(commune.locator("option:checked")).to_have_text("Xã Hoàng Đồng")
    expect(phone.get_by_text("Đã chọn theo vị trí trên bản đồ")).to_be_hidden()
    assert script_errors == []
