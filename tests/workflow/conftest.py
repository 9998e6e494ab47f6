"""A small province for the workflow: named people in named units.

- lan operates the IOC; minh answers its hotline; quang sits on the steering committee;
  an administers the system.
- Sở Xây dựng (so_xd) has a division (phong_ht); hung is its focal point, binh its leader,
  tuan a handler in the division.
- Phường Lương Văn Tri (ward) has mai as focal point.
- Sở Y tế (so_yt) has charlie, who should have no access to Sở Xây dựng's reports.
- lan, minh and an have an authenticator app (the IOC's roles and administrators must sign in
  with a second factor; `tests.staff` signs them in with it).
"""

from __future__ import annotations

import pytest

from phananh.org.models import Role, UnitKind, User
from phananh.org.services import unit_create
from phananh.reports.intake import validate_submission
from phananh.reports.models import Category
from phananh.workflow.services import transition
from phananh.workflow.submission import report_submit
from tests.staff import enrol


@pytest.fixture
def so_xd(ioc):
    return unit_create(code="so-xd", name="Sở Xây dựng", kind=UnitKind.DEPARTMENT, parent=ioc)


@pytest.fixture
def phong_ht(so_xd):
    return unit_create(code="so-xd-ht", name="Phòng Hạ tầng", kind=UnitKind.DIVISION, parent=so_xd)


@pytest.fixture
def so_yt(ioc):
    return unit_create(code="so-yt", name="Sở Y tế", kind=UnitKind.DEPARTMENT, parent=ioc)


def _person(username, role, unit, **extra):
    return User.objects.create_user(username=username, password="x", role=role, unit=unit, **extra)


@pytest.fixture
def people(ioc, so_xd, phong_ht, so_yt, ward):
    people = {
        "lan": _person("lan", Role.OPERATOR, ioc),
        "minh": _person("minh", Role.CALL_AGENT, ioc),
        "quang": _person("quang", Role.STEERING, ioc),
        "an": _person("an", Role.ADMIN, ioc),
        "hung": _person("hung", Role.FOCAL_POINT, so_xd),
        "binh": _person("binh", Role.LEADER, so_xd),
        "tuan": _person("tuan", Role.HANDLER, phong_ht),
        "mai": _person("mai", Role.FOCAL_POINT, ward),
        "charlie": _person("charlie", Role.FOCAL_POINT, so_yt),
    }
    for name in ("lan", "minh", "an"):
        enrol(people[name])
    return people


@pytest.fixture
def submit(db, ioc):
    def submit(description="Ổ gà lớn trên đường Bà Triệu", **values):
        raw = {"description": description, "consent": True, "reporter_phone": "0912345678", **values}
        return report_submit(submission=validate_submission(raw, channel="web")).report

    return submit


@pytest.fixture
def act():
    def act(report, user, action, **data):
        return transition(report=report, actor=user, action=action, data=data)

    return act


@pytest.fixture
def road():
    return Category.objects.get(code="ha-tang-do-thi")
