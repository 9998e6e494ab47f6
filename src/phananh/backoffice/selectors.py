"""Reads for the back-office lists: each person's tabs, filters, deadlines and the map.

Every query starts from `org.access.visible_reports`, so a list never shows what its reader
may not open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from phananh.core.errors import ApplicationError
from phananh.org.access import PROVINCE_ROLES, visible_reports
from phananh.org.models import Role, Unit
from phananh.reports.models import Attachment, AttachmentKind, Category, Channel, Report
from phananh.reports.search import search
from phananh.reports.statuses import OPEN_STATUSES, Status, Urgency
from phananh.stats.behind import FIGURES, reports_behind
from phananh.stats.periods import Period
from phananh.triage.late_risk import at_risk
from phananh.workflow.models import Step, StepKind

# Steps a unit answers for; reception and verification are the IOC's.
UNIT_STEP_KINDS = (StepKind.HANDLING, StepKind.APPROVAL)
# At most this many points on the map: beyond that a province needs clustering, not more dots.
MAP_LIMIT = 2000


@dataclass(frozen=True)
class Tab:
    key: str
    label: Promise


NEW = Tab("new", _("New"))
OVERDUE = Tab("overdue", _("Overdue"))
# Running steps not yet overdue whose learned risk of missing the deadline is high (sắp trễ hạn).
AT_RISK = Tab("at_risk", _("At risk of running late"))
RETURNED = Tab("returned", _("Returned by units"))
VERIFY = Tab("verify", _("To verify"))
ALL = Tab("all", _("All"))
TO_ASSIGN = Tab("to_assign", _("To assign"))
IN_PROGRESS = Tab("in_progress", _("In progress"))
WAITING_APPROVAL = Tab("waiting_approval", _("Waiting for approval"))
MINE = Tab("mine", _("Assigned to me"))
# Closed reports whose reporter was not satisfied: the IOC reopens them or keeps them closed.
UNSATISFIED = Tab("unsatisfied", _("Unsatisfied ratings"))

PROVINCE_TABS = (NEW, AT_RISK, OVERDUE, RETURNED, VERIFY, ALL)
OPERATOR_TABS = (NEW, AT_RISK, OVERDUE, RETURNED, VERIFY, UNSATISFIED, ALL)
DESK_TABS = (TO_ASSIGN, IN_PROGRESS, WAITING_APPROVAL, AT_RISK, OVERDUE, ALL)
HANDLER_TABS = (MINE, AT_RISK, OVERDUE, ALL)
# At most this many reports on the at-risk tab: the riskiest, each with its risk in the query.
AT_RISK_LIMIT = 500


def tabs_for(user) -> tuple[Tab, ...]:
    if user.role == Role.OPERATOR:
        return OPERATOR_TABS
    if user.role in PROVINCE_ROLES:
        return PROVINCE_TABS
    if user.role == Role.HANDLER:
        return HANDLER_TABS
    return DESK_TABS


def default_tab(user) -> str:
    """Where each person lands: the work that waits for them first."""
    return {
        Role.OPERATOR: NEW,
        Role.CALL_AGENT: NEW,
        Role.STEERING: OVERDUE,
        Role.ADMIN: ALL,
        Role.FOCAL_POINT: TO_ASSIGN,
        Role.LEADER: WAITING_APPROVAL,
        Role.HANDLER: MINE,
    }.get(user.role, ALL).key


def _open_steps(**conditions) -> QuerySet[Step]:
    return Step.objects.filter(report=OuterRef("pk"), finished_at__isnull=True, **conditions)


def with_deadline(qs: QuerySet[Report], now: datetime) -> QuerySet[Report]:
    """Each report's nearest open deadline and when its step began, whether a clock is paused,
    whether one has passed, and the first photo sent with it (the list's thumbnail)."""
    nearest = _open_steps().order_by("deadline", "id")
    return qs.annotate(
        next_deadline=Subquery(nearest.values("deadline")[:1]),
        next_started=Subquery(nearest.values("started_at")[:1]),
        thumb_id=Subquery(
            Attachment.objects.filter(report=OuterRef("pk"), kind=AttachmentKind.PHOTO)
            .order_by("id")
            .values("id")[:1]
        ),
        clock_paused=Exists(_open_steps(paused_at__isnull=False)),
        is_overdue=Exists(_open_steps(paused_at__isnull=True, deadline__lt=now)),
    )


def deadline_state(report, now: datetime) -> str:
    """How the report's nearest deadline stands: overdue, soon, on_time, paused, or "" for none.

    "soon" once the reminder share of the step's time has gone (a quarter left by default):
    the list turns amber exactly when the reminders go out.
    """
    if getattr(report, "is_overdue", False):
        return "overdue"
    if report.next_deadline is None:
        return ""
    if report.clock_paused:
        return "paused"
    duration = report.next_deadline - report.next_started
    if (
        duration.total_seconds() <= 0
        or (now - report.next_started) / duration >= settings.PHANANH_REMINDER_SHARE
    ):
        return "soon"
    return "on_time"


def _urgent_first():
    return Case(When(urgency=Urgency.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField())


def _overdue(user, now: datetime) -> Q:
    """An open step past its deadline and not paused: any step for the IOC, the unit's own for a unit."""
    if user.role in PROVINCE_ROLES:
        return Q(Exists(_open_steps(paused_at__isnull=True, deadline__lt=now)))
    late = Q(Exists(_open_steps(paused_at__isnull=True, deadline__lt=now, kind__in=UNIT_STEP_KINDS)))
    ours = Q(lead_unit__path__startswith=user.unit.path)
    if user.role == Role.HANDLER:
        ours |= Q(assignee=user)
    return late & ours


def _at_risk(user, qs: QuerySet[Report], now: datetime) -> QuerySet[Report]:
    """Reports with a running step at risk of missing its deadline, riskiest first, each with its
    `late_risk`: any step for the IOC, the unit's own steps of its reports for a unit."""
    province = user.role in PROVINCE_ROLES
    risks = at_risk(now, kinds=None if province else UNIT_STEP_KINDS)
    riskiest = sorted(risks.items(), key=lambda item: -item[1])[:AT_RISK_LIMIT]
    if not riskiest:
        return qs.none()
    # The risks are a few minutes old: a report overdue since is on the overdue tab instead.
    qs = qs.filter(pk__in=[pk for pk, _risk in riskiest], status__in=OPEN_STATUSES, is_overdue=False)
    if not province:
        ours = Q(lead_unit__path__startswith=user.unit.path)
        if user.role == Role.HANDLER:
            ours |= Q(assignee=user)
        qs = qs.filter(ours)
    risk = Case(*(When(pk=pk, then=Value(r)) for pk, r in riskiest), output_field=FloatField())
    return qs.annotate(late_risk=risk).order_by("-late_risk", "next_deadline", "id")


def tab_reports(user, tab: str, now: datetime) -> QuerySet[Report]:
    """The reports of one tab of this person's list, in the order they should be worked on."""
    qs = with_deadline(
        visible_reports(user, Report.objects.select_related("category", "lead_unit", "assignee")), now
    )
    in_unit = Q(lead_unit__path__startswith=user.unit.path)
    if tab == NEW.key:
        return qs.filter(status=Status.SUBMITTED).order_by(_urgent_first(), "created_at", "id")
    if tab == OVERDUE.key:
        return qs.filter(_overdue(user, now), status__in=OPEN_STATUSES).order_by("next_deadline", "id")
    if tab == AT_RISK.key:
        return _at_risk(user, qs, now)
    if tab == RETURNED.key:
        return qs.filter(status=Status.RETURNED).order_by(_urgent_first(), "next_deadline", "id")
    if tab == VERIFY.key:
        return qs.filter(status=Status.RESULT_APPROVED).order_by("next_deadline", "id")
    if tab == UNSATISFIED.key:
        return qs.filter(status=Status.CLOSED, review_requested_at__isnull=False).order_by(
            "review_requested_at", "id"
        )
    if tab == TO_ASSIGN.key:
        return qs.filter(in_unit, status=Status.DISPATCHED).order_by(_urgent_first(), "next_deadline", "id")
    if tab == IN_PROGRESS.key:
        return qs.filter(in_unit, status=Status.IN_PROGRESS).order_by(_urgent_first(), "next_deadline", "id")
    if tab == WAITING_APPROVAL.key:
        return qs.filter(in_unit, status=Status.RESULT_SUBMITTED).order_by("next_deadline", "id")
    if tab == MINE.key:
        return qs.filter(assignee=user, status__in=OPEN_STATUSES).order_by(
            _urgent_first(), "next_deadline", "id"
        )
    return qs.order_by("-created_at", "-id")


def filter_units(user) -> QuerySet[Unit]:
    """Units a person can filter the list by: every handling unit for the IOC, else their subtree."""
    units = Unit.objects.filter(is_active=True)
    if user.role in PROVINCE_ROLES:
        return units.exclude(parent=None)
    return units.filter(path__startswith=user.unit.path)


# The orders a person may choose; without one, each tab keeps its own (best match first when
# searching).
SORTS = {
    "deadline": lambda qs: qs.order_by(F("next_deadline").asc(nulls_last=True), "-created_at", "-id"),
    "newest": lambda qs: qs.order_by("-created_at", "-id"),
    "oldest": lambda qs: qs.order_by("created_at", "id"),
}
SORT_CHOICES = (
    ("deadline", _("Nearest deadline first")),
    ("newest", _("Newest received first")),
    ("oldest", _("Oldest received first")),
)


@dataclass
class Filters:
    """The list's filters as read from the querystring; unknown values are ignored."""

    status: str = ""
    field: str = ""
    unit: int | None = None
    urgency: str = ""
    q: str = ""
    sort: str = ""
    # The reports behind a figure of the dashboard: which figure, over which days, in which
    # channel and commune (`stats.behind`).
    figure: str = ""
    period: Period | None = None
    channel: str = ""
    commune: int | None = None

    @classmethod
    def from_query(cls, params) -> Filters:
        status = params.get("status", "")
        urgency = params.get("urgency", "")
        unit = params.get("unit", "")
        sort = params.get("sort", "")
        figure = params.get("figure", "")
        channel = params.get("channel", "")
        commune = params.get("commune", "")
        return cls(
            status=status if status in Status.values else "",
            field=params.get("field", "")[:60],
            unit=int(unit) if unit.isdigit() else None,
            urgency=urgency if urgency in Urgency.values else "",
            q=" ".join(params.get("q", "").split())[:100],
            sort=sort if sort in SORTS else "",
            figure=figure if figure in FIGURES else "",
            period=_period(params.get("from", ""), params.get("to", "")),
            channel=channel if channel in Channel.values else "",
            commune=int(commune) if commune.isdigit() else None,
        )

    @property
    def active(self) -> bool:
        return bool(self.status or self.field or self.unit or self.urgency or self.q or self.figure)

    def behind_figure(self, qs: QuerySet[Report], user) -> QuerySet[Report]:
        """Only the reports the dashboard's figure counted, under the same filters and scope."""
        if not self.figure:
            return qs
        unit = filter_units(user).filter(pk=self.unit).first() if self.unit else None
        try:
            ids = reports_behind(
                self.figure,
                period=self.period or Period.this_year(),
                scope_user=user,
                unit=unit,
                field=Category.objects.filter(code=self.field).first() if self.field else None,
                channel=self.channel or None,
                commune=Unit.objects.filter(pk=self.commune).first() if self.commune else None,
            )
        except ApplicationError:
            return qs.none()  # figures this person may not read: nothing behind them either
        return qs.filter(pk__in=ids)

    def apply(self, qs: QuerySet[Report], user) -> QuerySet[Report]:
        qs = self.behind_figure(qs, user)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.field:
            qs = qs.filter(category__code=self.field)
        if self.unit:
            unit = filter_units(user).filter(pk=self.unit).first()
            qs = qs.filter(lead_unit__path__startswith=unit.path) if unit else qs.none()
        if self.urgency:
            qs = qs.filter(urgency=self.urgency)
        if self.q:
            # The public search's own function: "o ga" finds "ổ gà", best matches first.
            qs = search(qs, self.q)
        return SORTS[self.sort](qs) if self.sort else qs


def _period(start: str, end: str) -> Period | None:
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return None
    return Period(first, last) if first <= last else None


def filter_categories() -> QuerySet[Category]:
    return Category.objects.all()


def map_points(user) -> list[dict]:
    """The visible open reports that have a place: code, status, urgency, coordinates. No personal data."""
    rows = (
        visible_reports(user, Report.objects.all())
        .filter(status__in=OPEN_STATUSES, latitude__isnull=False, longitude__isnull=False)
        .order_by("-created_at", "-id")
        .values("tracking_code", "status", "urgency", "latitude", "longitude")[:MAP_LIMIT]
    )
    return list(rows)
