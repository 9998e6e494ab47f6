"""Reads of the call centre: a caller's history, the calls ringing for an agent."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from phananh.reports.models import Report

from .models import Call
from .services import phone_number

# How much of a caller's history the agent's page shows.
HISTORY_LIMIT = 20


@dataclass
class CallerHistory:
    number: str
    reports: list[Report]
    calls: list[Call]


def caller_history(number: str) -> CallerHistory:
    """A caller's earlier reports (as reporter) and calls, newest first."""
    number = phone_number(number)
    reports = Report.objects.filter(reporter_phone=number).select_related("category")
    calls = Call.objects.filter(number=number).select_related("agent", "outcome", "report")
    return CallerHistory(
        number=number,
        reports=list(reports.order_by("-created_at")[:HISTORY_LIMIT]),
        calls=list(calls[:HISTORY_LIMIT]),
    )


def live_calls(agent) -> QuerySet[Call]:
    """The switchboard's calls going on for this agent: ringing at their extension or for the
    whole queue (no extension), or answered by them and not yet hung up."""
    extension = getattr(getattr(agent, "extension", None), "number", None)
    ringing = Q(answered_at=None) & (Q(extension="") | Q(extension=extension))
    talking = Q(answered_at__isnull=False, agent=agent)
    return Call.objects.filter(ringing | talking, pbx_call_id__isnull=False, ended_at=None).order_by(
        "started_at"
    )


def call_log(*, direction: str = "", number: str = "") -> QuerySet[Call]:
    calls = Call.objects.select_related("agent", "outcome", "report")
    if direction:
        calls = calls.filter(direction=direction)
    if number:
        calls = calls.filter(number=phone_number(number))
    return calls
