"""What a partner system's protocol implements, so that a second protocol can sit beside Open311.

The outbox (`outbox.py`) and the follow-up (`follow.py`) speak only to `PartnerSystem`: they hand
it what to send (`ReportOut`, `ResultOut`) with a stable idempotency key, and read back `Sent`
(what went over the wire, for the sync log) or a `PartnerError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ReportOut:
    """A report as a partner receives it: the public text and the place, no personal data."""

    tracking_code: str
    description: str
    latitude: float | None
    longitude: float | None
    address: str


@dataclass(frozen=True)
class ResultOut:
    """A report's verified result, as a partner receives it."""

    update_id: str
    text: str
    at: datetime


@dataclass
class Sent:
    """One exchange with the partner: what was sent (without secrets) and what it answered."""

    sent: dict
    http_status: int | None = None
    answer: str = ""
    # The partner's id of what was created (a service request, an update).
    upstream_id: str = ""


@dataclass(frozen=True)
class Update:
    """An update the partner gives about a request: its id there, status, text and time."""

    update_id: str
    status: str
    description: str
    updated_at: str
    media_url: str = ""


@dataclass
class PartnerError(Exception):
    """An exchange that did not give an answer we can use.

    `permanent`: sending the same again cannot succeed (the partner refused what we sent or who we
    are); the row is given up at once, until someone fixes the cause and resends it.
    """

    message: str
    exchange: Sent = field(default_factory=lambda: Sent(sent={}))
    permanent: bool = False

    def __str__(self) -> str:
        return self.message


class PartnerSystem(Protocol):
    """A partner system as the outbox sees it, whatever protocol it speaks."""

    name: str

    def send_report(self, report: ReportOut, *, idempotency_key: str) -> Sent:
        """Create the report there; `Sent.upstream_id` is its id there."""

    def send_result(self, upstream_id: str, result: ResultOut, *, idempotency_key: str) -> Sent:
        """Add our result to the report created there as `upstream_id`."""

    def updates_since(self, upstream_id: str, since: datetime | None) -> list[Update]:
        """The partner's updates about `upstream_id` (since `since`, when given), oldest first."""

    def request_status(self, upstream_id: str) -> tuple[str, str]:
        """The report's status there ("open", "closed") and its status notes."""
