"""The map's grid of cell counts is the published reports counted afresh, whoever changed them.

The grid is kept by triggers in the database (SQLite and PostgreSQL), in the writer's own
transaction: publication through the workflow, a report taken off the public side, moved,
re-classified, merged into, or written in bulk.
"""

# The shared fixtures are imported by name, then asked for by name: not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import importlib
import random
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import Sum

from phananh.portal.models import GRID_LEVELS, MapCell
from phananh.portal.selectors import cell_thousandths, clusters, parse_bbox
from phananh.reports.models import Report
from tests.portal.test_public_support import (  # noqa: F401
    act,
    at,
    handle,
    people,
    phong_ht,
    publish_directly,
    road,
    send,
    so_xd,
    so_yt,
)

pytestmark = pytest.mark.django_db


def _thousandths(value, offset: int) -> int:
    return int((Decimal(str(value)) * 1000).quantize(Decimal(1), ROUND_HALF_UP)) + offset * 1000


def counted_afresh() -> Counter:
    """(level, cell_y, cell_x, field, status) → reports, from the reports themselves."""
    counts: Counter = Counter()
    for report in Report.objects.filter(is_public=True, latitude__isnull=False, longitude__isnull=False):
        y, x = _thousandths(report.latitude, 90), _thousandths(report.longitude, 180)
        for level in GRID_LEVELS:
            counts[(level, y // level, x // level, report.category_id or 0, report.status)] += 1
    return counts


def the_grid() -> Counter:
    rows = MapCell.objects.filter(reports__gt=0)
    return Counter({(c.level, c.cell_y, c.cell_x, c.category_id, c.status): c.reports for c in rows})


def test_publishing_through_the_workflow_counts_the_report_in_every_level(people, so_xd):
    report = handle(send("Ổ gà", **at("21.846912", "106.757648")), people, so_xd)

    assert the_grid() == counted_afresh()
    assert MapCell.objects.filter(reports=1).count() == len(GRID_LEVELS)
    one = MapCell.objects.get(level=1, reports=1)
    assert (one.id_sum, one.latitude_sum, one.longitude_sum) == (report.pk, 21_846_912, 106_757_648)


def test_the_grid_follows_publishing_unpublishing_moving_and_reclassifying(road):
    rng = random.Random(11)
    reports = [
        publish_directly(
            send(f"Ổ gà {i}", **at(f"{rng.uniform(21.7, 22.0):.6f}", f"{rng.uniform(106.6, 106.9):.6f}")),
            status=rng.choice(["closed", "resolved"]),
        )
        for i in range(30)
    ]
    send("Chưa công khai", **at("21.85", "106.76"))
    assert the_grid() == counted_afresh()

    # Off the public side, back on it, moved, re-classified, a status changed, a place removed
    Report.objects.filter(pk__in=[r.pk for r in reports[:5]]).update(is_public=False)
    Report.objects.filter(pk=reports[1].pk).update(is_public=True)
    Report.objects.filter(pk=reports[6].pk).update(
        latitude=Decimal("21.900500"), longitude=Decimal("106.700499")
    )
    Report.objects.filter(pk=reports[7].pk).update(category_id=road.pk)
    Report.objects.filter(pk=reports[8].pk).update(
        status="resolved" if reports[8].status == "closed" else "closed"
    )
    Report.objects.filter(pk=reports[9].pk).update(latitude=None)
    Report.objects.filter(pk=reports[10].pk).delete()

    assert the_grid() == counted_afresh()
    assert MapCell.objects.filter(level=GRID_LEVELS[-1]).aggregate(n=Sum("reports"))["n"] == 30 - 4 - 2


def test_merging_a_duplicate_into_a_published_report_changes_nothing_on_the_map(people, so_xd, act):
    original = handle(send("Ngập nước", **at("21.853700", "106.762400")), people, so_xd, close=False)
    before = the_grid()
    duplicate = send("Ngập nước, trùng", **at("21.853600", "106.761600"))

    act(duplicate, people["lan"], "merge", into=original.tracking_code, note="Trùng")

    assert the_grid() == before == counted_afresh()


def test_reports_written_in_bulk_are_counted_too(road):
    template = send("Mẫu", **at("21.85", "106.76"))
    fields = {
        f.attname: getattr(template, f.attname) for f in Report._meta.concrete_fields if not f.primary_key
    }
    rows = []
    for i in range(40):
        rows.append(
            Report(
                **{
                    **fields,
                    "tracking_code": f"PA-26-BULK{i:02d}",
                    "is_public": i % 4 != 0,
                    "status": "closed",
                    "latitude": Decimal(f"21.{8000 + i * 37:04d}00"),
                    "longitude": Decimal(f"106.{7000 + i * 53:04d}00"),
                }
            )
        )
    Report.objects.bulk_create(rows)

    assert the_grid() == counted_afresh()
    assert sum(n for key, n in the_grid().items() if key[0] == 1) == 30


@pytest.mark.parametrize("zoom", [6, 9, 11, 13, 15, 17])
def test_clusters_from_the_grid_are_those_of_a_count_over_the_reports(zoom):
    rng = random.Random(zoom)
    for i in range(60):
        lat = f"{rng.gauss(21.85, 0.05):.6f}"
        lon = f"{rng.gauss(106.76, 0.05):.6f}"
        publish_directly(send(f"Ổ gà {i}", **at(lat, lon)))
    box = "106.70,21.80,106.83,21.91"
    bbox = parse_bbox(box)
    size = cell_thousandths(zoom, bbox)
    level = next(level for level in GRID_LEVELS if level >= size)
    south, north = _thousandths(Decimal("21.80"), 90), _thousandths(Decimal("21.91"), 90)
    west, east = _thousandths(Decimal("106.70"), 180), _thousandths(Decimal("106.83"), 180)
    expected: Counter = Counter()
    for report in Report.objects.filter(is_public=True):
        y, x = _thousandths(report.latitude, 90), _thousandths(report.longitude, 180)
        if south <= y <= north and west <= x <= east:
            expected[(y // level, x // level)] += 1

    found = clusters(bbox=bbox, zoom=zoom)

    assert sorted(c.count for c in found.clusters) == sorted(expected.values())
    assert found.total == sum(expected.values()) > 0
    assert found.cell == Decimal(level) / 1000


def test_the_migration_and_the_code_agree_on_the_levels():
    migration = importlib.import_module("phananh.portal.migrations.0001_map_grid")
    zoom_sizes = {cell_thousandths(zoom, parse_bbox("106.70,21.80,106.75,21.85")) for zoom in range(21)}

    assert migration.LEVELS == GRID_LEVELS
    assert zoom_sizes == set(GRID_LEVELS)


def test_an_emptied_cell_is_dropped_and_never_goes_below_zero(road):
    first = publish_directly(send("Ổ gà", category=road.code, **at("21.85", "106.76")))
    Report.objects.filter(pk=first.pk).update(is_public=False)
    assert not MapCell.objects.exists()

    # The grid emptied before the reports, as a flush of the test database does on SQLite:
    publish_directly(first)
    MapCell.objects.all().delete()
    Report.objects.filter(pk=first.pk).delete()
    assert not MapCell.objects.exists()

    # A report published at the same place afterwards is on the map.
    publish_directly(send("Ổ gà nữa", category=road.code, **at("21.85", "106.76")))
    assert the_grid() == counted_afresh() and not MapCell.objects.filter(reports__lte=0).exists()
    bbox = parse_bbox("106.0,21.0,107.5,22.5")
    assert clusters(bbox=bbox, zoom=10).total == 1
