"""Pages of published reports by cursor: every report once, in order, however the list moves.

The public API and the list page find a page from where the previous one ended (keyset), not by
skipping rows; counts beyond a limit are the database's estimate, and say so.
"""

# The shared fixtures are imported by name, then asked for by name: not redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.utils import timezone

from phananh.portal import pagination, public
from phananh.reports.models import Report
from phananh.reports.search import search
from tests.portal.test_pages import Page
from tests.portal.test_public_pages import codes_on
from tests.portal.test_public_support import publish_directly, send

pytestmark = pytest.mark.django_db

API = "/api/v1/public/reports"
LIST = "/phan-anh/"


@pytest.fixture
def published():
    """Nine published reports, newest published first; three share one moment (ties go by id)."""
    now = timezone.now()
    moments = [now - timedelta(hours=h) for h in (1, 2, 3, 3, 3, 4, 5, 6, 7)]
    reports = [publish_directly(send(f"Ổ gà trên đường số {i}"), when=when) for i, when in enumerate(moments)]
    send("Chưa công khai")
    return [r.tracking_code for r in sorted(reports, key=lambda r: (r.published_at, r.pk), reverse=True)]


def get(client, url: str, **params) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def follow(client, link: str) -> dict:
    parts = urlsplit(link)
    assert parts.path == API
    return get(client, parts.path, **{k: v[0] for k, v in parse_qs(parts.query).items()})


def codes(body: dict) -> list[str]:
    return [r["tracking_code"] for r in body["results"]]


def test_following_next_walks_every_published_report_once_in_order(client, published):
    body = get(client, API, page_size=2)
    walked, pages = codes(body), 1
    while body["next"]:
        body = follow(client, body["next"])
        walked += codes(body)
        pages += 1

    assert walked == published
    assert pages == 5
    assert body["previous"] is not None


def test_reports_published_between_page_loads_neither_repeat_nor_hide_one(client, published):
    # Given a reader on the second page
    first = get(client, API, page_size=4)
    second = follow(client, first["next"])

    # When two more reports are published
    newer = [publish_directly(send(f"Mới công khai {i}")).tracking_code for i in range(2)]
    third = follow(client, second["next"])

    # Then the page after it goes on where the second ended: each report once, the new ones not there
    assert codes(first) + codes(second) + codes(third) == published
    assert third["next"] is None
    # And the new ones lead the list from its first page
    assert codes(get(client, API, page_size=4))[:2] == newer[::-1]


def test_previous_walks_back_through_the_same_pages(client, published):
    pages = [get(client, API, page_size=2)]
    while pages[-1]["next"]:
        pages.append(follow(client, pages[-1]["next"]))

    back = [pages[-1]]
    while back[-1]["previous"]:
        back.append(follow(client, back[-1]["previous"]))

    assert [codes(p) for p in back] == [codes(p) for p in reversed(pages)]
    assert pages[0]["previous"] is None


def test_a_search_walked_by_cursor_gives_the_order_of_the_search(client):
    now = timezone.now()
    texts = [
        "Ngập nước ở ngõ 5",
        "Nước tràn, ngập cả sân",
        "Nuocngap ngapnuoc",
        "Ngập sâu, nước bẩn",
        "Đường ngập nước",
        "ngap ngap nuoc nuoc",
        "Trời mưa to, nước ngập",
    ]
    for i, text in enumerate(texts):
        report = publish_directly(send(text), when=now - timedelta(hours=i))
        Report.objects.filter(pk=report.pk).update(created_at=now - timedelta(days=i % 3, hours=i))
    expected = [r.tracking_code for r in search(Report.objects.filter(is_public=True), "ngap nuoc")]

    body = get(client, API, text="ngap nuoc", page_size=2)
    walked = codes(body)
    while body["next"]:
        body = follow(client, body["next"])
        walked += codes(body)

    assert len(expected) == len(texts)
    assert walked == expected
    assert body["count"] == len(texts)


def test_numbered_pages_still_work_and_lead_on_to_cursors(client, published):
    second = get(client, API, page_size=4, page=2)

    assert second["page"] == 2
    assert codes(second) == published[4:8]
    assert codes(follow(client, second["next"])) == published[8:]
    assert codes(follow(client, second["previous"])) == published[:4]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "a:b:c",
        # ["p", "n", 0, 1, 1] with a signature made up
        "WyJwIiwibiIsMCwxLDFd:1vQkZx:forgedsignatureforgedsignature",
        "x" * 300,
    ],
)
def test_a_made_up_or_damaged_cursor_is_a_422_invalid_cursor(client, published, cursor):
    response = client.get(API, {"cursor": cursor})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_cursor"
    assert set(body["fields"]) == {"cursor"}
    assert body["message"]


def test_a_cursor_cut_short_or_from_another_kind_of_list_is_refused(client, published):
    real = parse_qs(urlsplit(get(client, API, page_size=2)["next"]).query)["cursor"][0]
    search_cursor = parse_qs(urlsplit(get(client, API, page_size=1, text="duong")["next"]).query)["cursor"][0]

    assert client.get(API, {"cursor": real[:-1]}).json()["code"] == "invalid_cursor"
    assert client.get(API, {"cursor": real.replace(":", ".", 1)}).json()["code"] == "invalid_cursor"
    # A search's cursor holds a score and a date received; the plain list's does not
    assert client.get(API, {"cursor": search_cursor}).json()["code"] == "invalid_cursor"
    assert client.get(API, {"cursor": real}).status_code == 200


def test_a_cursor_and_a_page_number_together_or_a_page_too_deep_are_refused(client, published):
    cursor = parse_qs(urlsplit(get(client, API, page_size=2)["next"]).query)["cursor"][0]

    both = client.get(API, {"cursor": cursor, "page": 3})
    deep = client.get(API, {"page": 501, "page_size": 20})

    assert (both.status_code, both.json()["code"]) == (422, "cursor_and_page")
    assert (deep.status_code, deep.json()["code"]) == (422, "page_too_deep")
    assert client.get(API, {"page": 500, "page_size": 20}).status_code == 200


def test_small_counts_are_exact(client, published):
    body = get(client, API)

    assert (body["count"], body["count_is_estimate"]) == (9, False)


def test_large_counts_are_an_estimate_said_to_be_one(client, published, monkeypatch):
    # Given a list larger than the limit of exact counts
    monkeypatch.setattr(pagination, "EXACT_COUNT_UP_TO", 4)
    monkeypatch.setattr(public, "PAGE_SIZE", 2)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reports_report")

    body = get(client, API, page_size=2)
    page = Page(client.get(LIST))

    if connection.vendor == "postgresql":
        # Then PostgreSQL gives its estimate, marked as such, never below what it already saw
        assert body["count_is_estimate"] is True
        assert body["count"] >= 5
        assert page.get("found").text.startswith("khoảng ")
    else:
        # SQLite, the small embedded database, counts
        assert (body["count"], body["count_is_estimate"]) == (9, False)
        assert page.get("found").text.startswith("9 ")
    # And a filtered list under the limit is exact either way, as is a list on one page
    assert get(client, API, text="so 3", page_size=2)["count_is_estimate"] is False
    assert (get(client, API)["count"], get(client, API)["count_is_estimate"]) == (9, False)


def test_the_list_page_walks_by_older_and_newer_links_and_keeps_the_filters(client, published, monkeypatch):
    monkeypatch.setattr(public, "PAGE_SIZE", 4)
    page = Page(client.get(LIST, {"q": "o ga"}))
    seen = codes_on(page)
    assert not any(a.attrs.get("rel") in ("prev", "first") for a in page.all("a"))
    for _ in range(5):
        links = {a.attrs.get("rel"): a.attrs["href"] for a in page.all("a") if a.attrs.get("rel")}
        if "next" not in links:
            break
        assert "q=o+ga" in links["next"]
        page = Page(client.get(LIST + links["next"]))
        seen += codes_on(page)

    assert sorted(seen) == sorted(published)
    assert len(seen) == len(set(seen)) == 9
    # And "Previous" on the last page goes back to the page before it
    back = next(a for a in page.all("a") if a.attrs.get("rel") == "prev")
    assert len(codes_on(Page(client.get(LIST + back.attrs["href"])))) == 4
    first = next(a for a in page.all("a") if a.attrs.get("rel") == "first")
    assert codes_on(Page(client.get(LIST + first.attrs["href"]))) == codes_on(
        Page(client.get(LIST, {"q": "o ga"}))
    )


def test_a_damaged_link_on_the_list_page_shows_the_first_page(client, published):
    page = Page(client.get(LIST, {"cursor": "not-a-cursor"}))

    assert page.status == 200
    assert codes_on(page) == published[:20]


def test_the_openapi_document_names_the_cursor_links_and_the_estimate(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"][API]["get"]
    page = document["components"]["schemas"]["PublicReportPage"]["properties"]

    assert "cursor" in {p["name"] for p in operation["parameters"]}
    assert {"count", "count_is_estimate", "next", "previous", "page"} <= set(page)
    assert "10,000" in page["count_is_estimate"]["description"]
