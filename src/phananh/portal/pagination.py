"""Pages of published reports by keyset (cursor), and counts that stay cheap at a million rows.

A page is found from where the previous one ended, not by skipping rows (`OFFSET`): the tenth
thousandth page costs what the first does, and a report published while someone reads the list
neither repeats a report on the next page nor hides one. A cursor names the last (or first) row
of a page by its sort keys; it is signed, so that a cursor made up or cut short is refused before
it reaches the database.

Counts are exact up to EXACT_COUNT_UP_TO. Beyond, counting every matching row would cost more
than the page itself (an exact COUNT over a million rows is most of a second), so PostgreSQL's
planner estimate is given instead and marked as an estimate; SQLite, the small embedded
database, always counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from phananh.core.errors import ValidationFailed
from phananh.reports.search import Tier

EXACT_COUNT_UP_TO = 10_000
# The planner's estimates of these lists were found within a third of the count (a million
# reports, searches and filters): one twice the limit is beyond it, and counting up to the limit
# (a search for a common word reads tens of thousands of rows to find 10,000) is skipped.
TRUST_ESTIMATES_ABOVE = 2
_SALT = "phananh.portal.cursor"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FORWARD, BACKWARD = "n", "p"


@dataclass(frozen=True)
class Ordering:
    """Rows sorted by (tier score, `key` descending, id descending).

    `tiers` are querysets already ordered by `-key, -id`, best score first; a list in one
    order (newest published first) is a single tier, and so is a search sorted by its score
    column in one query (`score_field`). `mode` tells cursors of one kind of list
    from another's.
    """

    mode: str
    key: str
    tiers: list[Tier]
    # Set when the one tier carries each row's score in this column, sorted by it first.
    score_field: str = ""


@dataclass(frozen=True)
class Cursor:
    mode: str
    direction: str
    score: int
    key: datetime
    id: int


@dataclass(frozen=True)
class Page:
    rows: list
    next: str | None  # a cursor for the page after, None on the last page
    previous: str | None  # a cursor for the page before, None on the first page


@dataclass(frozen=True)
class Count:
    value: int
    is_estimate: bool

    @property
    def rounded(self) -> int:
        """An estimate as a person says it: two significant digits (464,625 → 460,000)."""
        return round(self.value, 2 - len(str(self.value))) if self.value >= 100 else self.value


def _micro(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def encode(cursor: Cursor) -> str:
    payload = [cursor.mode, cursor.direction, cursor.score, _micro(cursor.key), cursor.id]
    return signing.dumps(payload, salt=_SALT, compress=False)


def decode(raw: str, mode: str) -> Cursor:
    """The cursor a page link carries; a forged, damaged or foreign one is a 422 `invalid_cursor`."""
    message = _("This page link is not valid any more: start again from the first page.")
    error = ValidationFailed("invalid_cursor", message, fields={"cursor": [message]})
    try:
        found_mode, direction, score, micro, pk = signing.loads(raw, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError, json.JSONDecodeError) as exc:
        raise error from exc
    if found_mode != mode or direction not in (FORWARD, BACKWARD):
        raise error
    return Cursor(mode, direction, score, _EPOCH + timedelta(microseconds=micro), pk)


def _beyond(key: str, value: datetime, pk: int, direction: str) -> Q:
    """Rows after (value, pk) in the descending order, or before it when going back.

    The lone range on `key` is implied by the rest; it is there so that PostgreSQL starts the
    index scan at the cursor instead of filtering from the first row.
    """
    if direction == FORWARD:
        return Q(**{f"{key}__lte": value}) & (Q(**{f"{key}__lt": value}) | Q(**{key: value, "pk__lt": pk}))
    return Q(**{f"{key}__gte": value}) & (Q(**{f"{key}__gt": value}) | Q(**{key: value, "pk__gt": pk}))


def keyset_page(ordering: Ordering, *, size: int, cursor: Cursor | None) -> Page:
    """One page of `size` rows after (or before) `cursor`, with cursors for its neighbours.

    One row more than the page is read in the direction of travel to know whether there is a
    page after it; the tiers are read one after another until the page is full.
    """
    direction = cursor.direction if cursor else FORWARD
    tiers = ordering.tiers if direction == FORWARD else ordering.tiers[::-1]
    rows: list[tuple[int, object]] = []
    scored = ordering.score_field
    for tier in tiers:
        wanted = size + 1 - len(rows)
        if wanted <= 0:
            break
        reports = tier.reports
        if cursor is not None and scored:
            # One queryset sorted by its own score column: the score leads the keyset.
            further = "lt" if direction == FORWARD else "gt"
            reports = reports.filter(
                Q(**{f"{scored}__{further}": cursor.score})
                | (Q(**{scored: cursor.score}) & _beyond(ordering.key, cursor.key, cursor.id, direction))
            )
        elif cursor is not None:
            if direction == FORWARD and tier.score > cursor.score:
                continue
            if direction == BACKWARD and tier.score < cursor.score:
                continue
            if tier.score == cursor.score:
                reports = reports.filter(_beyond(ordering.key, cursor.key, cursor.id, direction))
        if direction == BACKWARD:
            reports = reports.reverse()
        rows.extend((getattr(row, scored) if scored else tier.score, row) for row in reports[:wanted])
    more = len(rows) > size
    rows = rows[:size]
    if direction == BACKWARD:
        rows.reverse()

    def at(index: int, towards: str) -> str:
        score, row = rows[index]
        return encode(Cursor(ordering.mode, towards, score, getattr(row, ordering.key), row.pk))

    if not rows:
        if cursor is None:
            return Page([], None, None)
        # Past either end: the way back is the cursor itself, turned round.
        turned = FORWARD if direction == BACKWARD else BACKWARD
        back = encode(Cursor(cursor.mode, turned, cursor.score, cursor.key, cursor.id))
        return Page([], back, None) if direction == BACKWARD else Page([], None, back)
    if direction == FORWARD:
        return Page(
            [r for _, r in rows], at(-1, FORWARD) if more else None, at(0, BACKWARD) if cursor else None
        )
    return Page([r for _, r in rows], at(-1, FORWARD), at(0, BACKWARD) if more else None)


def _planner_rows(queryset: QuerySet) -> int:
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def count(queryset: QuerySet, *, whole: Page | None = None) -> Count:
    """How many rows: exact up to EXACT_COUNT_UP_TO, else PostgreSQL's estimate, said to be one.

    `whole`: the first page, when it holds the whole list (no page after it): then its rows are
    the count, whatever the planner thinks. Otherwise, an estimate far above the limit is taken
    as it is; nearer the limit, a count that stops one row past it decides.
    """
    if whole is not None and whole.next is None and whole.previous is None:
        return Count(len(whole.rows), is_estimate=False)
    postgres = connections[queryset.db].vendor == "postgresql"
    if postgres:
        estimate = _planner_rows(queryset)
        if estimate >= TRUST_ESTIMATES_ABOVE * EXACT_COUNT_UP_TO:
            return Count(estimate, is_estimate=True)
    capped = queryset.order_by().values("pk")[: EXACT_COUNT_UP_TO + 1].count()
    if capped <= EXACT_COUNT_UP_TO:
        return Count(capped, is_estimate=False)
    if not postgres:
        return Count(queryset.order_by().count(), is_estimate=False)
    # The planner's figure can fall short of the rows already seen: never say fewer than those.
    return Count(max(estimate, capped), is_estimate=True)
