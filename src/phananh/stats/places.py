"""Where the reports were received: counts by cell of 0.01° (about 1 km) for the heat map.

The cells of a report are those of `summary`'s "received" (the same rows, the same filters). For
the whole province the clean whole months come from the monthly rollup (`MonthPlaces`), the rest
from the per-report rows, as `stats.rollup.cells` does for the figures.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Sum

from . import rollup
from .models import MonthPlaces
from .periods import Period
from .summary import figure_rows, reader_scope
from .tallies import within

# Enough cells for a province at about 1 km; more would slow the phone, not inform.
MOST_CELLS = 3000


def heat(
    *, period: Period, scope_user=None, unit=None, field=None, channel=None, commune=None, most=MOST_CELLS
) -> list[list[float]]:
    """[latitude, longitude, reports] of the busiest cells, busiest first."""
    rows = figure_rows(scope_user=scope_user, unit=unit, field=field, channel=channel, commune=commune)
    found: Counter = Counter()
    periods = [period]
    if reader_scope(scope_user, unit) is None and not (field or channel or commune):
        # The whole province: the rollup has no other dimension than the month and the cell.
        parts = rollup.plan(period)
        if parts.months:
            for c in (
                MonthPlaces.objects.filter(month__in=parts.months)
                .values("latitude", "longitude")
                .annotate(n=Sum("received"))
                .order_by()
            ):
                found[(rollup.place_cell(c["latitude"]), rollup.place_cell(c["longitude"]))] += c["n"]
        for days in parts.odd_days:
            received = rows.filter(within("received_at", [days]))
            month = [days.start.replace(day=1)]
            found += rollup.kept(f"places {days}", month, received, lambda r=received: rollup.place_counts(r))
        periods = parts.raw
    if periods:
        found += rollup.place_counts(rows.filter(within("received_at", periods)))
    return [[float(lat), float(lng), n] for (lat, lng), n in found.most_common(most)]
