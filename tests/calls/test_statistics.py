"""The call counts in the statistics: the hotline's calls of the period, by direction.

Given: this year two support calls came in (one through the switchboard) and one verification
call went out; one call was last year. lan reads the province's figures; hung, of Sở Xây dựng,
reads his unit's, where no call belongs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from phananh.calls.models import Direction
from phananh.calls.services import call_record
from tests.staff import token_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(people, pbx, agent):
    minh = people["minh"]
    call_record(agent=minh, direction=Direction.INBOUND, number="0912345678")
    call_record(agent=minh, direction=Direction.OUTBOUND, number="0912345678")
    call_record(
        agent=minh,
        direction=Direction.INBOUND,
        number="0987654321",
        started_at=timezone.now() - timedelta(days=400),
    )
    assert pbx({"event": "ring", "call_id": "c-9", "caller": "0203888999"}).status_code == 200


def summary_as(name: str, **params) -> dict:
    response = Client().post("/api/v1/auth/token", token_body(name), content_type="application/json")
    api = Client(headers={"Authorization": f"Bearer {response.json()['token']}"})
    answer = api.get("/api/v1/stats/summary", params)
    assert answer.status_code == 200, answer.content
    return answer.json()["figures"]["calls"]


def test_the_provinces_figures_count_the_periods_calls_by_direction(calls):
    assert summary_as("lan") == {"inbound": 2, "outbound": 1}
    assert summary_as("lan", channel="hotline") == {"inbound": 2, "outbound": 1}
    last_year = timezone.localdate().year - 1
    assert summary_as("lan", **{"from": f"{last_year}-01-01", "to": f"{last_year}-12-31"})["inbound"] >= 1


def test_figures_narrowed_to_a_unit_or_another_channel_count_no_call(calls, so_xd):
    assert summary_as("hung") == {"inbound": 0, "outbound": 0}
    assert summary_as("lan", unit=so_xd.pk) == {"inbound": 0, "outbound": 0}
    assert summary_as("lan", channel="web") == {"inbound": 0, "outbound": 0}
