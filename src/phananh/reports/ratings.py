"""Đánh giá: the reporter rates the result of a closed report; the IOC reviews an unsatisfied rating.

The reporter rates once for each closure (the first closure is 1; a reopening and a second
closure make 2). An unsatisfied rating sets `review_requested_at`: the report waits in the
operators' "unsatisfied" tab until they reopen it (the workflow's "reopen" action clears the
flag) or keep it closed with `review_dismiss`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from phananh.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from phananh.core.text import clean_text
from phananh.org.access import can_see, is_ioc
from phananh.reports.statuses import Status
from phananh.workflow.models import Event, EventKind
from phananh.workflow.services import info_provided

from .models import Rating, RatingValue, Report

logger = logging.getLogger(__name__)


def closure_number(report: Report) -> int:
    """How many times the report was closed: the closure a rating given now belongs to."""
    return report.events.filter(kind=EventKind.CLOSED).count()


def current_rating(report: Report) -> Rating | None:
    """The rating of the report's latest closure, if the reporter gave one."""
    if report.status != Status.CLOSED:
        return None
    return report.ratings.filter(closure=closure_number(report)).first()


def public_note(event: Event) -> str:
    """What the public may read of a step of the timeline: the question asked, the reason for a
    rejection (`data["public_note"]`), or the value of a rating (never its comment)."""
    data = event.data or {}
    if event.kind == EventKind.RATED:
        return str(RatingValue(data["value"]).label) if data.get("value") in RatingValue.values else ""
    return str(data.get("public_note", ""))


def _not_closed(report: Report) -> Conflict:
    return Conflict(
        "not_closed",
        _("The result can be rated once the report is closed; it is now “%(status)s”.")
        % {"status": report.status_label},
        extra={"status": report.status},
    )


def _already_rated(report: Report) -> Conflict:
    return Conflict(
        "already_rated", _("You have already rated this result."), extra={"status": report.status}
    )


def _valid_rating(value, comment) -> tuple[str, str]:
    problems: dict[str, list[str]] = {}
    if value not in RatingValue.values:
        problems["value"] = [_("Choose one of: satisfied, acceptable, unsatisfied.")]
    comment = clean_text(comment) if isinstance(comment, str) else ""
    if len(comment) > settings.PHANANH_MAX_DESCRIPTION_CHARS:
        problems["comment"] = [_("Too long.")]
    if problems:
        code = "invalid_rating" if "value" in problems else "comment_too_long"
        raise ValidationFailed(code, _("Some information is missing or not valid."), fields=problems)
    return value, comment


def rate(*, report: Report, value: str, comment: str = "") -> Rating:
    """The reporter rates the result: Hài lòng / Chấp nhận / Không hài lòng, with a comment.

    Once for each closure. The public timeline gets a "rated" event with the value only: the
    comment is for the IOC. An unsatisfied rating asks the IOC to review the report.
    """
    # The same order as the workflow's transitions: the status (409), then the payload (422).
    if report.status != Status.CLOSED:
        raise _not_closed(report)
    value, comment = _valid_rating(value, comment)
    model = type(report)
    try:
        with transaction.atomic():
            locked = model.objects.select_for_update().get(pk=report.pk)
            if locked.status != Status.CLOSED:
                raise _not_closed(locked)
            closure = closure_number(locked)
            if locked.ratings.filter(closure=closure).exists():
                raise _already_rated(locked)
            rating = Rating.objects.create(report=locked, closure=closure, value=value, comment=comment)
            changes = {"version": F("version") + 1}
            if value == RatingValue.UNSATISFIED:
                changes["review_requested_at"] = timezone.now()
            # The version moves so that an operator acting on a page drawn before the rating gets
            # a conflict and sees the rating first.
            model.objects.filter(pk=locked.pk).update(**changes)
            event = Event.objects.create(
                report=locked,
                kind=EventKind.RATED,
                actor_label="reporter",
                status_before=Status.CLOSED,
                status_after=Status.CLOSED,
                is_public=True,
                data={"value": value, "closure": closure},
            )
    except IntegrityError as exc:
        # Two ratings sent at the same moment: the unique constraint let one through.
        raise _already_rated(report) from exc
    report.refresh_from_db(fields=["version", "review_requested_at"])
    _notify(event)
    logger.info("report %s: rated %s (closure %d)", report.tracking_code, value, closure)
    return rating


def review_dismiss(*, report: Report, actor, note: str) -> Event:
    """The IOC reviewed an unsatisfied rating and keeps the report closed, saying why (internal)."""
    if not can_see(actor, report):
        raise NotFound("report_not_found", _("No report has this tracking code."))
    if not is_ioc(actor):
        raise Forbidden("forbidden", _("Only the IOC's operators review ratings."))
    note = clean_text(note or "")
    if not note:
        message = _("Say why the report stays closed.")
        raise ValidationFailed("note_required", message, fields={"note": [message]})
    model = type(report)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=report.pk)
        if locked.status != Status.CLOSED or locked.review_requested_at is None:
            raise Conflict(
                "no_review_requested",
                _("No review of a rating is waiting for this report."),
                extra={"status": locked.status},
            )
        model.objects.filter(pk=locked.pk).update(review_requested_at=None, version=F("version") + 1)
        event = Event.objects.create(
            report=locked,
            kind=EventKind.REVIEW_DISMISSED,
            actor=actor,
            unit=actor.unit,
            note=note,
            status_before=Status.CLOSED,
            status_after=Status.CLOSED,
            is_public=False,
            data={"requested_at": locked.review_requested_at.isoformat()},
        )
    report.refresh_from_db(fields=["version", "review_requested_at"])
    return event


def reporter_answer(*, report: Report, text, photos=(), documents=()) -> Event:
    """Bổ sung: the reporter's answer to a request for information, from the API or the page."""
    text = clean_text(text) if isinstance(text, str) else ""
    if not text:
        raise ValidationFailed(
            "text_required", _("Write your answer."), fields={"text": [_("Write your answer.")]}
        )
    if len(text) > settings.PHANANH_MAX_DESCRIPTION_CHARS:
        raise ValidationFailed(
            "text_too_long", _("The answer is too long."), fields={"text": [_("Too long.")]}
        )
    return info_provided(report=report, text=text, photos=photos, documents=documents)


def _notify(event: Event) -> None:
    from phananh.notify.tasks import notify_event

    transaction.on_commit(lambda: notify_event.enqueue(event.pk))
