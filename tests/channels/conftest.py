"""Channel fixtures: local stand-ins for Zalo's API and a partner's Open311 server, and the
workflow's named people, units and steps."""

from __future__ import annotations

import pytest
from django.core.cache import cache

# The workflow's people and units.
from tests.workflow.conftest import act, people, phong_ht, road, so_xd, so_yt, submit  # noqa: F401

from .open311_standin import partner  # noqa: F401
from .zalo_standin import zalo  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_counters():
    # The per-user event counters live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()
