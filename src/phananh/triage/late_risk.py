"""Risk of running late (nguy cơ trễ hạn): how likely an open step is to miss its deadline.

Learned from the units' own history, the steps already finished. Each step, at a moment while
it is open, is described by four numbers:

- `rate`: the logit of the late share of its unit for this kind of step, field and urgency,
  shrunk toward the unit's share for the kind of step, which is shrunk toward the province's
  (each level counts as `PRIOR_CASES` cases of the level above), so that a unit with three
  cases of a field is judged mostly by its other work;
- `load`: the unit's open steps at that moment against its usual number (log of the ratio);
- `left`: the working time left until the deadline, in working days (log(1 + days));
- `used`: the share of the step's time already gone.

A logistic regression over these, fitted on moments sampled in the finished steps (a quarter,
half way, and one working day before the deadline, while the step was still open), gives the
probability that the step finishes late. The counts come from aggregate queries; the fitted
model is kept in Django's cache (shared by the nodes), learned again every `MODEL_SECONDS` by a
periodic task (`late_risk_tasks.relearn_late_risk`), and the risks of the open steps for
`RISKS_SECONDS`, so that the lists ask for them without recomputing.

While a step is measured for training its own outcome is taken out of its rates (leave one
out): otherwise a unit with few cases would "predict" exactly what it was taught.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from phananh.workflow.calendar import WorkingCalendar
from phananh.workflow.deadlines import current_calendar
from phananh.workflow.models import Step

PRIOR_CASES = 5
# The latest finished steps the regression is fitted on: enough for four coefficients.
MAX_TRAINING_STEPS = 5000
# The steps open at a moment are counted from those started this long before the samples.
LOAD_LOOKBACK = timedelta(days=90)
MODEL_SECONDS = 3600
RISKS_SECONDS = 300
# L2 penalty of the regression (not on the intercept): a few cases must not give huge weights.
PENALTY = 1.0
# Before anything was learned: late is likelier with a late unit, a heavy load, little time left.
DEFAULT_WEIGHTS = (0.0, 1.0, 0.5, -1.0, 1.0)
_CACHE_KEY = "triage:late-risk"
MODEL_KEY = f"{_CACHE_KEY}:model"
_FIELDS = (
    "id",
    "unit_id",
    "kind",
    "report__category_id",
    "report__urgency",
    "duration_unit",
    "started_at",
    "deadline",
    "finished_at",
    "on_time",
)


@dataclass
class Rates:
    """Counts of finished steps and late ones, at three levels: province × kind, unit × kind,
    unit × kind × field × urgency."""

    # A plain dict (not a defaultdict of a lambda): the model is pickled into the shared cache.
    cells: dict[tuple, list[int]] = field(default_factory=dict)

    def add(self, unit, kind, category, urgency, n: int, late: int) -> None:
        for key in (("all", kind), ("unit", unit, kind), ("cell", unit, kind, category, urgency)):
            counts = self.cells.setdefault(key, [0, 0])
            counts[0] += n
            counts[1] += late

    def late_share(self, unit, kind, category, urgency, *, leave_out: bool | None = None) -> float:
        """The shrunk late share; `leave_out` is the late flag of a step to take out of the counts."""
        n_out = 0 if leave_out is None else 1
        late_out = int(bool(leave_out))

        def counts(key):
            n, late = self.cells.get(key, (0, 0))
            return max(n - n_out, 0), max(late - late_out, 0)

        n, late = counts(("all", kind))
        share = (late + 1) / (n + 2)  # a province with no history: one late, one on time
        for key in (("unit", unit, kind), ("cell", unit, kind, category, urgency)):
            n, late = counts(key)
            share = (late + PRIOR_CASES * share) / (n + PRIOR_CASES)
        return share


@dataclass
class Model:
    rates: Rates
    usual_load: dict[int, float]
    weights: tuple[float, ...]  # intercept, rate, load, left, used
    samples: int
    learned_at: datetime

    def risk(self, features: tuple[float, ...]) -> float:
        z = self.weights[0] + sum(w * x for w, x in zip(self.weights[1:], features, strict=True))
        return 1 / (1 + math.exp(-max(min(z, 30), -30)))


class Loads:
    """How many steps each unit had open at any moment, from their starts and ends."""

    def __init__(self, rows) -> None:
        starts: dict[int, list[datetime]] = defaultdict(list)
        ends: dict[int, list[datetime]] = defaultdict(list)
        for unit, started, finished in rows:
            starts[unit].append(started)
            if finished is not None:
                ends[unit].append(finished)
        self.starts = {u: sorted(v) for u, v in starts.items()}
        self.ends = {u: sorted(v) for u, v in ends.items()}

    def at(self, unit, moment: datetime) -> int:
        started = bisect.bisect_right(self.starts.get(unit, []), moment)
        ended = bisect.bisect_right(self.ends.get(unit, []), moment)
        return max(started - ended, 0)


def _group(row: dict) -> tuple:
    """Unit, kind of step, field and urgency: the cell a step's late share is counted in."""
    return row["unit_id"], row["kind"], row["report__category_id"], row["report__urgency"]


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))


def _left_days(row: dict, moment: datetime, calendar: WorkingCalendar) -> float:
    if row["duration_unit"] == "hours":
        return (row["deadline"] - moment) / calendar.day_length
    return calendar.remaining(moment, row["deadline"]) / calendar.day_length


def features(row: dict, moment: datetime, *, rate: float, load: int, usual: float, calendar) -> tuple:
    span = (row["deadline"] - row["started_at"]).total_seconds()
    used = (moment - row["started_at"]).total_seconds() / span if span > 0 else 1.0
    left = max(_left_days(row, moment, calendar), 0.0)
    return (_logit(rate), math.log((1 + load) / (1 + usual)), math.log1p(left), min(max(used, 0.0), 1.0))


def day_before(row: dict, calendar: WorkingCalendar) -> datetime:
    """One working day before the step's deadline (a quarter of its time for a step in hours),
    not before it started: the moment "at risk" should be told."""
    if row["duration_unit"] == "hours":
        moment = row["deadline"] - (row["deadline"] - row["started_at"]) / 4
    else:
        moment = _minus_working(calendar, row["deadline"], calendar.day_length)
    return max(moment, row["started_at"])


def _minus_working(calendar: WorkingCalendar, end: datetime, amount: timedelta) -> datetime:
    """The moment `amount` of working time before `end` (the inverse of `calendar.add`)."""
    local = end.astimezone(calendar.tz)
    day: date = local.date()
    for _ in range(400):
        if calendar.is_working_day(day):
            for start_t, end_t in reversed(calendar.periods):
                start = datetime.combine(day, start_t, tzinfo=calendar.tz)
                stop = min(datetime.combine(day, end_t, tzinfo=calendar.tz), local)
                if stop <= start:
                    continue
                if stop - start >= amount:
                    return stop - amount
                amount -= stop - start
        day -= timedelta(days=1)
    return local - amount


def _rates(before: datetime) -> Rates:
    rates = Rates()
    finished = Step.objects.filter(finished_at__lt=before, on_time__isnull=False, unit__isnull=False)
    for row in finished.values("unit_id", "kind", "report__category_id", "report__urgency").annotate(
        n=Count("id"), late=Count("id", filter=Q(on_time=False))
    ):
        rates.add(*_group(row), row["n"], row["late"])
    return rates


def _loads(since: datetime) -> Loads:
    rows = Step.objects.filter(unit__isnull=False).filter(
        Q(started_at__gte=since) | Q(finished_at__isnull=True) | Q(finished_at__gte=since)
    )
    return Loads(rows.values_list("unit_id", "started_at", "finished_at").iterator())


def _sample_moments(row: dict, calendar) -> list[datetime]:
    span = row["deadline"] - row["started_at"]
    moments = {row["started_at"] + span / 4, row["started_at"] + span / 2, day_before(row, calendar)}
    # Only while the step was open and not yet overdue: the list asks nothing of the others.
    return sorted(m for m in moments if m < row["finished_at"] and m < row["deadline"])


def learn(before: datetime | None = None) -> Model:
    """Fit the model on the steps finished before `before` (now by default)."""
    before = before or timezone.now()
    calendar = current_calendar()
    rates = _rates(before)
    rows = list(
        Step.objects.filter(finished_at__lt=before, on_time__isnull=False, unit__isnull=False)
        .order_by("-finished_at")
        .values(*_FIELDS)[:MAX_TRAINING_STEPS]
    )
    if not rows:
        return Model(rates, {}, DEFAULT_WEIGHTS, 0, before)
    loads = _loads(min(r["started_at"] for r in rows) - LOAD_LOOKBACK)
    by_unit: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        by_unit[r["unit_id"]].append(loads.at(r["unit_id"], r["started_at"]))
    usual = {unit: sum(v) / len(v) for unit, v in by_unit.items()}
    xs, ys = [], []
    for r in rows:
        late = not r["on_time"]
        rate = rates.late_share(*_group(r), leave_out=late)
        for moment in _sample_moments(r, calendar):
            load = loads.at(r["unit_id"], moment)
            xs.append(features(r, moment, rate=rate, load=load, usual=usual[r["unit_id"]], calendar=calendar))
            ys.append(1.0 if late else 0.0)
    weights = _fit(xs, ys) if 0 < sum(ys) < len(ys) else DEFAULT_WEIGHTS
    return Model(rates, usual, weights, len(ys), before)


def _fit(xs: list[tuple], ys: list[float], iterations: int = 25) -> tuple[float, ...]:
    """Penalised logistic regression by Newton's method: five weights, so a 5×5 system a step."""
    k = len(xs[0]) + 1
    w = [0.0] * k
    for _ in range(iterations):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for x, y in zip(xs, ys, strict=True):
            row = (1.0, *x)
            z = max(min(sum(wi * xi for wi, xi in zip(w, row, strict=True)), 30), -30)
            p = 1 / (1 + math.exp(-z))
            for i in range(k):
                grad[i] += (p - y) * row[i]
                for j in range(i, k):
                    hess[i][j] += p * (1 - p) * row[i] * row[j]
        for i in range(k):
            for j in range(i):
                hess[i][j] = hess[j][i]
            if i:
                grad[i] += PENALTY * w[i]
                hess[i][i] += PENALTY
            hess[i][i] += 1e-9
        step = _solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return tuple(w)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the Hessian is small and positive definite)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            factor = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= factor * m[col][c]
    out = [0.0] * n
    for r in range(n - 1, -1, -1):
        out[r] = (m[r][n] - sum(m[r][c] * out[c] for c in range(r + 1, n))) / m[r][r]
    return out


def model() -> Model:
    """The model learned from all finished steps, as the shared cache holds it.

    The periodic `relearn` keeps it fresh; only a cold cache makes a request learn it.
    """
    found = cache.get(MODEL_KEY)
    if found is None:
        found = relearn(force=True)
    return found


def relearn(*, force: bool = False) -> Model:
    """Learn the model again when the cached one is older than MODEL_SECONDS (or when forced).

    Safe on several nodes at once: each writes a model learned from the same rows.
    """
    found = cache.get(MODEL_KEY)
    now = timezone.now()
    if not force and found is not None and now - found.learned_at < timedelta(seconds=MODEL_SECONDS):
        return found
    found = learn(now)
    # Kept past its refresh time, so that a late periodic run never leaves the lists to learn it.
    cache.set(MODEL_KEY, found, MODEL_SECONDS * 3)
    return found


def risks_at(rows: list[dict], moment: datetime, fitted: Model, load_of=None) -> dict[int, float]:
    """The risk of each open step (as `values(*_FIELDS)` rows) at `moment`; `load_of(unit)` is the
    unit's open steps then (counted now by one query when not given)."""
    calendar = current_calendar()
    if load_of is None:
        open_now = {
            row["unit_id"]: row["n"]
            for row in Step.objects.filter(unit_id__in={r["unit_id"] for r in rows}, finished_at__isnull=True)
            .values("unit_id")
            .annotate(n=Count("id"))
        }

        def load_of(unit):
            return open_now.get(unit, 0)

    out = {}
    for r in rows:
        rate = fitted.rates.late_share(*_group(r))
        load = load_of(r["unit_id"])
        usual = fitted.usual_load.get(r["unit_id"], load)
        out[r["id"]] = fitted.risk(features(r, moment, rate=rate, load=load, usual=usual, calendar=calendar))
    return out


@dataclass(frozen=True)
class OpenRisk:
    step: int
    report: int
    kind: str
    risk: float


def open_step_risks(now: datetime | None = None) -> list[OpenRisk]:
    """The risk of every running step not yet overdue, highest first.

    Computed once per RISKS_SECONDS for everyone (the shared cache's key is the time slot): the
    tabs' counts are polled every minute by every person, and time left changes slowly. A step
    opened since waits for the next slot; one finished or overdue since is left out by the lists,
    which check the report's status and deadlines themselves.
    """
    now = now or timezone.now()
    key = f"{_CACHE_KEY}:open:{int(now.timestamp() // RISKS_SECONDS)}"
    found = cache.get(key)
    if found is not None:
        return found
    running = Step.objects.filter(
        finished_at__isnull=True, paused_at__isnull=True, unit__isnull=False, deadline__gt=now
    )
    rows = list(running.values("report_id", *_FIELDS))
    risks = risks_at(rows, now, model()) if rows else {}
    found = sorted(
        (OpenRisk(r["id"], r["report_id"], r["kind"], round(risks[r["id"]], 3)) for r in rows),
        key=lambda o: -o.risk,
    )
    cache.set(key, found, RISKS_SECONDS)
    return found


def at_risk(now: datetime | None = None, *, kinds=None) -> dict[int, float]:
    """Reports with a running step at risk (≥ PHANANH_LATE_RISK_THRESHOLD), each with its highest risk."""
    threshold = settings.PHANANH_LATE_RISK_THRESHOLD
    reports: dict[int, float] = {}
    for o in open_step_risks(now):
        if o.risk >= threshold and (kinds is None or o.kind in kinds):
            reports[o.report] = max(reports.get(o.report, 0.0), o.risk)
    return reports


def evaluate_late_risk(split_at: datetime) -> dict:
    """Precision and recall of "will be late", told one working day before the deadline.

    The model learns from the steps finished before `split_at`; then each step whose moment one
    working day before its deadline is after `split_at`, still open at that moment and whose
    outcome is known now (finished, or open past its deadline), is predicted at that moment and
    compared with what happened.
    """
    fitted = learn(split_at)
    calendar = current_calendar()
    now = timezone.now()
    rows = list(
        Step.objects.filter(unit__isnull=False, deadline__gt=split_at)
        .filter(Q(finished_at__isnull=False, on_time__isnull=False) | Q(finished_at=None, deadline__lt=now))
        .values("report_id", *_FIELDS)
    )
    threshold = settings.PHANANH_LATE_RISK_THRESHOLD
    loads = _loads(split_at - LOAD_LOOKBACK)
    tp = fp = fn = steps = 0
    for r in rows:
        moment = day_before(r, calendar)
        if moment < split_at or (r["finished_at"] is not None and r["finished_at"] <= moment):
            continue
        late = r["finished_at"] is None or not r["on_time"]
        risk = risks_at([r], moment, fitted, load_of=lambda unit, at=moment: loads.at(unit, at))[r["id"]]
        predicted = risk >= threshold
        steps += 1
        tp += predicted and late
        fp += predicted and not late
        fn += late and not predicted
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "steps": steps,
        "late": tp + fn,
        "learned_from": fitted.samples,
        "threshold": threshold,
    }
