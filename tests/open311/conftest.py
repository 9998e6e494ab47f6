"""Givens of the Open311 tests: a partner system with its key, a field that asks questions, a
published report and one that is not."""

# The shared fixtures are imported by name, then asked for by name: not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache

from phananh.open311.keys import client_issue
from tests.portal.test_public_support import PERSONAL, REPORTER, publish_directly, send  # noqa: F401
from tests.workflow.conftest import people, phong_ht, road, so_xd, so_yt  # noqa: F401

KEY = "khoa-thu-nghiem-cua-he-thong-ban-0001"
OTHER_KEY = "khoa-cua-mot-he-thong-khac-0002"
BASE = "/open311/v2/"


@pytest.fixture(autouse=True)
def _fresh_counters():
    # The posts a key made this minute are counted in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def partner(db):
    """The national petition system, a partner with its own key."""
    return client_issue(name="Hệ thống phản ánh kiến nghị quốc gia", contact="ops@example.vn", key=KEY)[0]


@pytest.fixture
def stranger(db):
    """Another partner, who must not follow what the first one sent."""
    return client_issue(name="Cổng của tỉnh bạn", key=OTHER_KEY)[0]


@pytest.fixture
def published(road):
    report = send(
        "Ổ gà lớn trước số 20 Bà Triệu, gọi cho tôi 0987 654 321.",
        category="ha-tang-do-thi",
        latitude="21.853712",
        longitude="106.761234",
        address="Số 20 Bà Triệu",
    )
    return publish_directly(
        report,
        public_description="Ổ gà lớn trước số 20 Bà Triệu.",
        public_address="Đường Bà Triệu",
    )


@pytest.fixture
def unpublished(road):
    return send("Đèn đường hỏng ở ngõ 5 Lê Lợi, nhà bà Ngọc.", category="ha-tang-do-thi")


def body(response):
    """The answer as data, from JSON or from XML (as a dict of the elements' texts)."""
    if response["Content-Type"].startswith("application/json"):
        return json.loads(response.content)
    return ET.fromstring(response.content)  # noqa: S314 (our own answer, in a test)


def texts(element) -> dict:
    return {child.tag: (child.text or "") for child in element}
