"""The statistics API: who reads which figures, and what a wrong question gets.

Given: r1 at Sở Xây dựng (passed down to its Phòng Hạ tầng), r2 at Sở Y tế, r3 rejected out of
the province, r4 waiting. lan (IOC) and quang (steering) read everything; hung (Sở Xây dựng)
reads his subtree only; charlie (Sở Y tế) must not read Sở Xây dựng's figures; an account
without a role reads nothing.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from phananh.org.models import User
from phananh.stats.facts import catch_up
from tests.staff import token_body

pytestmark = pytest.mark.django_db
URL = "/api/v1/stats"


@pytest.fixture(autouse=True)
def _no_failures_counted():
    cache.clear()


@pytest.fixture
def api_as(people):
    def api_as(name: str) -> Client:
        response = Client().post("/api/v1/auth/token", token_body(name), content_type="application/json")
        assert response.status_code == 201, response.content
        return Client(headers={"Authorization": f"Bearer {response.json()['token']}"})

    return api_as


@pytest.fixture
def four(people, so_xd, so_yt, phong_ht, road, submit, act):
    lan, hung = people["lan"], people["hung"]
    r = {i: submit(f"Phản ánh số {i}") for i in range(1, 5)}
    act(r[1], lan, "accept", category=road.code, urgency="normal", lead_unit=so_xd.pk)
    act(r[1], hung, "dispatch", unit=phong_ht.pk)
    act(r[2], lan, "accept", category=road.code, urgency="normal", lead_unit=so_yt.pk)
    act(r[3], lan, "reject", reason="ngoai-dia-ban")
    # The test's transaction never commits, so the event tasks do not run: the periodic job does.
    catch_up()
    return r


def figures(client: Client, **params) -> dict:
    response = client.get(f"{URL}/summary", params)
    assert response.status_code == 200, response.content
    return response.json()["figures"]


def test_the_ioc_and_the_steering_committee_read_the_province(four, api_as):
    for name in ("lan", "quang"):
        f = figures(api_as(name))
        assert (f["received"], f["waiting"], f["accepted"], f["dispatched"]) == (4, 1, 2, 2)
        assert f["rejected"] == {"total": 1, "by_reason": {"ngoai-dia-ban": 1}}
        assert f["participating_units"] == 2
        assert f["top_fields"] == [{"code": "ha-tang-do-thi", "name": "Hạ tầng đô thị", "received": 2}]
        assert f["calls"] == {"inbound": 0, "outbound": 0}
        assert f["reporter_accounts"] == 0


def test_a_unit_reads_its_own_subtree_only(four, api_as, so_xd, so_yt):
    hung = api_as("hung")

    assert figures(hung)["received"] == 1
    assert figures(api_as("charlie"))["received"] == 1
    assert hung.get(f"{URL}/summary", {"unit": so_yt.pk}).status_code == 403
    assert hung.get(f"{URL}/units", {"parent": so_yt.pk}).status_code == 403
    assert figures(hung, unit=so_xd.pk)["in_progress"] == 1


def test_an_account_without_a_statistics_role_is_refused(four, ioc):
    User.objects.create_user(username="khach", password="x", unit=ioc, role="")
    response = Client().post("/api/v1/auth/token", token_body("khach"), content_type="application/json")
    # Not a staff member: no token, so no figures either.
    assert response.status_code in (401, 403)
    assert Client().get(f"{URL}/summary").status_code == 401


def test_the_unit_table_rolls_divisions_up(four, api_as, so_xd, so_yt):
    body = api_as("quang").get(f"{URL}/units").json()

    rows = {row["code"]: row["figures"]["received"] for row in body["units"]}
    assert rows == {"so-xd": 1, "so-yt": 1}
    inside = api_as("hung").get(f"{URL}/units").json()
    assert [(row["code"], row["figures"]["received"]) for row in inside["units"]] == [("so-xd-ht", 1)]


def test_the_answer_says_which_period_it_counts(four, api_as):
    body = api_as("lan").get(f"{URL}/summary", {"from": "2026-01-01", "to": "2026-03-31"}).json()

    assert body["period"] == {"start": "2026-01-01", "end": "2026-03-31"}


def test_the_series_counts_each_week(four, api_as):
    body = api_as("lan").get(f"{URL}/series", {"interval": "week"}).json()

    assert body["interval"] == "week"
    assert sum(point["figures"]["received"] for point in body["points"]) == 4
    assert all(point["start"] for point in body["points"])


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"from": "2026-13-01"}, "from", "invalid_input"),
        # Only a date as the document states it: pydantic alone read "0" as 1 January 1970.
        ({"to": "0"}, "to", "invalid_input"),
        ({"unit": 0}, "unit", "invalid_input"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to", "invalid_period"),
        ({"unit": 999999}, "unit", "unknown_unit"),
        ({"field": "khong-co"}, "field", "unknown_category"),
        ({"channel": "fax"}, "channel", "invalid_input"),
    ],
)
def test_a_wrong_question_gets_a_422_saying_what_is_wrong(four, api_as, params, field, code):
    response = api_as("lan").get(f"{URL}/summary", params)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert field in body["fields"]


def test_the_figures_are_in_the_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()

    assert {"/api/v1/stats/summary", "/api/v1/stats/units", "/api/v1/stats/series"} <= set(schema["paths"])
    summary = schema["components"]["schemas"]["SummaryOut"]["properties"]
    assert {"received", "rejected", "on_time_rate", "ratings", "top_fields"} <= set(summary)
