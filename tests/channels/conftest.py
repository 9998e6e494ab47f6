"""Zalo fixtures: a local stand-in for Zalo's API, and the workflow's named people and units."""

from __future__ import annotations

import pytest
from django.core.cache import cache

# The workflow's people and units.
from tests.workflow.conftest import people, phong_ht, so_xd, so_yt  # noqa: F401

from .zalo_standin import zalo  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_counters():
    # The per-user event counters live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()
