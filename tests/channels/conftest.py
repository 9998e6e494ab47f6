"""Channel fixtures: local stand-ins for Zalo's API and a partner's Open311 server, and the
workflow's named people, units and steps."""

from __future__ import annotations

import pytest
from django.core.cache import cache

# The workflow's people and units.
from tests.workflow.conftest import act, people, phong_ht, road, so_xd, so_yt, submit  # noqa: F401

from .open311_standin import API_KEY, SERVICE_CODE, partner  # noqa: F401
from .zalo_standin import zalo  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_counters():
    # The per-user event counters live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


PETITION_TEXT = (
    "Tôi là Nguyễn Văn An, số điện thoại 0912 345 678. Thủ tục cấp giấy phép xây dựng nhà ở "
    "đòi bản sao công chứng sổ đỏ dù đã nộp bản chính."
)


@pytest.fixture
def petition(settings, partner):  # noqa: F811
    """The national petition system turned on, pointing at the stand-in `partner`."""
    settings.PHANANH_PETITION_URL = partner.base
    settings.PHANANH_PETITION_API_KEY = API_KEY
    settings.PHANANH_PETITION_SERVICE_CODE = SERVICE_CODE
    settings.PHANANH_PETITION_TIMEOUT = 5
    return partner


@pytest.fixture
def regulation(submit, ward):  # noqa: F811
    return submit(
        PETITION_TEXT,
        kind="regulation",
        reporter_name="Nguyễn Văn An",
        reporter_email="an@example.vn",
        latitude=21.853412,
        longitude=106.761234,
        commune=ward.pk,
    )


@pytest.fixture
def step(act, django_capture_on_commit_callbacks):  # noqa: F811
    """A workflow action as the application takes it: committed, its event tasks run."""

    def step(report, user, action, **data):
        with django_capture_on_commit_callbacks(execute=True):
            return act(report, user, action, **data)

    return step
