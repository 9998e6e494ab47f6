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


def _redacted_note(event: Event, report) -> str:
    """A question as the public copy has it, once the IOC published the report.

    Published, the public reads only what the IOC checked for personal data: a question not in
    the copy shows no words. Never published, it shows as asked, as it did before (the report's
    code is then known only to whom its reporter gave it).
    """
    note = public_note(event)
    if event.kind != EventKind.INFO_REQUESTED:
        return note
    copied = report.public_notes or {}
    if str(event.pk) in copied:
        return copied[str(event.pk)]
    return "" if report.is_public else note


def _step(event: Event, for_reporter: bool, report) -> PublicStep:
    note, photos = (public_note(event) if for_reporter else _redacted_note(event, report)), []
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


def public_step(event: Event) -> PublicStep:
    """One public step as the public timeline shows it, for a feed of steps across reports (the
    Open311 updates). `event.report` should be selected with the event."""
    return _step(event, False, event.report)


def public_timeline(report, *, for_reporter: bool = False) -> list[PublicStep]:
    """The public steps of `report`, oldest first. The questions asked are the public copy's
    once the report was published; the reporter reads them as they were asked."""
    events = report.events.filter(is_public=True).order_by("created_at", "id")
    if for_reporter:
        events = events.prefetch_related("attachments")
    return [_step(event, for_reporter, report) for event in events]
