"""Which reports are behind a figure: the dashboard's numbers open the list of those reports.

A figure's reports are the per-report rows it counts (`tallies.COUNTED`), dated in the period by
the figure's own moment, under the same filters and the same reader's scope as `summary()`; so a
list opened from a figure shows as many reports as the figure says.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from .periods import Period
from .summary import figure_rows
from .tallies import COUNTED, within

# Figures that are not sums of dated rows, and how to find their reports.
OPEN_OVERDUE = "overdue_open"
ON_TIME = "resolved_on_time"
FIGURES = frozenset({*COUNTED, OPEN_OVERDUE, ON_TIME})


def reports_behind(
    figure: str, *, period: Period, scope_user=None, unit=None, field=None, channel=None, commune=None
) -> QuerySet:
    """The ids of the reports counted by `figure` (a key of FIGURES), as a queryset of `report_id`."""
    rows = figure_rows(scope_user=scope_user, unit=unit, field=field, channel=channel, commune=commune)
    if figure == OPEN_OVERDUE:
        # A figure of now: the open reports received in the period whose running step is late.
        rows = rows.filter(within("received_at", [period]), open_deadline__lt=timezone.now())
    elif figure == ON_TIME:
        rows = rows.filter(within("resolved_at", [period]), late=False)
    else:
        moment, counted = COUNTED[figure]
        rows = rows.filter(within(moment, [period]) & (counted or Q()))
    return rows.values("report_id")
