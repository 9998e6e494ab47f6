"""Realistic data for statistics and benchmarks: reports with their whole timelines, in bulk.

A million reports cannot go through the transition service one action at a time in any useful
time (about ten actions each, each a locked transaction). This module therefore writes the rows
the service would have written — reports, events of the same kinds, statuses and data, steps,
dispatches, extensions and ratings — with `bulk_create`, and nothing else may: it is the one
exception `tests/test_architecture.py` allows, for generated data only, never for real reports.
`tests/stats/test_generator.py` checks that its timelines are those of the service (the same
figures whether read off the raw rows or off `ReportFigures`).

Deadlines are simplified to the wall clock (reception 1 day, handling 7 days or 14 for complex
reports, approval and verification 2 days): the working calendar would cost more than the rest.
"""

from __future__ import annotations

import random
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from phananh.org.models import Role, Unit, UnitKind, User
from phananh.org.services import unit_create
from phananh.reports.codes import ALPHABET
from phananh.reports.consent import CURRENT_CONSENT_VERSION
from phananh.reports.models import Category, Rating, Report
from phananh.reports.search import search_document
from phananh.reports.statuses import Status
from phananh.workflow.deadlines import reminder_moment
from phananh.workflow.models import (
    PUBLIC_EVENT_KINDS,
    Dispatch,
    Event,
    EventKind,
    ExtensionRequest,
    RejectionReason,
    Step,
)

from . import facts, rollup

S, K = Status, EventKind
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
DEADLINES = {"reception": DAY, "handling": 7 * DAY, "approval": 2 * DAY, "verification": 2 * DAY}
CHANNELS = (("web", 35), ("app", 35), ("hotline", 15), ("zalo", 12), ("api", 2), ("open311", 1))
URGENCIES = (("normal", 85), ("complex", 12), ("urgent", 3))
RATINGS = (("satisfied", 766), ("acceptable", 149), ("unsatisfied", 85))
# Of the rejections, about one in ten is out of the area (seed 004: 10 of 96).
REASONS = (
    ("ngoai-dia-ban", 10),
    ("trung-lap", 30),
    ("thieu-thong-tin", 30),
    ("ngoai-pham-vi", 15),
    ("khieu-nai-to-cao", 10),
    ("noi-dung-khong-phu-hop", 5),
)
PLACES = ("Đường Trần Hưng Đạo", "Ngõ 12 Lê Lợi", "Chợ trung tâm", "Khu tái định cư", "Quốc lộ 1A")
PROBLEMS = ("Ổ gà lớn", "Rác thải tồn đọng", "Đèn đường hỏng", "Nước ngập sau mưa", "Lấn chiếm vỉa hè")
BATCH = 1000
# What a generated unit reports it did.
RESULT_TEXT = "Đã xử lý xong."


def pick(rng: random.Random, weighted) -> str:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


@dataclass
class Cast:
    """The units and people the generated reports go through."""

    ioc: Unit
    operator: User
    departments: list[Unit]
    communes: list[Unit]
    staff: dict[int, tuple[User, User, User]]  # unit id: focal point, leader, handler
    categories: list[Category]
    divisions: dict[int, list[Unit]] = field(default_factory=dict)


def _person(username: str, role: str, unit: Unit) -> User:
    user, _created = User.objects.get_or_create(
        username=username, defaults={"role": role, "unit": unit, "full_name": f"Cán bộ {username}"}
    )
    return user


def cast(*, departments: int = 14, communes: int = 30) -> Cast:
    """The generated province's units and staff, created once (codes starting with `gen-`)."""
    ioc = Unit.objects.filter(kind=UnitKind.IOC, parent=None).first() or unit_create(
        code="ioc", name="Trung tâm IOC", kind=UnitKind.IOC
    )

    def unit(code, name, kind, parent):
        return Unit.objects.filter(code=code).first() or unit_create(
            code=code, name=name, kind=kind, parent=parent
        )

    depts = [unit(f"gen-so-{i}", f"Sở số {i}", UnitKind.DEPARTMENT, ioc) for i in range(1, departments + 1)]
    locals_ = [unit(f"gen-xa-{i}", f"UBND xã số {i}", UnitKind.COMMUNE, ioc) for i in range(1, communes + 1)]
    divisions = {
        d.pk: [unit(f"{d.code}-p{j}", f"Phòng {j}", UnitKind.DIVISION, d) for j in (1, 2)] for d in depts
    }
    staff = {}
    for u in [*depts, *locals_, *(x for ds in divisions.values() for x in ds)]:
        staff[u.pk] = tuple(
            _person(f"{u.code}-{role}", role, u) for role in (Role.FOCAL_POINT, Role.LEADER, Role.HANDLER)
        )
    operator = _person("gen-ioc-operator", Role.OPERATOR, ioc)
    categories = list(Category.objects.filter(is_active=True))
    return Cast(ioc, operator, depts, locals_, staff, categories, divisions)


@dataclass
class Life:
    """One generated report and the rows the transition service would have written for it."""

    report: Report
    events: list[Event] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    dispatches: list[Dispatch] = field(default_factory=list)
    extensions: list[ExtensionRequest] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    clock: datetime | None = None
    original: Report | None = None  # the report it was merged into

    def event(self, kind, before, after, *, actor=None, label="", note="", **data):
        self.events.append(
            Event(
                kind=kind,
                actor=actor,
                actor_label=label,
                unit=actor.unit if actor else None,
                created_at=self.clock,
                note=note,
                status_before=before,
                status_after=after,
                is_public=kind in PUBLIC_EVENT_KINDS,
                data=data,
            )
        )
        self.report.status = after

    def step(self, kind, unit, urgency="normal"):
        allowed = DEADLINES[kind] * (2 if urgency == "complex" and kind == "handling" else 1)
        due = self.clock + (HOUR * 4 if urgency == "urgent" else allowed)
        self.steps.append(
            Step(
                kind=kind,
                unit=unit,
                duration_unit="hours",
                started_at=self.clock,
                deadline=due,
                original_deadline=due,
            )
        )
        return self.steps[-1]

    def finish(self, outcome):
        for s in self.steps:
            if s.finished_at is None:
                s.finished_at, s.outcome, s.on_time = self.clock, outcome, self.clock <= s.deadline

    def wait(self, rng, mean_hours: float, now: datetime) -> bool:
        """Let time pass; False when it would pass now (the report stops where it is)."""
        self.clock += timedelta(hours=rng.expovariate(1 / mean_hours))
        return self.clock < now


class Stop(Exception):
    """The simulated time reached now: the report stays where it is."""


class Story:
    """Plays one report's life with the transition service's event shapes."""

    def __init__(self, rng: random.Random, cast_: Cast, life: Life, now: datetime, reasons: dict):
        self.rng, self.cast, self.life, self.now, self.reasons = rng, cast_, life, now, reasons
        self.report = life.report

    def wait(self, mean_hours: float) -> None:
        if not self.life.wait(self.rng, mean_hours, self.now):
            raise Stop

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def play(self, previous: Life | None) -> None:
        life, report = self.life, self.report
        life.event(K.SUBMITTED, "", S.SUBMITTED, label=report.channel, channel=report.channel)
        life.step("reception", self.cast.ioc)
        self.wait(0.5 if report.urgent_suspected else 5)
        if self.chance(0.25):
            return self.reject()
        if previous is not None and self.chance(0.03):
            return self.merge(previous)
        self.accept()
        self.handle()
        self.conclude()

    def reject(self) -> None:
        code = pick(self.rng, REASONS)
        self.life.finish("rejected")
        self.life.event(
            K.REJECTED,
            S.SUBMITTED,
            S.REJECTED,
            actor=self.cast.operator,
            reason=code,
            public_note=self.reasons[code],
        )

    def merge(self, previous: Life) -> None:
        self.life.finish("merged")
        self.life.original = previous.report
        self.life.event(
            K.MERGED, S.SUBMITTED, S.MERGED, actor=self.cast.operator, into=previous.report.tracking_code
        )
        twin = Event(
            kind=K.DUPLICATE_MERGED,
            actor=self.cast.operator,
            unit=self.cast.ioc,
            created_at=self.life.clock,
            status_before=previous.report.status,
            status_after=previous.report.status,
            data={"duplicate": self.report.tracking_code},
        )
        previous.events.append(twin)

    def _unit_for(self, category: Category) -> Unit:
        if self.report.commune is not None and self.chance(0.5):
            return self.report.commune
        return self.cast.departments[category.pk % len(self.cast.departments)]

    def accept(self) -> None:
        report, life, cast_ = self.report, self.life, self.cast
        report.category = self.rng.choice(cast_.categories)
        report.urgency = "urgent" if report.urgent_suspected else pick(self.rng, URGENCIES)
        life.event(
            K.ACCEPTED,
            S.SUBMITTED,
            S.ACCEPTED,
            actor=cast_.operator,
            category=report.category.code,
            urgency=report.urgency,
        )
        self.dispatch(self._unit_for(report.category), S.ACCEPTED)

    def dispatch(self, unit: Unit, before: str) -> None:
        life, ioc = self.life, self.cast.ioc
        life.finish("dispatched")
        step = life.step("handling", unit, self.report.urgency)
        life.dispatches.append(
            Dispatch(from_unit=ioc, to_unit=unit, role="lead", by=self.cast.operator, created_at=life.clock)
        )
        self.report.lead_unit = unit
        life.event(
            K.DISPATCHED,
            before,
            S.DISPATCHED,
            actor=self.cast.operator,
            to_unit=unit.pk,
            from_unit=ioc.pk,
            cooperating_units=[],
            deadline=step.deadline.isoformat(),
        )

    def handle(self) -> None:
        life, report = self.life, self.report
        self.wait(20)
        if self.chance(0.06):
            self.give_back()
        focal, _leader, handler = self.cast.staff[report.lead_unit_id]
        divisions = self.cast.divisions.get(report.lead_unit_id)
        if divisions and self.chance(0.4):
            division = self.rng.choice(divisions)
            life.dispatches.append(
                Dispatch(
                    from_unit=report.lead_unit, to_unit=division, role="lead", by=focal, created_at=life.clock
                )
            )
            life.event(
                K.DISPATCHED,
                S.DISPATCHED,
                S.DISPATCHED,
                actor=focal,
                to_unit=division.pk,
                from_unit=report.lead_unit_id,
                cooperating_units=[],
            )
            report.lead_unit = division
            focal, _leader, handler = self.cast.staff[division.pk]
            self.wait(8)
        report.assignee = handler
        life.event(K.ASSIGNED, S.DISPATCHED, S.IN_PROGRESS, actor=focal, assignee=handler.pk)
        self.work(handler)

    def give_back(self) -> None:
        life, report, ioc = self.life, self.report, self.cast.ioc
        focal = self.cast.staff[report.lead_unit_id][0]
        for d in life.dispatches:
            d.active, d.ended_at = False, life.clock
        life.finish("returned")
        life.event(
            K.RETURNED, S.DISPATCHED, S.RETURNED, actor=focal, from_unit=report.lead_unit_id, to_unit=ioc.pk
        )
        report.lead_unit = None
        life.step("reception", ioc)
        self.wait(6)
        self.dispatch(self.rng.choice(self.cast.departments), S.RETURNED)
        self.wait(12)

    def work(self, handler: User) -> None:
        """Handling until the leader approves: an extension now and then, a result sent back."""
        life, report = self.life, self.report
        step = next(s for s in life.steps if s.kind == "handling" and s.finished_at is None)
        if self.chance(0.1):
            self.extend(step, handler)
        # Most results come within the time given; about a third come after it.
        allowed = (step.deadline - life.clock) / HOUR
        self.wait(max(allowed, 1) * self.rng.choice((0.3, 0.5, 0.7, 0.9, 1.3, 1.8)) / 1.0)
        life.finish("result")
        life.event(K.RESULT_SUBMITTED, S.IN_PROGRESS, S.RESULT_SUBMITTED, actor=handler, note=RESULT_TEXT)
        life.step("approval", report.lead_unit)
        leader = self.cast.staff[report.lead_unit_id][1]
        self.wait(10)
        if self.chance(0.05):
            life.finish("sent_back")
            life.event(
                K.RESULT_SENT_BACK, S.RESULT_SUBMITTED, S.IN_PROGRESS, actor=leader, note="Bổ sung ảnh."
            )
            life.step("handling", report.lead_unit, report.urgency)
            return self.work(handler)
        life.finish("approved")
        life.event(K.RESULT_APPROVED, S.RESULT_SUBMITTED, S.RESULT_APPROVED, actor=leader)
        life.step("verification", self.cast.ioc)

    def extend(self, step: Step, handler: User) -> None:
        life = self.life
        self.wait(24)
        wanted = step.deadline + 5 * DAY
        request = ExtensionRequest(
            step=step,
            requested_by=handler,
            requested_deadline=wanted,
            reason="Chờ vật tư.",
            created_at=life.clock,
        )
        life.extensions.append(request)
        life.event(
            K.EXTENSION_REQUESTED,
            S.IN_PROGRESS,
            S.IN_PROGRESS,
            actor=handler,
            note=request.reason,
            deadline=wanted.isoformat(),
            decided_by_unit=self.cast.ioc.pk,
        )
        self.wait(6)
        request.decided_by, request.decided_at, request.approved = (
            self.cast.operator,
            life.clock,
            self.chance(0.8),
        )
        data = {"approved": request.approved, "requested_by": handler.pk}
        if request.approved:
            step.deadline = wanted
            data["deadline"] = wanted.isoformat()
        life.event(K.EXTENSION_DECIDED, S.IN_PROGRESS, S.IN_PROGRESS, actor=self.cast.operator, **data)

    def conclude(self, closure: int = 1) -> None:
        life, report, operator = self.life, self.report, self.cast.operator
        self.wait(12)
        life.finish("verified")
        report.resolved_at = life.clock
        life.event(K.VERIFIED, S.RESULT_APPROVED, S.RESOLVED, actor=operator)
        self.wait(4)
        public = report.wants_public and self.chance(0.7)
        report.is_public, report.published_at = public, life.clock if public else None
        if public:
            # Generated texts name nobody: the public copy is the text itself.
            report.public_title, report.public_description = report.title, report.description
            report.public_address, report.public_result = report.address, RESULT_TEXT
        life.event(K.PUBLISHED if public else K.KEPT_PRIVATE, S.RESOLVED, S.RESOLVED, actor=operator)
        report.closed_at = life.clock
        life.event(K.CLOSED, S.RESOLVED, S.CLOSED, actor=operator)
        self.wait(48)
        if not self.chance(0.45):
            return
        value = pick(self.rng, RATINGS)
        life.ratings.append(Rating(closure=closure, value=value, created_at=life.clock))
        life.event(K.RATED, S.CLOSED, S.CLOSED, label="reporter", value=value, closure=closure)
        if value == "unsatisfied" and closure == 1 and self.chance(0.4):
            self.wait(24)
            report.resolved_at = report.closed_at = report.published_at = report.is_public = None
            life.event(K.REOPENED, S.CLOSED, S.IN_PROGRESS, actor=operator, note="Xem xét lại.")
            life.step("handling", report.lead_unit, report.urgency)
            self.work(report.assignee)
            self.conclude(closure=2)


@contextmanager
def times_as_given():
    """Keep the generated times: `auto_now_add` would stamp every row with the moment of writing."""
    stamped = [m._meta.get_field("created_at") for m in (Report, Event, Dispatch, ExtensionRequest, Rating)]
    try:
        for f in stamped:
            f.auto_now_add = False
        yield
    finally:
        for f in stamped:
            f.auto_now_add = True


def tracking_code(n: int, created: datetime) -> str:
    """A distinct code for the n-th generated report (a bijection of n onto the six characters)."""
    n = (n * 387_420_489 + 12_345) % (31**6)  # 387420489 = 9^9 is coprime with 31^6
    body = ""
    for _i in range(6):
        n, digit = divmod(n, 31)
        body += ALPHABET[digit]
    return f"PA-{created:%y}-{body}"


def new_report(rng: random.Random, cast_: Cast, n: int, created: datetime) -> Report:
    commune = rng.choice(cast_.communes)
    problem, place = rng.choice(PROBLEMS), rng.choice(PLACES)
    description = f"{problem} tại {place}, {commune.name}. Đề nghị cơ quan chức năng xử lý."
    code = tracking_code(n, created)
    channel = pick(rng, CHANNELS)
    return Report(
        tracking_code=code,
        secret_hash=f"{rng.getrandbits(256):064x}",
        title=problem,
        description=description,
        address=place,
        search_text=search_document(
            tracking_code=code, title=problem, description=description, address=place
        ),
        latitude=Decimal(f"{21.85 + rng.uniform(-0.3, 0.3):.6f}"),
        longitude=Decimal(f"{106.76 + rng.uniform(-0.4, 0.4):.6f}"),
        location_source="reporter",
        commune=commune,
        reporter_phone=f"09{rng.randrange(10**8):08d}",
        consent_at=created,
        consent_version=CURRENT_CONSENT_VERSION,
        channel=channel,
        created_at=created,
        urgent_suspected=rng.random() < 0.02,
        wants_public=rng.random() < 0.9,
    )


def _lives(rng, cast_, first: int, count: int, start: datetime, now: datetime, reasons) -> list[Life]:
    lives: list[Life] = []
    span = (now - start).total_seconds()
    for n in range(first, first + count):
        # More reports as the system becomes known: the density grows along the two years.
        created = start + timedelta(seconds=span * rng.random() ** 0.8)
        life = Life(new_report(rng, cast_, n, created), clock=created)
        with suppress(Stop):
            Story(rng, cast_, life, now, reasons).play(_original(lives))
        lives.append(life)
    return lives


def _original(lives: list[Life]) -> Life | None:
    """The report a duplicate may be merged into: the one before it, if it is still mergeable."""
    if lives and lives[-1].report.status not in (S.REJECTED, S.MERGED, S.CLOSED):
        return lives[-1]
    return None


def _write(lives: list[Life]) -> list[int]:
    for life in lives:
        life.report.version = len(life.events)
    Report.objects.bulk_create([life.report for life in lives], batch_size=BATCH)
    merged = []
    for life in lives:
        for row in (*life.events, *life.steps, *life.dispatches, *life.ratings):
            row.report_id = life.report.pk
        for request in life.extensions:
            request.report_id = life.report.pk
        if life.original is not None:
            life.report.merged_into_id = life.original.pk
            merged.append(life.report)
    Report.objects.bulk_update(merged, ["merged_into"], batch_size=BATCH)
    steps = [s for life in lives for s in life.steps]
    for step in steps:
        # Set here, after the story: an extension moved some deadlines after their steps began.
        step.remind_at = reminder_moment(step.started_at, step.deadline)
    Step.objects.bulk_create(steps, batch_size=BATCH)
    for life in lives:
        for request in life.extensions:
            request.step_id = request.step.pk
    Event.objects.bulk_create([e for life in lives for e in life.events], batch_size=BATCH)
    Dispatch.objects.bulk_create([d for life in lives for d in life.dispatches], batch_size=BATCH)
    ExtensionRequest.objects.bulk_create([x for life in lives for x in life.extensions], batch_size=BATCH)
    Rating.objects.bulk_create([r for life in lives for r in life.ratings], batch_size=BATCH)
    return [life.report.pk for life in lives]


def generate(*, reports: int, years: float = 2, seed: int = 4, chunk: int = 5000, progress=None) -> int:
    """Write `reports` generated reports spread over the last `years`, with their figures."""
    rng = random.Random(seed)
    cast_ = cast()
    now = timezone.now()
    start = now - timedelta(days=365 * years)
    reasons = dict(RejectionReason.objects.values_list("code", "name"))
    first = Report.objects.count()
    done = 0
    with times_as_given():
        while done < reports:
            count = min(chunk, reports - done)
            lives = _lives(rng, cast_, first + done, count, start, now, reasons)
            with transaction.atomic():
                ids = _write(lives)
            facts.refresh(ids)
            done += count
            if progress:
                progress(done)
    rollup.rebuild_dirty()
    return done
