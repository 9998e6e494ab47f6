"""Writes of the call centre: a call typed by an agent, a report taken on the phone."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from phananh.reports.intake import normalise_phone, validate_submission
from phananh.reports.models import Channel, Report
from phananh.workflow.submission import Submitted, report_submit

from .models import Call, CallOutcome, Direction


def phone_number(value: str) -> str:
    """A caller's number as it is stored: 0xxxxxxxxx for a Vietnamese number, else as typed."""
    value = re.sub(r"[\s.\-()]", "", value or "")
    return normalise_phone(value) or value


@transaction.atomic
def call_record(
    *,
    agent,
    direction: str,
    number: str,
    started_at=None,
    duration_seconds: int | None = None,
    outcome: CallOutcome | None = None,
    note: str = "",
    report: Report | None = None,
) -> Call:
    """Ghi cuộc gọi: log a call the agent made or took."""
    return Call.objects.create(
        agent=agent,
        direction=direction,
        number=phone_number(number),
        started_at=started_at or timezone.now(),
        duration_seconds=duration_seconds,
        outcome=outcome,
        note=note,
        report=report,
    )


def verification_call_start(*, agent, report: Report) -> Call:
    """Gọi xác minh: an outbound call to the reporter, logged as it starts."""
    return call_record(agent=agent, direction=Direction.OUTBOUND, number=report.reporter_phone, report=report)


def call_update(*, call: Call, duration_seconds: int | None, outcome: CallOutcome | None, note: str) -> Call:
    """What the agent writes once the call is over: its outcome, length and a note."""
    changes = {"outcome": outcome, "note": note}
    if call.pbx_call_id is None or duration_seconds is not None:
        # The switchboard measured its own calls; the agent's figure counts only when given.
        changes["duration_seconds"] = duration_seconds
    Call.objects.filter(pk=call.pk).update(**changes)
    call.refresh_from_db()
    return call


def hotline_report_submit(*, agent, raw: dict, call: Call | None = None) -> Submitted:
    """Tiếp nhận qua tổng đài: a report typed by the agent for the caller, through the one door.

    The report's channel is the hotline and the agent is recorded as the one who typed it; the
    call it came with, if any, is linked to it in the same transaction.
    """
    submission = validate_submission(raw, channel=Channel.HOTLINE)
    with transaction.atomic():
        submitted = report_submit(submission=submission, actor=agent)
        if call is not None:
            Call.objects.filter(pk=call.pk, report__isnull=True).update(report=submitted.report)
    return submitted
