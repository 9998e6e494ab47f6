"""The unit score: the ranking follows the weights administrators set, year by year.

Given this year, two departments with known figures:
- Sở Xây dựng resolved 4 reports, all on time; of its 2 ratings, none satisfied.
- Sở Y tế resolved 4 reports, 2 of them late; of its 2 ratings, both satisfied.
Đinh Văn Quang of the steering committee reads the ranking; Sở Y tế's staff read their own unit.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from phananh.core.errors import Forbidden
from phananh.stats.facts import catch_up
from phananh.stats.models import ReportFigures, ScoreWeights, Stage
from phananh.stats.rollup import mark
from phananh.stats.scores import ranking, year_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def given(people, so_xd, so_yt, road, submit):
    """Reports whose figures are set as the statistics core keeps them (`ReportFigures`)."""
    catch_up()
    now = timezone.now()

    def resolved(unit, *, late=False, rating=""):
        report = submit("Phản ánh")
        values = {
            "received_at": now - timedelta(minutes=5),
            "resolved_at": now - timedelta(minutes=1),
            "rated_at": now if rating else None,
            "rating": rating,
            "stage": Stage.RESOLVED,
            "dispatched": True,
            "late": late,
            "category": road,
            "lead_unit": unit,
            "channel": "web",
            "refreshed_at": now,
        }
        ReportFigures.objects.update_or_create(report=report, defaults=values)
        return report

    for rating in ("unsatisfied", "acceptable", "", ""):
        resolved(so_xd, rating=rating)
    for late, rating in ((True, "satisfied"), (True, "satisfied"), (False, ""), (False, "")):
        resolved(so_yt, late=late, rating=rating)
    # The rollup reads these months from the per-report rows until its next rebuild.
    mark([now])
    return people


def ranked(**kwargs) -> list[tuple[int | None, str, float | None]]:
    found = ranking(period=year_period(timezone.localdate().year), **kwargs)
    return [(s.rank, s.row.code, s.score) for s in found]


def weights(year: int | None = None, **values) -> ScoreWeights:
    zero = {"on_time": 0, "satisfaction": 0, "returns": 0, "overdue": 0, "reception": 0}
    return ScoreWeights.objects.create(from_year=year or timezone.localdate().year, **{**zero, **values})


def test_weighing_on_time_resolution_puts_the_punctual_unit_first(given):
    weights(on_time=100)

    assert ranked() == [(1, "so-xd", 100.0), (2, "so-yt", 50.0)]


def test_weighing_satisfaction_puts_the_unit_its_reporters_liked_first(given):
    weights(satisfaction=100)

    assert ranked() == [(1, "so-yt", 100.0), (2, "so-xd", 0.0)]


def test_mixed_weights_give_the_documented_weighted_mean(given):
    weights(on_time=3, satisfaction=1)

    # Sở Xây dựng: (3 × 1 + 1 × 0) / 4; Sở Y tế: (3 × 0.5 + 1 × 1) / 4.
    assert ranked() == [(1, "so-xd", 75.0), (2, "so-yt", 62.5)]


def test_weights_set_for_next_year_leave_this_years_ranking_alone(given):
    year = timezone.localdate().year
    weights(year - 1, on_time=100)
    weights(year + 1, satisfaction=100)

    assert [code for _rank, code, _score in ranked()] == ["so-xd", "so-yt"]


def test_without_weights_set_the_defaults_apply(given):
    # Defaults: on time 40, satisfied 25, not returned 10, not overdue 15, timely reception 10;
    # nothing is open or received by reception here, so on time, satisfied and returns count.
    # Sở Xây dựng: (40 × 1 + 25 × 0 + 10 × 1) / 75; Sở Y tế: (40 × .5 + 25 × 1 + 10 × 1) / 75.
    assert ranked() == [(1, "so-yt", 73.3), (2, "so-xd", 66.7)]


def test_equal_scores_share_a_rank(given):
    weights(returns=100)

    assert ranked() == [(1, "so-xd", 100.0), (1, "so-yt", 100.0)]


def test_a_unit_with_no_figure_for_any_weighted_part_is_not_ranked(given):
    weights(reception=100)

    assert ranked() == [(None, "so-xd", None), (None, "so-yt", None)]


def test_a_units_staff_rank_only_the_units_below_their_own(given, so_xd, so_yt, phong_ht):
    weights(on_time=100)
    ReportFigures.objects.filter(lead_unit=so_xd).update(lead_unit=phong_ht)

    assert ranked(scope_user=given["hung"]) == [(1, "so-xd-ht", 100.0)]
    with pytest.raises(Forbidden):
        ranked(scope_user=given["hung"], parent=so_yt)


def test_weights_cannot_all_be_zero(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        weights(2030)
    assert not ScoreWeights.objects.exists()


def test_a_quarter_is_its_three_months():
    assert (year_period(2025, 2).start, year_period(2025, 2).end) == (date(2025, 4, 1), date(2025, 6, 30))
    assert (year_period(2024, 4).start, year_period(2024, 4).end) == (date(2024, 10, 1), date(2024, 12, 31))
    assert (year_period(2025).start, year_period(2025).end) == (date(2025, 1, 1), date(2025, 12, 31))
