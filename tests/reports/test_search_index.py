"""Search read a score at a time, and through the trigram index on PostgreSQL, finds what it did.

`score_tiers` lets the public lists read a search newest first within each score and stop after a
page; read one tier after another it must be `search` itself. On PostgreSQL the published
reports' folded text has a trigram index: the answers through it are those without it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from phananh.reports.models import Report
from phananh.reports.search import score_tiers, search
from tests.portal.test_public_support import publish_directly, send

pytestmark = pytest.mark.django_db

TEXTS = [
    "Ngập nước ở ngõ 5 đường Lê Lợi",
    "Nước tràn, ngập cả sân",
    "Nuocngap ngapnuoc",
    "Ổ gà trên đường Bà Triệu",
    "Đường ngập nước sau mưa",
    "ngap ngap nuoc nuoc",
    "Ổ gà, ổ voi trên quốc lộ 1A",
    "Rác thải ven đường, đường bẩn",
    "Đèn đường hỏng ở ngõ 12",
    "Lấn chiếm vỉa hè phố Trần Hưng Đạo",
    "Cây đổ chắn đường Trần Đăng Ninh",
]
QUERIES = [
    "ngap nuoc",
    "NGẬP",
    "duong",
    "đường ngập",
    "o ga",
    "o",
    "ngo 12",
    "tran",
    "duong duong",
    "quoc lo 1a",
    "khong co chu nay",
    "nuoc ngap ngo duong le loi tran hung",
]


@pytest.fixture
def published():
    now = timezone.now()
    reports = []
    for i, text in enumerate(TEXTS):
        report = publish_directly(send(text), when=now - timedelta(hours=i))
        # Received in another order than published, and two at the same moment (ties go by id)
        Report.objects.filter(pk=report.pk).update(created_at=now - timedelta(days=(i * 7) % 5))
        reports.append(report)
    send("Đường ngập nước, chưa công khai")
    return reports


def codes(reports) -> list[str]:
    return [r.tracking_code for r in reports]


@pytest.mark.parametrize("query", QUERIES)
def test_the_tiers_one_after_another_are_the_search(published, query):
    everything = Report.objects.filter(is_public=True)

    tiers = score_tiers(everything, query)
    by_tier = [code for tier in tiers for code in codes(tier.reports)]

    assert by_tier == codes(search(everything, query))
    assert [t.score for t in tiers] == sorted((t.score for t in tiers), reverse=True)


def test_the_tiers_find_what_a_reader_expects(published):
    everything = Report.objects.filter(is_public=True)

    found = [code for tier in score_tiers(everything, "ngap nuoc") for code in codes(tier.reports)]

    by_text = {r.tracking_code: r.description for r in published}
    # The phrase first, then both words whole, then words inside others; no unpublished report
    assert {by_text[c] for c in found[:2]} == {"Ngập nước ở ngõ 5 đường Lê Lợi", "ngap ngap nuoc nuoc"}
    assert {by_text[c] for c in found[2:4]} == {"Nước tràn, ngập cả sân", "Đường ngập nước sau mưa"}
    assert by_text[found[-1]] == "Nuocngap ngapnuoc"
    assert len(found) == 5


def test_a_query_of_punctuation_alone_has_no_tiers(published):
    assert score_tiers(Report.objects.filter(is_public=True), " ,.;! ") == []


def many_other_reports(n: int) -> None:
    """Published reports about something else, enough that the planner prefers an index."""
    template = send("Mẫu")
    fields = {
        f.attname: getattr(template, f.attname) for f in Report._meta.concrete_fields if not f.primary_key
    }
    Report.objects.bulk_create(
        Report(
            **{
                **fields,
                "tracking_code": f"PA-26-K{i:05d}",
                "search_text": f" pa-26-k{i:05d} cay xanh can cat tia so {i} ",
                "is_public": True,
            }
        )
        for i in range(n)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_report")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
@pytest.mark.parametrize("query", QUERIES)
def test_answers_through_the_trigram_index_are_those_without_it(published, query):
    many_other_reports(1000)
    published_reports = Report.objects.filter(is_public=True)

    def answer(**planner) -> tuple[list[str], str]:
        with connection.cursor() as cursor:
            for name, on in planner.items():
                cursor.execute(f"SET LOCAL {name} = {'on' if on else 'off'}")
            found = codes(search(published_reports, query))
            sql, params = search(published_reports, query).query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            for name in planner:
                cursor.execute(f"RESET {name}")
        return found, plan

    # On a table this small, reading it or the whole of another index wins: leave only the trigram
    # index to the planner (dropped in this test's transaction, which is rolled back)
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX report_public_newest, report_public_received, report_public_map")
    through_index, plan = answer(enable_seqscan=False)
    by_reading, plain_plan = answer(enable_bitmapscan=False, enable_indexscan=False)

    assert through_index == by_reading
    assert "report_public_search_trgm" not in plain_plan
    # The rows that hold the words are found through the trigram index
    assert "report_public_search_trgm" in plan
