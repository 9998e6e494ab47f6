"""The transition service: every change of a report's status goes through `transition`.

It checks the actor's permission and the report's status, validates the payload, applies
the action on the locked report, saves the new status with a compare-and-swap on `version`,
writes the events (the timeline is the audit trail) and enqueues notifications after commit.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet, Subquery
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticValidationError

from phananh.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from phananh.core.tasks import enqueue_all_on_commit
from phananh.core.validation import SEVERAL_PROBLEMS, validation_failed
from phananh.org.access import can_see, ioc_roots
from phananh.org.models import User
from phananh.reports.files import PreparedFiles, delete_files, prepare_files, received_files, store_files
from phananh.reports.statuses import Status

from .actions import ACTIONS, Context, PendingEvent
from .deadlines import current_calendar, open_step
from .models import PUBLIC_EVENT_KINDS, Event, EventKind, StepKind
from .schemas import ACTION_SCHEMAS

logger = logging.getLogger(__name__)

# The codes of a payload's fields whose wrong value has a name of its own.
PAYLOAD_CODES = {"value": "invalid_rating"}


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
    tasks = [_event_task(entry) for entry in settings.PHANANH_EVENT_TASKS]
    enqueue_all_on_commit(
        (task, (event.pk,))
        for event in events
        for task, kinds in tasks
        if kinds is None or event.kind in kinds
    )


@functools.cache
def _event_task(entry: str):
    """A task of PHANANH_EVENT_TASKS and the event kinds it is for: "path" (every event) or
    "path:kind,kind"."""
    path, _colon, kinds = entry.partition(":")
    return import_string(path), (frozenset(kinds.split(",")) if kinds else None)


def looks_urgent(text: str) -> bool:
    """Words of an emergency (fire, accident, theft, fight...): the IOC on duty is told at once."""
    lowered = text.lower()
    return any(
        re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered) for word in settings.PHANANH_URGENT_WORDS
    )


def record_submission(*, report, actor=None, files: PreparedFiles, written: list[str]) -> Event:
    """Mới gửi: the first event of every report, and the IOC's reception clock.

    The report was stored with its urgency already judged (`looks_urgent`). The IOC is named
    by a subquery in the step's own INSERT: looking it up first would cost a round trip.
    """
    now = timezone.now()
    ioc = Subquery(ioc_roots().values("pk")[:1])
    open_step(report=report, kind=StepKind.RECEPTION, unit=ioc, now=now, calendar=current_calendar())
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


def _actor_fields(actor) -> dict:
    """Who wrote an event: a staff account and its unit, or the label of a `Reporter`/`System`."""
    user = actor if isinstance(actor, User) else None
    return {"actor": user, "unit": user.unit if user else None, "label": "" if user else actor.label}


def record_event(*, report, actor, kind: str, data: dict | None = None) -> Event:
    """An internal step that changes nothing of the report, e.g. the reporter downloaded their
    data: written on the timeline and handed to the listeners, without taking the report's lock
    or moving its version (nobody's form goes out of date because of it)."""
    who = _actor_fields(actor)
    event = _write_event(
        report,
        PendingEvent(kind, data=data or {}),
        actor=who["actor"],
        before=report.status,
        after=report.status,
        unit=who["unit"],
        label=who["label"],
    )
    _enqueue_notifications([event])
    logger.info("report %s: %s by %s", report.tracking_code, kind, _who(actor))
    return event


def amend_reports(
    *,
    reports: QuerySet,
    actor,
    kind: str,
    changes: dict,
    limit: int,
    also: Callable[[list[int]], dict[int, dict]] | None = None,
    wait: bool = True,
    tell_listeners: bool = True,
) -> list[Event]:
    """Change reports without changing their status, one or thousands at a time, with an event
    each: the erasure of a reporter's personal data, the retention policy's anonymisation.

    In one transaction: up to `limit` of `reports` are locked (with `wait=False`, those another
    transaction holds are left for a later round instead of waited for), `also(ids)` makes the
    caller's own writes to other tables while the reports still hold what they held (it returns
    each report's event data), then one UPDATE sets `changes` and moves every version, and the
    events are inserted in one statement. Filter `reports` on what `changes` sets, so that a
    report already changed is not taken again. Returns the events, none when nothing was left.
    `tell_listeners=False` hands them to no task: for a batch that nobody is told of.
    """
    who = _actor_fields(actor)
    with transaction.atomic():
        locked = reports.select_for_update(skip_locked=not wait, of=("self",)).order_by("pk")
        rows = list(locked.values_list("pk", "status", "tracking_code")[:limit])
        if not rows:
            return []
        ids = [pk for pk, _status, _code in rows]
        data = also(ids) if also else {}
        reports.model.objects.filter(pk__in=ids).update(version=F("version") + 1, **changes)
        events = Event.objects.bulk_create(
            Event(
                report_id=pk,
                kind=kind,
                actor=who["actor"],
                actor_label=who["label"],
                unit=who["unit"],
                status_before=status,
                status_after=status,
                is_public=kind in PUBLIC_EVENT_KINDS,
                data=data.get(pk, {}),
            )
            for pk, status, _code in rows
        )
    if tell_listeners:
        _enqueue_notifications(events)
    for _pk, _status, code in rows:
        logger.info("report %s: %s by %s", code, kind, _who(actor))
    return events


def _validated(action: str, data: dict):
    schema = ACTION_SCHEMAS[action]
    try:
        return schema.model_validate({**data, "action": action})
    except PydanticValidationError as exc:
        raise validation_failed(
            exc, codes=PAYLOAD_CODES, generic=SEVERAL_PROBLEMS, required=schema.required_messages
        ) from exc


def _wrong_status(spec, report) -> Conflict:
    code, message = spec.wrong_status or (
        "invalid_status",
        _("This action is not possible while the report is “%(status)s”."),
    )
    return Conflict(code, str(message) % {"status": report.status_label}, extra={"status": report.status})


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
        raise _wrong_status(spec, report)
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
    """Take `action` on `report` as `actor` (a staff account or a `Reporter`); return the main event.

    Who may act and when is answered first (404, 403, 409), then what was sent (422), then the
    files are read and cleaned and the action's slow work is done (`Action.prepare`), outside the
    transaction; the change itself is made on the locked report and saved only if nobody changed
    it since `report` was read (its `version`).
    `photos` and `documents` are uploaded files or `Upload`s.
    """
    check_action(report=report, actor=actor, action=action)
    payload = _validated(action, data or {})
    if (photos or documents) and not ACTIONS[action].takes_files:
        message = _("This action does not take files.")
        raise ValidationFailed("files_not_accepted", message, fields={"photos": [message]})
    files = prepare_files(*received_files(photos, documents)) if (photos or documents) else PreparedFiles()
    written: list[str] = []
    try:
        prepare = ACTIONS[action].prepare
        prepared = prepare(report=report, actor=actor, payload=payload, written=written) if prepare else None
        with transaction.atomic():
            events = _transition_locked(report, actor, action, payload, files, written, prepared)
    except BaseException:
        delete_files(written)
        raise
    _enqueue_notifications(events)
    logger.info("report %s: %s by %s", report.tracking_code, action, _who(actor))
    return events[0]


def _who(actor) -> str:
    return f"user {actor.pk}" if isinstance(actor, User) else getattr(actor, "label", "someone")


def _lock(model, pk: int):
    # select_for_update makes a second writer wait on PostgreSQL; on SQLite the IMMEDIATE
    # transaction already serialises writers. Either way the version check decides.
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins that
    # select_related adds; only the report's row needs the lock.
    return model.objects.select_for_update(of=("self",)).select_related("lead_unit", "assignee").get(pk=pk)


def _transition_locked(report, actor, action, payload, files, written, prepared=None) -> list[Event]:
    model = type(report)
    locked = _lock(model, report.pk)
    if locked.version != report.version or locked.status != report.status:
        # Someone acted since `report` was read: say what stops this action now if something
        # does (already rated, not closed any more...), else that the page is out of date.
        check_action(report=locked, actor=actor, action=action)
        raise Conflict(
            "concurrent_update",
            _("Someone else changed this report a moment ago. Reload it and try again."),
            extra={"status": locked.status},
        )
    before = locked.status
    others: list = []

    def lock_other(pk: int):
        other = _lock(model, pk)
        others.append(other)
        return other

    ctx = Context(
        report=locked,
        actor=actor,
        payload=payload,
        now=timezone.now(),
        calendar=current_calendar(),
        lock=lock_other,
        prepared=prepared,
    )
    after = ACTIONS[action].apply(ctx)
    updated = model.objects.filter(pk=locked.pk, version=locked.version, status=before).update(
        status=after, version=F("version") + 1, **ctx.changes
    )
    if updated != 1:
        # Nothing got updated: another request changed the report first.
        raise Conflict("concurrent_update", _("Someone else changed this report a moment ago."))
    # A report that gained something here (the original of a merge) moves on too, so that a page
    # drawn before shows it first.
    model.objects.filter(pk__in=[o.pk for o in others]).update(version=F("version") + 1)
    report.status, report.version = after, locked.version + 1
    for name, value in ctx.changes.items():
        setattr(report, name, value)
    return [
        _write_pending(
            pending, locked=locked, actor=actor, before=before, after=after, files=files, written=written
        )
        for pending in ctx.events
    ]


def _write_pending(pending: PendingEvent, *, locked, actor, before, after, files, written) -> Event:
    other = pending.report is not None
    target = pending.report if other else locked
    user = actor if isinstance(actor, User) else None
    event = _write_event(
        target,
        pending,
        actor=user,
        before=target.status if other else (pending.status_before or before),
        after=target.status if other else (pending.status_after or after),
        unit=user.unit if user else None,
        label="" if user else getattr(actor, "label", ""),
    )
    if pending.with_files:
        store_files(report=locked, event=event, files=files, written=written)
    return event
