"""The transition service: every change of a report's status goes through `transition`.

It checks the actor's permission and the report's status, validates the payload, applies
the action on the locked report, saves the new status with a compare-and-swap on `version`,
writes the events (the timeline is the audit trail) and enqueues notifications after commit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from phananh.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from phananh.org.access import can_see, ioc_root, is_ioc
from phananh.org.models import ContactReveal, Unit
from phananh.reports.files import PreparedFiles, delete_files, prepare_files, store_files
from phananh.reports.statuses import Status

from .actions import ACTIONS, Context, PendingEvent
from .deadlines import current_calendar, open_step, resume_paused_steps
from .models import PUBLIC_EVENT_KINDS, Event, EventKind, StepKind
from .schemas import ACTION_SCHEMAS

logger = logging.getLogger(__name__)


def _write_event(
    report, pending: PendingEvent, *, actor, before: str, after: str, unit=None, label=""
) -> Event:
    return Event.objects.create(
        report=report,
        kind=pending.kind,
        actor=actor,
        actor_label=label,
        unit=unit,
        note=pending.note,
        status_before=before,
        status_after=after,
        is_public=pending.kind in PUBLIC_EVENT_KINDS,
        data=pending.data,
    )


def _enqueue_notifications(events: Sequence[Event]) -> None:
    """After the commit, hand each event to the tasks named in PHANANH_EVENT_TASKS.

    The workflow does not know who listens (notifications, statistics...): the settings say,
    so that the apps above it depend on it and never the other way round.
    """
    tasks = [import_string(path) for path in settings.PHANANH_EVENT_TASKS]
    for event in events:
        for task in tasks:
            transaction.on_commit(lambda pk=event.pk, task=task: task.enqueue(pk))


def looks_urgent(text: str) -> bool:
    """Words of an emergency (fire, accident, theft, fight...): the IOC on duty is told at once."""
    lowered = text.lower()
    return any(
        re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered) for word in settings.PHANANH_URGENT_WORDS
    )


def record_submission(*, report, actor=None, files: PreparedFiles, written: list[str]) -> Event:
    """Mới gửi: the first event of every report, and the IOC's reception clock."""
    now = timezone.now()
    if looks_urgent(f"{report.title} {report.description}"):
        report.urgent_suspected = True
        report.urgency = "urgent"
        type(report).objects.filter(pk=report.pk).update(urgent_suspected=True, urgency="urgent")
    open_step(report=report, kind=StepKind.RECEPTION, unit=ioc_root(), now=now, calendar=current_calendar())
    event = _write_event(
        report,
        PendingEvent(EventKind.SUBMITTED, data={"channel": report.channel}),
        actor=actor,
        before="",
        after=Status.SUBMITTED,
        unit=actor.unit if actor else None,
        label="" if actor else report.channel,
    )
    store_files(report=report, event=event, files=files, written=written)
    _enqueue_notifications([event])
    return event


def _validated(action: str, data: dict):
    try:
        return ACTION_SCHEMAS[action].model_validate({**data, "action": action})
    except PydanticValidationError as exc:
        fields: dict[str, list[str]] = {}
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "payload"
            fields.setdefault(name, []).append(error["msg"])
        raise ValidationFailed(
            "invalid_input", _("Some information is missing or not valid."), fields=fields
        ) from exc


def check_action(*, report, actor, action: str) -> None:
    """Raise the error the actor would get for this action now: 404, 403 or 409."""
    spec = ACTIONS.get(action)
    if spec is None:
        message = _("Unknown action.")
        raise ValidationFailed(
            "unknown_action", message, fields={"action": [message]}, extra={"actions": list(ACTIONS)}
        )
    if not can_see(actor, report):
        raise NotFound("report_not_found", _("No report has this tracking code."))
    if actor.role not in spec.roles:
        raise Forbidden("forbidden", _("Your role cannot take this action."))
    if report.status not in spec.from_statuses:
        raise Conflict(
            "invalid_status",
            _("This action is not possible while the report is “%(status)s”.")
            % {"status": report.status_label},
            extra={"status": report.status},
        )
    if spec.needs is not None and not spec.needs[0](report):
        raise Conflict(spec.needs[1], str(spec.needs[2]), extra={"status": report.status})
    if not spec.may(actor, report):
        raise Forbidden("forbidden", _("You cannot take this action on this report."))


def allowed_actions(*, report, actor) -> list[str]:
    allowed = []
    for name, spec in ACTIONS.items():
        if (
            actor.role in spec.roles
            and report.status in spec.from_statuses
            and (spec.needs is None or spec.needs[0](report))
            and spec.may(actor, report)
        ):
            allowed.append(name)
    return allowed


def transition(*, report, actor, action: str, data: dict | None = None, photos=(), documents=()) -> Event:
    """Take `action` on `report` as `actor`; return the main event written."""
    check_action(report=report, actor=actor, action=action)
    payload = _validated(action, data or {})
    if (photos or documents) and not ACTIONS[action].takes_files:
        message = _("This action does not take files.")
        raise ValidationFailed("files_not_accepted", message, fields={"photos": [message]})
    files = prepare_files(photos, documents) if (photos or documents) else PreparedFiles()
    written: list[str] = []
    try:
        with transaction.atomic():
            events = _transition_locked(report, actor, action, payload, files, written)
    except BaseException:
        delete_files(written)
        raise
    _enqueue_notifications(events)
    logger.info("report %s: %s by user %s", report.tracking_code, action, actor.pk)
    return events[0]


def _transition_locked(report, actor, action, payload, files, written) -> list[Event]:
    model = type(report)
    # select_for_update makes a second writer wait on PostgreSQL; on SQLite the IMMEDIATE
    # transaction already serialises writers. Either way the version check below decides.
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins that
    # select_related adds; only the report's row needs the lock.
    locked = (
        model.objects.select_for_update(of=("self",))
        .select_related("lead_unit", "assignee")
        .get(pk=report.pk)
    )
    if locked.version != report.version or locked.status != report.status:
        raise Conflict(
            "concurrent_update",
            _("Someone else changed this report a moment ago. Reload it and try again."),
            extra={"status": locked.status},
        )
    check_action(report=locked, actor=actor, action=action)
    before = locked.status
    ctx = Context(
        report=locked, actor=actor, payload=payload, now=timezone.now(), calendar=current_calendar()
    )
    after = ACTIONS[action].apply(ctx)
    updated = model.objects.filter(pk=locked.pk, version=locked.version, status=before).update(
        status=after, version=F("version") + 1, **ctx.changes
    )
    if updated != 1:
        # Nothing got updated: another request changed the report first.
        raise Conflict("concurrent_update", _("Someone else changed this report a moment ago."))
    report.status, report.version = after, locked.version + 1
    for name, value in ctx.changes.items():
        setattr(report, name, value)
    events = []
    for pending in ctx.events:
        target = pending.report or locked
        other = pending.report is not None
        event = _write_event(
            target,
            pending,
            actor=actor,
            before=target.status if other else (pending.status_before or before),
            after=target.status if other else (pending.status_after or after),
            unit=actor.unit,
        )
        if pending.with_files:
            store_files(report=locked, event=event, files=files, written=written)
        events.append(event)
    return events


def info_provided(*, report, text: str, photos=(), documents=(), actor=None) -> Event:
    """Bổ sung: the reporter answered a request for information; the clocks run again."""
    if report.status != Status.INFO_REQUESTED:
        raise Conflict(
            "invalid_status", _("No information was asked for this report."), extra={"status": report.status}
        )
    files = prepare_files(photos, documents) if (photos or documents) else PreparedFiles()
    written: list[str] = []
    model = type(report)
    try:
        with transaction.atomic():
            locked = model.objects.select_for_update().get(pk=report.pk)
            back_to = locked.paused_status or Status.SUBMITTED
            updated = model.objects.filter(
                pk=locked.pk, version=locked.version, status=Status.INFO_REQUESTED
            ).update(status=back_to, paused_status="", version=F("version") + 1)
            if updated != 1:
                raise Conflict("concurrent_update", _("Someone else changed this report a moment ago."))
            resume_paused_steps(locked, now=timezone.now(), calendar=current_calendar())
            asked = locked.events.filter(kind=EventKind.INFO_REQUESTED).order_by("-created_at", "-id").first()
            event = _write_event(
                locked,
                PendingEvent(
                    EventKind.INFO_PROVIDED, text, {"requested_by": asked.actor_id if asked else None}
                ),
                actor=actor,
                before=Status.INFO_REQUESTED,
                after=back_to,
                unit=actor.unit if actor else None,
                label="" if actor else "reporter",
            )
            store_files(report=locked, event=event, files=files, written=written)
    except BaseException:
        delete_files(written)
        raise
    report.status, report.paused_status, report.version = back_to, "", locked.version + 1
    _enqueue_notifications([event])
    return event


def contact_reveal(*, report, actor, unit: Unit, reason: str) -> Event:
    """The IOC lets one unit see the reporter's contact for this report; logged on the timeline."""
    if not is_ioc(actor):
        raise Forbidden("forbidden", _("Only the IOC can reveal a reporter's contact details."))
    if not can_see(actor, report):
        raise NotFound("report_not_found", _("No report has this tracking code."))
    if report.is_anonymous:
        raise Conflict(
            "anonymous_report", _("This report was sent anonymously: there is no contact to reveal.")
        )
    if unit.parent_id is None or not unit.is_active:
        message = _("Choose a handling unit.")
        raise ValidationFailed("invalid_unit", message, fields={"unit": [message]})
    if not reason.strip():
        raise ValidationFailed(
            "reason_required", _("Give a reason."), fields={"reason": [_("Give a reason.")]}
        )
    with transaction.atomic():
        ContactReveal.objects.create(report=report, unit=unit, by=actor, reason=reason)
        return _write_event(
            report,
            PendingEvent(EventKind.CONTACT_REVEALED, reason, {"unit": unit.pk}),
            actor=actor,
            before=report.status,
            after=report.status,
            unit=actor.unit,
        )
