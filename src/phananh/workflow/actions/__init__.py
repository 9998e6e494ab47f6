"""What each workflow action does: who may take it, from which statuses, and its effects.

Each `_apply_*` runs inside the transition service's transaction, on a locked report, and
returns the new status; it records its events through the context. It never saves the status
itself: the service does, with a compare-and-swap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phananh.core.errors import Conflict, ValidationFailed
from phananh.org.access import REPORTER, SYSTEM, System, can_see, ioc_root
from phananh.org.models import ContactReveal, Role, Unit, User
from phananh.reports.models import Category, Follower, Rating, RatingValue, Report
from phananh.reports.selectors import report_by_tracking_code
from phananh.reports.statuses import OPEN_STATUSES, Status, Urgency

from .. import publishing, schemas
from ..calendar import WorkingCalendar
from ..deadlines import (
    duration_for,
    extend_step,
    finish_open_steps,
    open_step,
    pause_open_steps,
    reminder_moment,
    resume_paused_steps,
)
from ..models import Dispatch, DispatchRole, EventKind, ExtensionRequest, RejectionReason, StepKind
from ..selectors import closure_number, current_rating
from .suggested import taken
from .who import (
    _dispatcher,
    _extension_asker,
    _extension_decider,
    _info_asker,
    _ioc,
    _ioc_or_system,
    _lead_unit_staff,
    _own_report,
    current_lead_dispatch,
    pending_extension,
)

S = Status


@dataclass
class PendingEvent:
    kind: str
    note: str = ""
    data: dict = field(default_factory=dict)
    report: Report | None = None  # another report (the original of a merge)
    with_files: bool = False
    # When one action takes two steps (accept and dispatch), the status between them.
    status_before: str = ""
    status_after: str = ""


@dataclass
class Context:
    """What an action works with, and what it leaves for the service to write."""

    report: Report
    actor: User
    payload: object
    now: datetime
    calendar: WorkingCalendar
    # Locks another report for this transition (the original of a merge); the service gives it,
    # and moves that report's version too.
    lock: Callable[[int], Report] | None = None
    # What the action's `prepare` made before the transaction (see Action.prepare).
    prepared: object = None
    changes: dict = field(default_factory=dict)
    events: list[PendingEvent] = field(default_factory=list)

    def record(self, kind: str, note: str = "", **data) -> PendingEvent:
        event = PendingEvent(kind, note, data)
        self.events.append(event)
        return event

    def set(self, **changes) -> None:
        for name, value in changes.items():
            setattr(self.report, name, value)
        self.changes.update(changes)


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    from_statuses: frozenset[str]
    roles: frozenset[str]
    may: Callable[[User, Report], bool]
    apply: Callable[[Context], str]
    # Whether photos and documents may come with it (they go on its event).
    takes_files: bool = False
    # A state the report must be in besides its status (e.g. an extension waiting):
    # (test, code, message) of the 409 when it is not.
    needs: tuple[Callable[[Report], bool], str, str] | None = None
    # The code and message of the 409 for a status the action is not taken from, when the
    # action's own words say more than "not possible while ..." (e.g. rating an open report).
    wrong_status: tuple[str, str] | None = None
    # Slow work done before the transaction, after the checks (who, when, what was sent):
    # (report, actor, payload, written) -> what `apply` finds in `ctx.prepared`. It may refuse
    # (422) and may write files, named in `written` so that a failure removes them.
    prepare: Callable | None = None


# --- who may: .who -----------------------------------------------------------------------------

# --- helpers ---------------------------------------------------------------------------------


def _invalid(field_name: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(code, message, fields={field_name: [message]})


def _unit(unit_id: int, field_name: str) -> Unit:
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None:
        raise _invalid(field_name, "unknown_unit", _("There is no such active unit."))
    return unit


def _handling_step(report: Report):
    return (
        report.steps.filter(kind=StepKind.HANDLING, finished_at__isnull=True).order_by("-started_at").first()
    )


def _future(moment: datetime | None, now: datetime, field_name: str) -> datetime | None:
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment <= now:
        raise _invalid(field_name, "deadline_in_past", _("The deadline must be in the future."))
    return moment


def _dispatch_to(ctx: Context, unit: Unit, cooperating: list[int], deadline: datetime | None, note: str):
    """Make `unit` the lead unit; the IOC starts the handling clock, a unit passes it down."""
    report, actor, now = ctx.report, ctx.actor, ctx.now
    coops = [_unit(pk, "cooperating_units") for pk in dict.fromkeys(cooperating) if pk != unit.pk]
    from_ioc = report.status in (S.ACCEPTED, S.RETURNED, S.SUBMITTED)
    if from_ioc:
        if unit.parent_id is None:
            raise _invalid("unit", "invalid_unit", _("Dispatch to a handling unit, not to the IOC itself."))
        from_unit = ioc_root()
        report.dispatches.filter(active=True).update(active=False, ended_at=now)
    else:
        from_unit = report.lead_unit
        if unit.pk == from_unit.pk or not unit.path.startswith(from_unit.path):
            raise _invalid("unit", "unit_outside_subtree", _("A unit can only dispatch to its own units."))
    Dispatch.objects.create(
        report=report, from_unit=from_unit, to_unit=unit, role=DispatchRole.LEAD, by=actor
    )
    for coop in coops:
        Dispatch.objects.create(
            report=report, from_unit=from_unit, to_unit=coop, role=DispatchRole.COOPERATING, by=actor
        )
    due = _future(deadline, now, "deadline")
    if from_ioc:
        finish_open_steps(report, now=now, outcome="dispatched", kinds={StepKind.RECEPTION})
        step = open_step(
            report=report, kind=StepKind.HANDLING, unit=unit, now=now, calendar=ctx.calendar, deadline=due
        )
        due = step.deadline
    elif due is not None:
        raise _invalid("deadline", "deadline_not_allowed", _("Only the IOC sets the handling deadline."))
    ctx.set(lead_unit=unit, assignee=None)
    event = ctx.record(
        EventKind.DISPATCHED,
        note,
        to_unit=unit.pk,
        from_unit=from_unit.pk,
        cooperating_units=[c.pk for c in coops],
    )
    if due is not None:
        event.data["deadline"] = due.isoformat()
    return S.DISPATCHED


# --- the actions -----------------------------------------------------------------------------


def _apply_accept(ctx: Context) -> str:
    p = ctx.payload
    category = Category.objects.filter(code=p.category, is_active=True).first()
    if category is None:
        raise _invalid("category", "unknown_category", _("There is no such field."))
    ctx.set(category=category, urgency=p.urgency)
    if p.urgency == Urgency.URGENT:
        # Classified urgent: reception now runs on the urgent clock (the deadline rules' urgent
        # reception, 1 hour by default), from the submission.
        urgent = duration_for(StepKind.RECEPTION, urgency=p.urgency, category_id=category.pk)
        for step in ctx.report.steps.filter(kind=StepKind.RECEPTION, finished_at__isnull=True):
            due = ctx.calendar.deadline(step.started_at, urgent)
            if due < step.deadline:
                step.deadline = step.original_deadline = due
                step.duration_unit = urgent.unit
                step.remind_at = reminder_moment(step.started_at, due)
                step.save(update_fields=["deadline", "original_deadline", "duration_unit", "remind_at"])
    accepted = ctx.record(EventKind.ACCEPTED, p.note, category=category.code, urgency=p.urgency)
    if p.suggested is not None:
        accepted.data["suggestion"] = taken(
            p.suggested, field=category.code, urgency=p.urgency, unit=p.lead_unit
        )
    if p.lead_unit is None:
        return S.ACCEPTED
    ctx.report.status = S.ACCEPTED
    after = _dispatch_to(ctx, _unit(p.lead_unit, "lead_unit"), p.cooperating_units, None, "")
    # The timeline shows both steps: submitted → accepted, then accepted → dispatched.
    accepted.status_after = ctx.events[-1].status_before = S.ACCEPTED
    return after


def _apply_reject(ctx: Context) -> str:
    reason = RejectionReason.objects.filter(code=ctx.payload.reason, is_active=True).first()
    if reason is None:
        raise _invalid("reason", "unknown_reason", _("Choose a reason from the list."))
    finish_open_steps(ctx.report, now=ctx.now, outcome="rejected")
    ctx.set(paused_status="")
    ctx.record(
        EventKind.REJECTED, ctx.payload.note, reason=reason.code, public_note=reason.message or reason.name
    )
    return S.REJECTED


def _apply_merge(ctx: Context) -> str:
    report = ctx.report
    original = report_by_tracking_code(ctx.payload.into)
    if original is None or not can_see(ctx.actor, original):
        raise _invalid("into", "unknown_report", _("No report has this tracking code."))
    if original.pk == report.pk:
        raise _invalid("into", "invalid_original", _("Merge into another report that is still open."))
    # The original is locked too: it must not be closed or rejected while it gains a follower.
    original = ctx.lock(original.pk)
    if original.status not in OPEN_STATUSES | {S.RESOLVED}:
        raise _invalid("into", "invalid_original", _("Merge into another report that is still open."))
    Follower.objects.get_or_create(report=original, via_report=report)
    # Whoever followed the duplicate follows the original from now on.
    for follower in report.followers.exclude(via_report=original):
        _follow_too(original, follower)
    finish_open_steps(report, now=ctx.now, outcome="merged")
    ctx.set(merged_into=original, paused_status="")
    ctx.record(EventKind.MERGED, ctx.payload.note, into=original.tracking_code)
    twin = ctx.record(EventKind.DUPLICATE_MERGED, ctx.payload.note, duplicate=report.tracking_code)
    twin.report = original
    return S.MERGED


def _follow_too(original: Report, follower: Follower) -> None:
    same = Follower.objects.filter(report=original, via_report=follower.via_report_id)
    if follower.via_report_id is None:
        same = same.filter(email__iexact=follower.email)
    if not same.exists():
        Follower.objects.create(
            report=original,
            via_report_id=follower.via_report_id,
            email=follower.email,
            confirmed_at=follower.confirmed_at,
            unsubscribed_at=follower.unsubscribed_at,
        )


def _apply_request_info(ctx: Context) -> str:
    pause_open_steps(ctx.report, now=ctx.now, calendar=ctx.calendar)
    ctx.set(paused_status=ctx.report.status)
    ctx.record(
        EventKind.INFO_REQUESTED,
        ctx.payload.question,
        requested_by=ctx.actor.pk,
        public_note=ctx.payload.question,
    )
    return S.INFO_REQUESTED


def _apply_dispatch(ctx: Context) -> str:
    p = ctx.payload
    after = _dispatch_to(ctx, _unit(p.unit, "unit"), p.cooperating_units, p.deadline, p.note)
    if p.suggested is not None:
        ctx.events[-1].data["suggestion"] = taken(p.suggested, unit=p.unit)
    return after


def _apply_return(ctx: Context) -> str:
    report, p = ctx.report, ctx.payload
    suggested = _unit(p.suggested_unit, "suggested_unit") if p.suggested_unit else None
    dispatch = current_lead_dispatch(report)
    if dispatch is None:
        raise Conflict("not_dispatched", _("This report was not dispatched to this unit."))
    dispatch.active = False
    dispatch.ended_at = ctx.now
    dispatch.save(update_fields=["active", "ended_at"])
    data = {"from_unit": report.lead_unit_id, "to_unit": dispatch.from_unit_id}
    if suggested:
        data["suggested_unit"] = suggested.pk
    ctx.record(EventKind.RETURNED, p.reason, **data)
    if dispatch.from_unit.parent_id is not None:
        ctx.set(lead_unit=dispatch.from_unit, assignee=None)
        return S.DISPATCHED
    report.dispatches.filter(active=True).update(active=False, ended_at=ctx.now)
    # The unit's handling ends here: an extension it asked for lapses undecided (approved
    # stays None), so that it neither blocks the next unit nor moves a finished deadline.
    report.extensions.filter(decided_at__isnull=True).update(decided_at=ctx.now)
    finish_open_steps(report, now=ctx.now, outcome="returned")
    open_step(
        report=report, kind=StepKind.RECEPTION, unit=dispatch.from_unit, now=ctx.now, calendar=ctx.calendar
    )
    ctx.set(lead_unit=None, assignee=None)
    return S.RETURNED


def _apply_assign(ctx: Context) -> str:
    lead = ctx.report.lead_unit
    handler = User.objects.filter(pk=ctx.payload.handler, is_active=True).select_related("unit").first()
    if (
        handler is None
        or handler.role not in HANDLING
        or handler.unit is None
        or not handler.unit.path.startswith(lead.path)
    ):
        raise _invalid(
            "handler", "invalid_handler", _("Choose a staff member of the unit handling this report.")
        )
    ctx.set(assignee=handler)
    ctx.record(EventKind.ASSIGNED, ctx.payload.note, assignee=handler.pk)
    return S.IN_PROGRESS


def _apply_request_extension(ctx: Context) -> str:
    step = _handling_step(ctx.report)
    if step is None:
        raise Conflict("no_running_deadline", _("There is no handling deadline to extend."))
    deadline = _future(ctx.payload.deadline, ctx.now, "deadline")
    if deadline <= step.deadline:
        raise _invalid("deadline", "deadline_not_later", _("Ask for a date after the current deadline."))
    ExtensionRequest.objects.create(
        report=ctx.report,
        step=step,
        requested_by=ctx.actor,
        requested_deadline=deadline,
        reason=ctx.payload.reason,
    )
    dispatch = current_lead_dispatch(ctx.report)
    ctx.record(
        EventKind.EXTENSION_REQUESTED,
        ctx.payload.reason,
        deadline=deadline.isoformat(),
        decided_by_unit=dispatch.from_unit_id if dispatch else None,
    )
    return ctx.report.status


def _apply_decide_extension(ctx: Context) -> str:
    request, p = pending_extension(ctx.report), ctx.payload
    granted = _future(p.deadline, ctx.now, "deadline") or request.requested_deadline
    if p.approve and granted <= request.step.deadline:
        # An extension never shortens the deadline.
        raise _invalid("deadline", "deadline_not_later", _("Grant a date after the current deadline."))
    request.decided_by, request.decided_at = ctx.actor, ctx.now
    request.approved, request.decision_note = p.approve, p.note
    request.save(update_fields=["decided_by", "decided_at", "approved", "decision_note"])
    data = {"approved": p.approve, "requested_by": request.requested_by_id}
    if p.approve:
        extend_step(request.step, granted, calendar=ctx.calendar)
        data["deadline"] = granted.isoformat()
    ctx.record(EventKind.EXTENSION_DECIDED, p.note, **data)
    return ctx.report.status


def _apply_submit_result(ctx: Context) -> str:
    finish_open_steps(ctx.report, now=ctx.now, outcome="result", kinds={StepKind.HANDLING})
    open_step(
        report=ctx.report,
        kind=StepKind.APPROVAL,
        unit=ctx.report.lead_unit,
        now=ctx.now,
        calendar=ctx.calendar,
    )
    event = ctx.record(EventKind.RESULT_SUBMITTED, ctx.payload.result)
    event.with_files = True
    return S.RESULT_SUBMITTED


def _reopen_handling(ctx: Context) -> None:
    open_step(
        report=ctx.report,
        kind=StepKind.HANDLING,
        unit=ctx.report.lead_unit,
        now=ctx.now,
        calendar=ctx.calendar,
    )


def _apply_approve_result(ctx: Context) -> str:
    p = ctx.payload
    if not p.approve and not p.note.strip():
        raise _invalid("note", "note_required", _("Say what must be done again."))
    finish_open_steps(ctx.report, now=ctx.now, outcome="approved" if p.approve else "sent_back")
    if not p.approve:
        _reopen_handling(ctx)
        ctx.record(EventKind.RESULT_SENT_BACK, p.note)
        return S.IN_PROGRESS
    open_step(
        report=ctx.report, kind=StepKind.VERIFICATION, unit=ioc_root(), now=ctx.now, calendar=ctx.calendar
    )
    ctx.record(EventKind.RESULT_APPROVED, p.note)
    return S.RESULT_APPROVED


def _apply_verify(ctx: Context) -> str:
    finish_open_steps(ctx.report, now=ctx.now, outcome="verified")
    ctx.set(resolved_at=ctx.now)
    ctx.record(EventKind.VERIFIED, ctx.payload.note)
    return S.RESOLVED


def _apply_rework(ctx: Context) -> str:
    finish_open_steps(ctx.report, now=ctx.now, outcome="rework")
    _reopen_handling(ctx)
    # The published result is no longer the result: it goes back to the IOC's decision.
    ctx.set(resolved_at=None, is_public=None, published_at=None)
    ctx.record(EventKind.REWORK, ctx.payload.reason)
    return S.IN_PROGRESS


def _prepare_publish(*, report, actor, payload, written):
    if payload.public and not report.wants_public:
        raise _invalid(
            "public", "reporter_wants_private", _("The reporter asked that this report stay private.")
        )
    if not payload.public:
        return None
    return publishing.prepare_publication(report=report, payload=payload, written=written)


def _apply_publish(ctx: Context) -> str:
    public = ctx.payload.public
    data = {}
    if public:
        # The public copy, checked and drawn by `_prepare_publish`: the public reads only it.
        ctx.set(**publishing.public_fields(ctx.report, ctx.prepared))
        data = publishing.apply_photos(ctx.prepared)
    ctx.set(is_public=public, published_at=ctx.now if public else None)
    ctx.record(EventKind.PUBLISHED if public else EventKind.KEPT_PRIVATE, ctx.payload.note, **data)
    return ctx.report.status


def _apply_close(ctx: Context) -> str:
    ctx.set(closed_at=ctx.now)
    if isinstance(ctx.actor, System):
        # Nobody rated the result in time (PHANANH_AUTO_CLOSE_DAYS); a late rating is still taken.
        ctx.record(EventKind.CLOSED, ctx.payload.note, closed_by="no_rating")
    else:
        ctx.record(EventKind.CLOSED, ctx.payload.note)
    return S.CLOSED


def _apply_reopen(ctx: Context) -> str:
    report = ctx.report
    # Reopening is the IOC's answer to an unsatisfied rating: the review is done.
    ctx.set(closed_at=None, resolved_at=None, is_public=None, published_at=None, review_requested_at=None)
    ctx.record(EventKind.REOPENED, ctx.payload.reason)
    if report.status == S.REJECTED or report.lead_unit_id is None:
        open_step(report=report, kind=StepKind.RECEPTION, unit=ioc_root(), now=ctx.now, calendar=ctx.calendar)
        return S.SUBMITTED
    _reopen_handling(ctx)
    return S.IN_PROGRESS if report.assignee_id else S.DISPATCHED


def _apply_reveal_contact(ctx: Context) -> str:
    unit = _unit(ctx.payload.unit, "unit")
    if unit.parent_id is None:
        raise _invalid("unit", "invalid_unit", _("Choose a handling unit."))
    ContactReveal.objects.create(report=ctx.report, unit=unit, by=ctx.actor, reason=ctx.payload.reason)
    ctx.record(EventKind.CONTACT_REVEALED, ctx.payload.reason, unit=unit.pk)
    return ctx.report.status


def _apply_provide_info(ctx: Context) -> str:
    report = ctx.report
    back_to = report.paused_status or S.SUBMITTED
    resume_paused_steps(report, now=ctx.now, calendar=ctx.calendar)
    asked = report.events.filter(kind=EventKind.INFO_REQUESTED).order_by("-created_at", "-id").first()
    ctx.set(paused_status="")
    event = ctx.record(
        EventKind.INFO_PROVIDED, ctx.payload.text, requested_by=asked.actor_id if asked else None
    )
    event.with_files = True
    return back_to


def _apply_rate(ctx: Context) -> str:
    """Đánh giá: rating a result sent to the reporter closes the report; a closed report that has
    no rating for its closure may be rated too (late, or after the IOC closed it)."""
    report, p = ctx.report, ctx.payload
    closes = report.status == S.RESOLVED
    # Sent: the IOC published the verified result or kept it private (rework and reopening
    # clear that decision, so a resolved report has it only for its latest verification).
    if closes and report.is_public is None:
        code, message = RESULT_NOT_SENT
        raise Conflict(code, str(message) % {"status": report.status_label}, extra={"status": report.status})
    # The closure this rating belongs to: the one it makes now, or the latest one.
    closure = closure_number(report) + (1 if closes else 0)
    Rating.objects.create(report=report, closure=closure, value=p.value, comment=p.comment)
    if p.value == RatingValue.UNSATISFIED:
        # The report waits in the IOC's review tab until it is reopened or kept closed.
        ctx.set(review_requested_at=ctx.now)
    # The comment is for the IOC: it stays on the rating, never on the (public) event.
    rated = ctx.record(EventKind.RATED, value=str(p.value), closure=closure)
    if not closes:
        return report.status
    rated.status_after = S.RESOLVED
    ctx.set(closed_at=ctx.now)
    ctx.record(EventKind.CLOSED, closed_by="rating")
    return S.CLOSED


def _apply_dismiss_review(ctx: Context) -> str:
    requested_at = ctx.report.review_requested_at
    ctx.set(review_requested_at=None)
    ctx.record(EventKind.REVIEW_DISMISSED, ctx.payload.note, requested_at=requested_at.isoformat())
    return ctx.report.status


def _action(
    name,
    label,
    from_statuses,
    roles,
    may,
    apply,
    takes_files=False,
    needs=None,
    wrong_status=None,
    prepare=None,
) -> Action:
    return Action(
        name,
        label,
        frozenset(from_statuses),
        frozenset(roles),
        may,
        apply,
        takes_files,
        needs,
        wrong_status,
        prepare,
    )


NO_PENDING_EXTENSION = (
    lambda report: pending_extension(report) is None,
    "extension_pending",
    gettext_lazy("An extension request is already waiting for a decision."),
)
PENDING_EXTENSION = (
    lambda report: pending_extension(report) is not None,
    "no_pending_extension",
    gettext_lazy("No extension request is waiting for a decision."),
)


NOT_ANONYMOUS = (
    lambda report: not report.is_anonymous and report.personal_data_erased_at is None,
    # The code says "anonymous" for an erased contact too: either way there is nobody to reveal.
    "anonymous_report",
    gettext_lazy(
        "There is no contact to reveal: the report was sent anonymously, or its reporter's data was erased."
    ),
)
NOT_RATED = (
    lambda report: current_rating(report) is None,
    "already_rated",
    gettext_lazy("You have already rated this result."),
)
RESULT_NOT_SENT = (
    "result_not_sent",
    gettext_lazy("The result can be rated once it is sent to you; the report is now “%(status)s”."),
)
REVIEW_REQUESTED = (
    lambda report: report.review_requested_at is not None,
    "no_review_requested",
    gettext_lazy("No review of a rating is waiting for this report."),
)

UNIT_DESK = (Role.FOCAL_POINT, Role.LEADER)
HANDLING = (Role.FOCAL_POINT, Role.LEADER, Role.HANDLER)
RECEIVABLE = (S.SUBMITTED, S.INFO_REQUESTED, S.ACCEPTED, S.RETURNED)

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        _action(
            "accept", gettext_lazy("Accept and classify"), [S.SUBMITTED], [Role.OPERATOR], _ioc, _apply_accept
        ),
        _action("reject", gettext_lazy("Reject"), RECEIVABLE, [Role.OPERATOR], _ioc, _apply_reject),
        _action(
            "merge",
            gettext_lazy("Merge into another report"),
            RECEIVABLE,
            [Role.OPERATOR],
            _ioc,
            _apply_merge,
        ),
        _action(
            "request_info",
            gettext_lazy("Ask the reporter for more information"),
            [S.SUBMITTED, S.ACCEPTED, S.RETURNED, S.DISPATCHED, S.IN_PROGRESS],
            [Role.OPERATOR, *HANDLING],
            _info_asker,
            _apply_request_info,
        ),
        _action(
            "dispatch",
            gettext_lazy("Dispatch"),
            [S.ACCEPTED, S.RETURNED, S.DISPATCHED],
            [Role.OPERATOR, *UNIT_DESK],
            _dispatcher,
            _apply_dispatch,
        ),
        _action(
            "return",
            gettext_lazy("Return to the dispatcher"),
            [S.DISPATCHED, S.IN_PROGRESS],
            UNIT_DESK,
            _lead_unit_staff,
            _apply_return,
        ),
        _action(
            "assign",
            gettext_lazy("Assign to a handler"),
            [S.DISPATCHED, S.IN_PROGRESS],
            UNIT_DESK,
            _lead_unit_staff,
            _apply_assign,
        ),
        _action(
            "request_extension",
            gettext_lazy("Ask for an extension"),
            [S.DISPATCHED, S.IN_PROGRESS],
            HANDLING,
            _extension_asker,
            _apply_request_extension,
            needs=NO_PENDING_EXTENSION,
        ),
        _action(
            "decide_extension",
            gettext_lazy("Decide on the extension"),
            [S.DISPATCHED, S.IN_PROGRESS, S.INFO_REQUESTED, S.RESULT_SUBMITTED],
            [Role.OPERATOR, *UNIT_DESK],
            _extension_decider,
            _apply_decide_extension,
            needs=PENDING_EXTENSION,
        ),
        _action(
            "submit_result",
            gettext_lazy("Submit the result"),
            [S.IN_PROGRESS],
            HANDLING,
            _lead_unit_staff,
            _apply_submit_result,
            takes_files=True,
        ),
        _action(
            "approve_result",
            gettext_lazy("Approve the result"),
            [S.RESULT_SUBMITTED],
            [Role.LEADER],
            _lead_unit_staff,
            _apply_approve_result,
        ),
        _action(
            "verify",
            gettext_lazy("Verify the result"),
            [S.RESULT_APPROVED],
            [Role.OPERATOR],
            _ioc,
            _apply_verify,
        ),
        _action(
            "rework",
            gettext_lazy("Send back for rework"),
            [S.RESULT_APPROVED, S.RESOLVED],
            [Role.OPERATOR],
            _ioc,
            _apply_rework,
        ),
        _action(
            "publish",
            gettext_lazy("Publish or keep private"),
            [S.RESOLVED, S.CLOSED],
            [Role.OPERATOR],
            _ioc,
            _apply_publish,
            prepare=_prepare_publish,
        ),
        _action(
            "close",
            gettext_lazy("Close"),
            [S.RESOLVED],
            [Role.OPERATOR, SYSTEM],
            _ioc_or_system,
            _apply_close,
        ),
        _action(
            "reopen",
            gettext_lazy("Reopen"),
            [S.RESOLVED, S.CLOSED, S.REJECTED],
            [Role.OPERATOR],
            _ioc,
            _apply_reopen,
        ),
        _action(
            "reveal_contact",
            gettext_lazy("Reveal the reporter's contact to a unit"),
            Status.values,
            [Role.OPERATOR],
            _ioc,
            _apply_reveal_contact,
            needs=NOT_ANONYMOUS,
        ),
        _action(
            "dismiss_review",
            gettext_lazy("Keep the report closed after the rating"),
            [S.CLOSED],
            [Role.OPERATOR],
            _ioc,
            _apply_dismiss_review,
            needs=REVIEW_REQUESTED,
            wrong_status=REVIEW_REQUESTED[1:],
        ),
        # The reporter's own actions, proved by the report's secret.
        _action(
            "provide_info",
            gettext_lazy("Add the information asked for"),
            [S.INFO_REQUESTED],
            [REPORTER],
            _own_report,
            _apply_provide_info,
            takes_files=True,
            wrong_status=("invalid_status", gettext_lazy("No information was asked for this report.")),
        ),
        _action(
            "rate",
            gettext_lazy("Rate the result"),
            # From resolved once the result was sent (checked by the action), which closes it.
            [S.RESOLVED, S.CLOSED],
            [REPORTER],
            _own_report,
            _apply_rate,
            needs=NOT_RATED,
            wrong_status=RESULT_NOT_SENT,
        ),
    )
}
assert set(ACTIONS) == set(schemas.ACTION_SCHEMAS), "every action has its schema"
