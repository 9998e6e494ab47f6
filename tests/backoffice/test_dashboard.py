"""The steering dashboard: the same figures as `summary`, each person's scope, links to the lists.

Given the province of `tests/stats/test_exports.py`: five reports this year, one overdue at
Sở Y tế, one resolved by Sở Xây dựng. Đinh Văn Quang (steering committee, quang) and Hoàng Thị
Lan (IOC, lan) read the province; hung (Sở Xây dựng) his own subtree; charlie (Sở Y tế) must
not read Sở Xây dựng's figures; an account without a role reads nothing.
"""

# ruff: noqa: F811  (the shared `province` fixture is imported, then asked for by name)

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from phananh.org.models import User
from phananh.stats.selectors import Period
from phananh.stats.summary import summary, unit_rows
from tests.stats.test_exports import province  # noqa: F401

from .conftest import listed_codes, page_text

pytestmark = pytest.mark.django_db
URL = reverse("backoffice:dashboard")


def kpi(html: str, key: str) -> tuple[str, str]:
    """(value, link) of one KPI tile."""
    tile = re.search(
        rf'data-key="{key}">\s*<a href="([^"]+)">\s*<span class="kpi-value">([^<]+)</span>', html
    )
    assert tile, f"the dashboard shows the KPI {key}"
    return tile.group(2).strip(), unescape(tile.group(1))


def unit_table(html: str) -> dict[str, list[str]]:
    """The unit table's cells as shown, by the unit's code."""
    body = html.split('id="unit-table"')[1].split("</table>")[0]
    rows = re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', body, re.S)
    return {
        code: [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", cells, re.S)
        ]
        for code, cells in rows
    }


def test_the_steering_member_sees_summarys_figures(province, people, login):
    html = page_text(login(people["quang"]).get(URL))
    figures = summary(period=Period.this_year())

    assert kpi(html, "received")[0] == str(figures.received) == "5"
    assert kpi(html, "resolved")[0] == str(figures.resolved) == "1"
    assert kpi(html, "overdue_open")[0] == str(figures.overdue_open) == "1"
    assert kpi(html, "on_time_rate")[0] == "100,0 %"
    assert kpi(html, "rejected")[0] == str(figures.rejected.total) == "1"


def test_the_unit_table_holds_unit_rows_figures(province, people, login):
    table = unit_table(page_text(login(people["lan"]).get(URL)))
    rows = {r.code: r.summary for r in unit_rows(period=Period.this_year())}

    assert set(table) == set(rows) == {"so-xd", "so-yt"}
    assert table["so-xd"][:5] == ["Sở Xây dựng", str(rows["so-xd"].received), "100,0 %", "0", "0"]
    assert table["so-yt"][:5] == ["Sở Y tế", "1", "—", "0", "1"]


def test_each_figure_links_to_the_list_of_its_reports(province, people, login):
    client = login(people["quang"])
    html = page_text(client.get(URL))
    _value, overdue_url = kpi(html, "overdue_open")
    query = parse_qs(urlsplit(overdue_url).query)

    assert urlsplit(overdue_url).path == reverse("backoffice:home")
    assert query["figure"] == ["overdue_open"] and "from" in query and "to" in query
    assert listed_codes(client.get(overdue_url)) == [province[2].tracking_code]
    _value, received_url = kpi(html, "received")
    assert sorted(listed_codes(client.get(received_url))) == sorted(
        r.tracking_code for r in province.values()
    )


@pytest.mark.parametrize("key", ["received", "resolved", "resolved_late", "overdue_open", "rejected"])
def test_the_list_behind_a_count_holds_as_many_reports_as_the_count(province, people, login, key):
    # Given what the steering member reads on a count of the dashboard
    client = login(people["quang"])
    value, url = kpi(page_text(client.get(URL)), key)

    # When he follows it, the list shows exactly that many reports
    assert len(listed_codes(client.get(url))) == int(value)


def test_a_unit_row_links_to_its_own_reports_only(province, people, login, so_xd):
    client = login(people["lan"])
    html = page_text(client.get(URL))
    body = html.split('id="unit-table"')[1].split("</table>")[0]
    row = re.search(r'<tr data-unit="so-xd">(.*?)</tr>', body, re.S).group(1)
    received_url = unescape(re.search(r'<a href="([^"]+)"', row).group(1))

    codes = listed_codes(client.get(received_url))

    # Its own reports: those Sở Xây dựng or one of its divisions leads
    ours = [r for r in province.values() if r.lead_unit and r.lead_unit.path.startswith(so_xd.path)]
    assert codes and sorted(codes) == sorted(r.tracking_code for r in ours)


def test_a_units_staff_see_their_subtree_only(province, people, login, so_xd, so_yt):
    hung = login(people["hung"])
    html = page_text(hung.get(URL))

    assert kpi(html, "received")[0] == "2"
    assert set(unit_table(html)) == {"so-xd", "so-xd-ht"}
    assert "Sở Y tế" not in html.split('id="unit-table"')[1]
    assert hung.get(URL, {"unit": so_yt.pk}).status_code == 403
    assert login(people["charlie"]).get(URL, {"unit": so_xd.pk}).status_code == 403


def test_an_account_without_a_role_is_signed_out_and_a_visitor_signs_in(province, ioc, client, login):
    guest = User.objects.create_user(username="khach", password="x", unit=ioc, role="")

    for url in (URL, reverse("backoffice:dashboard_export", args=["phan-anh"])):
        refused = login(guest).get(url)
        assert refused.status_code == 302 and refused["Location"].startswith(reverse("backoffice:login"))
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("backoffice:login"))


def test_the_steering_committee_and_the_ioc_find_the_dashboard_in_the_header(people, login):
    for name in ("quang", "lan"):
        assert 'id="dashboard-link"' in page_text(login(people[name]).get(reverse("backoffice:home")))
    assert 'id="dashboard-link"' not in page_text(login(people["tuan"]).get(reverse("backoffice:home")))


def test_the_oldest_overdue_report_is_listed_with_its_days(province, people, login):
    html = page_text(login(people["quang"]).get(URL))
    listed = html.split('id="overdue-list"')[1].split("</ol>")[0]

    assert re.findall(r'data-code="([^"]+)"', listed) == [province[2].tracking_code]
    assert "Quá hạn 3 ngày" in listed


def test_the_printable_page_names_the_period_and_the_filters(province, people, login, road):
    html = page_text(login(people["quang"]).get(reverse("backoffice:dashboard_print"), {"field": road.code}))

    assert "Toàn tỉnh; Lĩnh vực: Hạ tầng đô thị; Mọi kênh" in html
    assert kpi(html, "received")[0] == str(summary(period=Period.this_year(), field=road).received)


def test_each_bar_of_the_charts_opens_the_list_of_its_reports(province, people, login):
    # Given the charts the steering member sees (their numbers travel with the page)
    client = login(people["quang"])
    html = page_text(client.get(URL))
    charts = json.loads(
        unescape(
            re.search(r'<script id="dash-charts" type="application/json">(.*?)</script>', html, re.S).group(1)
        )
    )

    # Then every bar of the fields, the channels and the weeks opens a list of as many reports
    bars = [
        (value, link)
        for chart in (charts["fields"], charts["channels"])
        for value, link in zip(chart["values"], chart["links"], strict=True)
    ]
    trend = charts["trend"]
    bars += list(zip(trend["received"], trend["links"], strict=True))
    assert bars and sum(value for value, _link in bars) > 0
    for value, link in bars:
        assert len(listed_codes(client.get(link))) == value, link


def test_the_dashboard_says_how_fresh_its_figures_are(province, people, login):
    html = page_text(login(people["quang"]).get(URL))

    assert re.search(r'id="as-of">Số liệu tính đến \d\d:\d\d \d\d/\d\d/\d{4}\.', html)
