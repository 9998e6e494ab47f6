"""Public statistics (thống kê): the figures of `stats.summary`, shaped for the public page.

Counts only, never who sent a report or what it said. The definitions are those of
`docs/statistics.md`, the same as the API's and the dashboard's: received, accepted, rejected,
merged, in progress on the submission date, as the reports stand now; resolved, on time and
late on the day the IOC verified the result; ratings on the day they were given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from phananh.reports.models import RatingValue
from phananh.workflow.models import RejectionReason

from .periods import Period
from .summary import breakdowns, summary

__all__ = ["Period", "Figures", "Row", "Satisfaction", "public_figures", "headline"]


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a field or a unit and its figures."""

    label: str
    counts: object  # a stats.summary.Summary


@dataclass(frozen=True)
class Figures:
    period: Period
    counts: object  # a stats.summary.Summary
    rejected_by_reason: list[tuple[str, int]]
    by_field: list[Row]
    by_unit: list[Row]
    as_of: datetime | None

    @property
    def satisfaction_rows(self) -> list[tuple[str, str, int, float | None]]:
        """(value, label, count, share) for each rating value, in the order of the scale."""
        ratings = self.counts.ratings
        return [
            (value, str(label), getattr(ratings, value).count, getattr(ratings, value).share)
            for value, label in RatingValue.choices
        ]


def public_figures(period: Period) -> Figures:
    """Everything the public statistics page shows (one computation of the period's cells)."""
    found = breakdowns(period=period)
    names = dict(RejectionReason.objects.values_list("code", "name"))
    reasons = [
        (names.get(code) or code or _("Other"), n) for code, n in found.summary.rejected.by_reason.items()
    ]
    return Figures(
        period=period,
        counts=found.summary,
        rejected_by_reason=reasons,
        by_field=[Row(label or _("Not classified yet"), s) for label, s in found.by_field],
        by_unit=[Row(row.name, row.summary) for row in found.by_unit if row.summary.received],
        as_of=found.as_of,
    )


@dataclass(frozen=True)
class Satisfaction:
    """The ratings given in the period, by value."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def headline(period: Period):
    """The home page's counters: the period's figures and its ratings, from the same summary."""
    found = summary(period=period)
    ratings = found.ratings
    return found, Satisfaction({value: getattr(ratings, value).count for value in RatingValue.values})
