"""Likely duplicates by meaning, place and time: what the IOC sees at reception, and its measure.

Given reports sent through intake at named places around Đông Kinh market: the same broken
street light written in other words (without accents, in shorthand) 200 m away, a rubbish heap
50 m away, and reports too far, too old, rejected or already merged.
"""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from freezegun import freeze_time

from phananh.reports.files import Upload
from phananh.reports.intake import validate_submission
from phananh.reports.models import Report
from phananh.reports.statuses import Status
from phananh.triage import duplicates
from phananh.triage.duplicates import candidates_for, evaluate_duplicates
from phananh.triage.similarity import similarity
from phananh.workflow.models import Event, EventKind
from phananh.workflow.submission import report_submit
from tests.backoffice.conftest import action_url, page_text, report_url
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db

HERE = (21.8466, 106.7594)
METRES_PER_DEGREE = 111_195
LIGHT = "Đèn đường trước chợ Đông Kinh không sáng, cả khu tối om"
LIGHT_AGAIN = "den duong o cho dong kinh ko sang may dem nay, toi om"
RUBBISH = "Rác thải đổ bừa bãi ven đường, bốc mùi"


def place(north_m: float, east_m: float = 0.0) -> dict:
    lat = HERE[0] + north_m / METRES_PER_DEGREE
    lon = HERE[1] + east_m / (METRES_PER_DEGREE * math.cos(math.radians(HERE[0])))
    return {"latitude": round(lat, 6), "longitude": round(lon, 6)}


def sent(description: str, where: dict, *, photo: bool = False) -> Report:
    raw = {"description": description, "consent": True, "reporter_phone": "0912345678", **where}
    photos = [Upload("a.jpg", jpeg_bytes(320, 240))] if photo else []
    return report_submit(submission=validate_submission(raw, channel="web"), photos=photos).report


def codes(candidates) -> list[str]:
    return [c.report.tracking_code for c in candidates]


def test_texts_are_compared_without_accents_and_with_shorthand_written_out():
    assert similarity(LIGHT, LIGHT_AGAIN) > 0.5
    assert similarity(LIGHT_AGAIN, RUBBISH) < 0.25
    assert similarity("ko dc", "không được") == pytest.approx(1.0)


def test_the_same_problem_in_other_words_ranks_above_a_different_problem_nearer(db, ioc):
    light = sent(LIGHT, place(200))
    rubbish = sent(RUBBISH, place(0, 50))
    new = sent(LIGHT_AGAIN, place(0))

    found = candidates_for(new)

    assert codes(found) == [light.tracking_code, rubbish.tracking_code]
    assert found[0].distance_m == pytest.approx(200, abs=2)
    assert found[0].score > found[1].score


def test_far_old_rejected_and_merged_reports_are_left_out(db, ioc, people, act, settings):
    lan = people["lan"]
    with freeze_time(timezone.now() - timedelta(days=45)):
        resolved_long_ago = sent(LIGHT, place(100))
        Report.objects.filter(pk=resolved_long_ago.pk).update(
            status=Status.RESOLVED, resolved_at=timezone.now() + timedelta(days=5)
        )
    resolved_lately = sent(LIGHT, place(120))
    Report.objects.filter(pk=resolved_lately.pk).update(status=Status.RESOLVED, resolved_at=timezone.now())
    far = sent(LIGHT, place(700))
    rejected = sent(LIGHT, place(80))
    act(rejected, lan, "reject", reason="ngoai-dia-ban")
    merged = sent(LIGHT, place(90))
    act(merged, lan, "merge", into=resolved_lately.tracking_code)
    new = sent(LIGHT_AGAIN, place(0))

    assert codes(candidates_for(new)) == [resolved_lately.tracking_code]

    settings.PHANANH_DUPLICATE_RADIUS_M = 1000
    settings.PHANANH_DUPLICATE_DAYS = 60
    assert set(codes(candidates_for(new))) == {
        resolved_lately.tracking_code,
        resolved_long_ago.tracking_code,
        far.tracking_code,
    }


def test_the_reception_panel_shows_the_candidates_and_merges_with_one_confirmed_click(
    db, ioc, people, login, media_files
):
    light = sent(LIGHT, place(200), photo=True)
    rubbish = sent(RUBBISH, place(0, 50))
    new = sent(LIGHT_AGAIN, place(0))
    lan = login(people["lan"])

    page = page_text(lan.get(report_url(new)))

    panel = page.split('id="duplicates"')[1].split("</section>")[0]
    assert "Có thể trùng" in page
    assert re.findall(r'data-code="([^"]+)"', panel) == [light.tracking_code, rubbish.tracking_code]
    assert LIGHT in panel  # staff read the original text
    assert "cách 200 m" in panel
    photo = light.attachments.get()
    assert f"/can-bo/tep/{photo.pk}/thumb/" in panel
    # Nothing is merged before the confirmation is sent.
    assert Report.objects.get(pk=new.pk).status == Status.SUBMITTED

    answer = lan.post(action_url(new, "merge"), {"version": str(new.version), "into": light.tracking_code})

    assert answer.status_code == 302
    new.refresh_from_db()
    assert new.status == Status.MERGED
    assert new.merged_into_id == light.pk
    assert Event.objects.filter(report=new, kind=EventKind.MERGED).count() == 1
    assert Event.objects.filter(report=light, kind=EventKind.DUPLICATE_MERGED).count() == 1


def test_a_unit_sees_no_duplicates_panel(db, ioc, people, login, act, so_xd, road):
    sent(LIGHT, place(200))
    new = sent(LIGHT_AGAIN, place(0))
    act(new, people["lan"], "accept", category=road.code)
    act(new, people["lan"], "dispatch", unit=so_xd.pk)

    page = page_text(login(people["hung"]).get(report_url(new)))

    assert 'id="duplicates"' not in page


def test_recall_at_5_counts_the_merged_reports_whose_original_comes_in_the_first_five(db, ioc, people, act):
    lan = people["lan"]
    before = [
        sent(LIGHT, place(200)),
        sent(RUBBISH, place(0, 50)),
        sent("Cây đổ chắn ngang đường", place(3000)),
    ]
    after = [sent(LIGHT_AGAIN, place(0)), sent("cay do chan duong, xe ko qua dc", place(3100))]
    act(after[0], lan, "merge", into=before[0].tracking_code)
    # An original 3 km away from its duplicate: no place-based search finds it.
    act(after[1], lan, "merge", into=before[1].tracking_code)
    after_rows = Report.objects.filter(pk__in=[r.pk for r in after]).order_by("created_at")

    figures = evaluate_duplicates(Report.objects.filter(pk__in=[r.pk for r in before]), after_rows)

    assert figures["queries"] == 2
    assert figures["recall_at_5"] == pytest.approx(0.5)


# --- The citizen's "already reported nearby?" list ------------------------------------------


def test_the_citizens_list_puts_the_same_problem_first_by_what_was_typed(client):
    from tests.portal.test_nearby import ask, codes, given_published
    from tests.portal.test_nearby import place as near

    rubbish = given_published(near(30), description=RUBBISH, title="")
    light = given_published(near(150), description=LIGHT, title="")

    assert codes(ask(client)) == [rubbish.tracking_code, light.tracking_code]
    assert codes(ask(client, text=LIGHT_AGAIN)) == [light.tracking_code, rubbish.tracking_code]


def test_the_citizens_list_is_ranked_by_public_text_only_and_shows_nothing_private(client):
    from tests.portal.test_nearby import ask, codes, given_published, given_report
    from tests.portal.test_nearby import place as near

    # Its reporter wrote of the light, with a name and a phone number; the public copy says otherwise.
    private_words = given_published(near(20), description=RUBBISH, title="")
    Report.objects.filter(pk=private_words.pk).update(description=f"{LIGHT}. Gọi Nguyễn Văn A 0912345678")
    light = given_published(near(200), description=LIGHT, title="")
    hidden = given_report(near(10), description=LIGHT)  # not published

    answer = ask(client, text=LIGHT_AGAIN)

    assert codes(answer) == [light.tracking_code, private_words.tracking_code]
    body = answer.content.decode()
    assert hidden.tracking_code not in body
    assert "0912345678" not in body and "Nguyễn Văn A" not in body
    assert answer.json()["unpublished"]["count"] == 1


# --- Measured on the labelled set -------------------------------------------------------------


def labelled_reports() -> list[Report]:
    """The labelled set as reports (unsaved: the measure reads only their fields), each duplicate
    pointing at its original, received `days_ago` days ago in the order of the lines."""
    path = Path(__file__).parent / "data" / "labelled_reports.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    now = timezone.now()
    fields: dict[str, int] = {}
    reports = []
    for i, row in enumerate(rows):
        report = Report(
            pk=i + 1,
            description=row["text"],
            latitude=row["latitude"],
            longitude=row["longitude"],
            category_id=fields.setdefault(row["field"], len(fields) + 1),
            status=Status.IN_PROGRESS,
        )
        report.created_at = now - timedelta(days=row["days_ago"]) + timedelta(seconds=i)
        report.merged_into_id = None if row["duplicate_of"] is None else row["duplicate_of"] + 1
        reports.append(report)
    return reports


def test_on_the_labelled_set_the_score_finds_originals_that_distance_alone_misses(monkeypatch):
    reports = labelled_reports()

    figures = evaluate_duplicates([], reports)
    # Distance alone, as FixMyStreet ranks its nearby reports.
    for name, weight in (
        ("TEXT_WEIGHT", 0.0),
        ("RECENT_WEIGHT", 0.0),
        ("FIELD_WEIGHT", 0.0),
        ("NEAR_WEIGHT", 1.0),
    ):
        monkeypatch.setattr(duplicates, name, weight)
    by_distance = evaluate_duplicates([], reports)
    # Place and time without the text (and without the field, often unset at reception).
    monkeypatch.setattr(duplicates, "NEAR_WEIGHT", 0.25)
    monkeypatch.setattr(duplicates, "RECENT_WEIGHT", 0.15)
    without_text = evaluate_duplicates([], reports)
    monkeypatch.setattr(duplicates, "TEXT_WEIGHT", 0.55)
    with_text = evaluate_duplicates([], reports)

    assert figures["queries"] >= 40
    assert figures["recall_at_5"] >= 0.95 > by_distance["recall_at_5"] + 0.1
    assert figures["recall_at_1"] > by_distance["recall_at_1"] + 0.3
    assert with_text["recall_at_1"] > without_text["recall_at_1"] + 0.1
