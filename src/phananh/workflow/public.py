"""Dòng thời gian công khai: the one projection of a report's timeline for the public.

The tracking page, the tracking API, the public report page and the public API all show
`public_timeline(report)`, so that they say the same thing of the same report. Only events of
the kinds in `PUBLIC_EVENT_KINDS` appear (`Event.is_public`, decided by the transition service),
and of each only what may be published: its label, time, status and public note — the question
asked, the reason for a rejection, the value of a rating (never its comment, never a staff
member's note).

The reporter, proved by the report's secret, also sees their own words and photos on the steps
that are theirs (the submission, their answers): `for_reporter=True`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from phananh.reports.models import AttachmentKind, RatingValue

from .models import Event, EventKind

# The steps whose words and photos are the reporter's own.
REPORTER_EVENT_KINDS = frozenset({EventKind.SUBMITTED, EventKind.INFO_PROVIDED})


@dataclass(frozen=True)
class PublicStep:
    kind: str
    label: str
    at: datetime
    status: str  # the report's status after the step
    note: str  # what the public may read of the step, or ""
    # The reporter's own photos of the step, for the reporter only.
    photos: list = field(default_factory=list)


def public_note(event: Event) -> str:
    """What the public may read of a step: the question asked or the reason for a rejection
    (`data["public_note"]`, written by the action for the public), or the value of a rating."""
    data = event.data or {}
    if event.kind == EventKind.RATED:
        return str(RatingValue(data["value"]).label) if data.get("value") in RatingValue.values else ""
    return str(data.get("public_note") or "")


def _step(event: Event, for_reporter: bool) -> PublicStep:
    note, photos = public_note(event), []
    if for_reporter and event.kind in REPORTER_EVENT_KINDS:
        # The reporter's own answer, shown back to them only (their first words are on the page).
        if event.kind == EventKind.INFO_PROVIDED:
            note = event.note
        photos = [a for a in event.attachments.all() if a.kind == AttachmentKind.PHOTO]
    return PublicStep(
        kind=event.kind,
        label=str(event.get_kind_display()),
        at=event.created_at,
        status=event.status_after,
        note=note,
        photos=photos,
    )


def public_timeline(report, *, for_reporter: bool = False) -> list[PublicStep]:
    """The public steps of `report`, oldest first."""
    events = report.events.filter(is_public=True).order_by("created_at", "id")
    if for_reporter:
        events = events.prefetch_related("attachments")
    return [_step(event, for_reporter) for event in events]
