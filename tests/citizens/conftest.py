"""Citizens' accounts: the stand-in SMS gateway and SMTP server of the delivery tests, and the
workflow's people (an IOC to receive the reports)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.notify.local_servers import gateway, sms_gateway, smtp_server  # noqa: F401
from tests.workflow.conftest import people, phong_ht, so_xd, so_yt  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_counters():
    # The sending limits count in the cache; each test starts from none.
    cache.clear()
    yield
    cache.clear()
