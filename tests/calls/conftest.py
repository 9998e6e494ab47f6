"""Call-centre fixtures: the workflow's people (minh is the call-centre agent), outcomes, signing.

minh answers the hotline at extension 101; lan operates the IOC; hung, of Sở Xây dựng, is a
unit's focal point and must not open the call centre.
"""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from phananh.calls.models import AgentExtension, CallOutcome
from phananh.calls.pbx import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from tests.staff import signed_in
from tests.workflow.conftest import act, people, phong_ht, road, so_xd, so_yt, submit  # noqa: F401

PBX_KEY = "khoa-chung-cua-tong-dai"
HOOK = "/api/v1/calls/events"


@pytest.fixture
def agent(people):  # noqa: F811
    AgentExtension.objects.create(agent=people["minh"], number="101")
    return signed_in(Client(), people["minh"])


@pytest.fixture
def outcomes(db):
    return {
        "new": CallOutcome.objects.create(code="tiep-nhan", name="Tiếp nhận phản ánh mới", position=1),
        "verified": CallOutcome.objects.create(code="xac-minh-dung", name="Xác minh: đúng", position=2),
        "retired": CallOutcome.objects.create(code="cu", name="Không dùng nữa", is_active=False),
    }


@pytest.fixture
def pbx(settings):
    """Post a switchboard event, signed with the shared key unless told otherwise."""
    settings.PHANANH_PBX_SECRET = PBX_KEY
    client = Client()

    def post(event: dict | bytes, *, key: str = PBX_KEY, at: float | None = None, headers=None):
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        timestamp = str(int(time.time() if at is None else at))
        signed = {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(key, timestamp, body)}
        return client.post(
            HOOK, body, content_type="application/json", headers=signed if headers is None else headers
        )

    return post
