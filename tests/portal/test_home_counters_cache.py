"""The home page keeps this year's counters in the cache, and never past a new report or step."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from phananh.stats.facts import catch_up
from tests.portal.test_pages import Page
from tests.portal.test_public_support import send

pytestmark = pytest.mark.django_db


def received(client) -> str:
    return Page(client.get("/")).get("counter-received").text.split()[0]


def test_a_new_report_shows_on_the_home_page_at_once(client):
    cache.clear()
    # Given the counters read once, and so kept
    send("Đèn đường hỏng")
    catch_up()
    assert received(client) == "1"

    # When another report comes in
    send("Rác thải ùn ứ")
    catch_up()

    # Then it counts at once, not a minute later
    assert received(client) == "2"


def test_the_counters_come_from_the_cache_while_nothing_was_written(client, django_assert_max_num_queries):
    cache.clear()
    send("Đèn đường hỏng")
    catch_up()
    received(client)

    # The second visit reads three ids and the latest reports, not a year of figures
    with django_assert_max_num_queries(6):
        assert received(client) == "1"
