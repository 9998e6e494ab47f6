"""Notification fixtures: the workflow's named people and units (tests/workflow/conftest.py).

lan operates the IOC (minh answers its hotline); hung (focal point) and binh (leader) work for
Sở Xây dựng, tuan handles in its division; charlie, of Sở Y tế, should hear nothing of it.
"""

from __future__ import annotations

import signal

import pytest

# The workflow's people and units.
from tests.workflow.conftest import act, people, phong_ht, road, so_xd, so_yt, submit  # noqa: F401

# Real local servers for the delivery tests: SMTP, the SMS gateway, Zalo's API.
from .local_servers import gateway, refused_url, sms_gateway, smtp_server, zalo_api  # noqa: F401


@pytest.fixture
def keep_signal_handlers():
    """Workers run in the test install their own SIGINT/SIGTERM handlers; put pytest's back."""
    names = [name for name in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, name)]
    saved = {name: signal.getsignal(getattr(signal, name)) for name in names}
    yield
    for name, handler in saved.items():
        signal.signal(getattr(signal, name), handler)
