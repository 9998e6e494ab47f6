"""Triage is tested on the workflow's small province and its named people."""

import uuid

import pytest

from tests.backoffice.conftest import login  # noqa: F401
from tests.workflow.conftest import act, people, phong_ht, road, so_xd, so_yt, submit  # noqa: F401


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """The learned model and the risks live in the shared cache: each test gets an empty one of
    its own (a cache of this process only, so that no other test's entries are touched)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
