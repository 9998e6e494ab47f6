"""Triage's tests. The duplicates and the late risk use the workflow's small province and its
named people (imported fixtures); the suggestions use a province of their own: the demo's units
with what each handles, lan at the IOC, an the administrator, and a history of decisions built
through the real intake and the transition service.

`history(items)` submits each labelled report on its day (as the intake page does: its map fills
the commune of the place, the ward when inside its area) (`days_ago`, with the clock moved), has
lan accept it with its field and urgency, and dispatch it to its unit. `labelled()` reads the
labelled set of the tests' data (`data/labelled_reports.jsonl`).
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from freezegun import freeze_time

from phananh.demo.data import COMPANIES, DEPARTMENTS, DIVISIONS, DUTIES
from phananh.org.models import Role, Unit, UnitKind, User
from phananh.org.selectors import commune_at
from phananh.org.services import unit_create
from phananh.reports.files import Upload
from phananh.reports.intake import validate_submission
from phananh.triage.services import forget_loaded_models
from phananh.workflow.services import transition
from phananh.workflow.submission import report_submit
from tests.backoffice.conftest import login  # noqa: F401
from tests.conftest import jpeg_bytes
from tests.staff import enrol
from tests.workflow.conftest import act, people, phong_ht, road, so_xd, so_yt, submit  # noqa: F401

DATA = Path(__file__).parent / "data" / "labelled_reports.jsonl"
WARD_AREA = {
    "type": "Polygon",
    "coordinates": [
        [[106.755, 21.850], [106.765, 21.850], [106.765, 21.858], [106.755, 21.858], [106.755, 21.850]]
    ],
}


def labelled() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """The learned model and the risks live in the shared cache: each test gets an empty one of
    its own (a cache of this process only, so that no other test's entries are touched)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture(autouse=True)
def _models_loaded_afresh():
    # Each process keeps the model it loaded, by version; a test's rows are rolled back.
    forget_loaded_models()
    yield
    forget_loaded_models()


@pytest.fixture
def province(ioc, ward):
    units = {"ioc": ioc, ward.code: ward}
    for code, name, short in DEPARTMENTS:
        units[code] = unit_create(
            code=code, name=name, short_name=short, kind=UnitKind.DEPARTMENT, parent=ioc
        )
    for code, parent, name, short in DIVISIONS:
        units[code] = unit_create(
            code=code, name=name, short_name=short, kind=UnitKind.DIVISION, parent=units[parent]
        )
    for code, name, short in COMPANIES:
        units[code] = unit_create(code=code, name=name, short_name=short, kind=UnitKind.COMPANY, parent=ioc)
    # What each unit handles, as the demo's administrators wrote it (Unit.duties).
    for code, lines in DUTIES.items():
        Unit.objects.filter(code=code).update(duties="\n".join(lines))
    # The ward's area (data/README.md), so that a place inside it is in the ward.
    Unit.objects.filter(pk=ward.pk).update(jurisdiction=WARD_AREA)
    return units


@pytest.fixture
def lan(province):
    user = User.objects.create_user(
        username="lan", password="x", role=Role.OPERATOR, unit=province["ioc"], first_name="Hoàng Thị Lan"
    )
    enrol(user)
    return user


@pytest.fixture
def an(province):
    user = User.objects.create_user(username="an", password="x", role=Role.ADMIN, unit=province["ioc"])
    enrol(user)
    return user


def submit_labelled(item: dict):
    """Submitted as the intake page sends a report: its map fills the commune of the place."""
    raw = {"description": item["text"], "consent": True, "reporter_phone": "0912345678"}
    if item.get("latitude") is not None:
        raw |= {"latitude": item["latitude"], "longitude": item["longitude"]}
        commune = commune_at(latitude=item["latitude"], longitude=item["longitude"], max_centre_distance_m=0)
        if commune is not None:
            raw["commune"] = commune.pk
    photos = [Upload("anh.jpg", jpeg_bytes())] if item.get("has_photo") else []
    return report_submit(submission=validate_submission(raw, channel="web"), photos=photos).report


@pytest.fixture
def history(lan, province):
    """Submit, accept and dispatch each item on its day (merge a labelled twin into its original);
    the reports, oldest first."""

    def build(items: list[dict]) -> list:
        now = timezone.now()
        units = {u.code: u.pk for u in Unit.objects.all()}
        reports, sent = [], {}
        ordered = sorted(enumerate(items), key=lambda pair: (-pair[1]["days_ago"], pair[0]))
        # One frozen clock, moved for each report (starting a clock costs more than moving it).
        with freeze_time(now) as clock:
            for index, item in ordered:
                clock.move_to(now - timedelta(days=item["days_ago"], minutes=len(items) - index))
                report = submit_labelled(item)
                original = sent.get(item.get("duplicate_of"))
                if original is not None:
                    # A twin of an earlier report: the IOC merges it into that one.
                    transition(
                        report=report, actor=lan, action="merge", data={"into": original.tracking_code}
                    )
                else:
                    transition(
                        report=report,
                        actor=lan,
                        action="accept",
                        data={
                            "category": item["field"],
                            "urgency": item["urgency"],
                            "lead_unit": units[item["unit"]],
                        },
                    )
                sent[index] = report
                reports.append(report)
        return reports

    return build
