"""Email for staff: the in-app notifications a person also wants in their mailbox.

Each staff member chooses, per kind of notification, whether it also comes by email
(`StaffEmailSettings`); a person who never chose gets every kind listed here. The messages
name the report by its tracking code and link to its back-office page; they carry nothing of
the reporter (no name, phone or email).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phananh.workflow.models import EventKind

from .delivery import queue_message
from .models import Notification, StaffEmailSettings

DEADLINE_NEAR = "deadline_near"
DEADLINE_PASSED = "deadline_passed"

# The notification kinds a staff member may receive by email, with the settings page's labels.
STAFF_EMAIL_KINDS: tuple[tuple[str, str], ...] = (
    (EventKind.DISPATCHED.value, gettext_lazy("New dispatch to my unit")),
    (EventKind.ASSIGNED.value, gettext_lazy("Assigned to me")),
    (EventKind.RETURNED.value, gettext_lazy("Returned")),
    (EventKind.EXTENSION_REQUESTED.value, gettext_lazy("Extension requested")),
    (EventKind.EXTENSION_DECIDED.value, gettext_lazy("Extension decided")),
    (EventKind.RESULT_SUBMITTED.value, gettext_lazy("Result waiting for my approval")),
    (EventKind.RESULT_APPROVED.value, gettext_lazy("Result waiting for verification")),
    (DEADLINE_NEAR, gettext_lazy("Deadline near")),
    (DEADLINE_PASSED, gettext_lazy("Deadline passed")),
)
EMAIL_KINDS = frozenset(kind for kind, _label in STAFF_EMAIL_KINDS)
# Stands for the tracking code in a reversed path (no code has underscores).
CODE = "__code__"


def wanted_kinds(user) -> set[str]:
    """The kinds this person wants by email: their choice, or all of them when they never chose."""
    chosen = StaffEmailSettings.objects.filter(user=user).values_list("kinds", flat=True).first()
    return set(EMAIL_KINDS) if chosen is None else set(chosen) & EMAIL_KINDS


def _absolute(path: str) -> str:
    return settings.SITE_ROOT.rstrip("/") + path


def _body(notification: Notification, report_path: str, settings_link: str) -> str:
    """The message text, in the active language (call inside translation.override).

    `report_path` is the report page's path with CODE in place of the tracking code: reversed
    once for all the messages rather than once each.
    """
    lines = [notification.text, ""]
    report = notification.report
    if report is not None:
        code = report.tracking_code
        lines.append(_("Tracking code: %(code)s") % {"code": code})
        lines.append(_("Open the report: %(link)s") % {"link": _absolute(report_path.replace(CODE, code))})
        lines.append("")
    lines.append(_("To choose which notifications you receive by email: %(link)s") % {"link": settings_link})
    return "\n".join(lines) + "\n"


def staff_email_rows(notifications: Iterable[Notification]) -> list[dict]:
    """The email of each notification its recipient wants by email, as `Delivery` columns.

    Each notification needs `pk`, `kind`, `text`, `recipient` (a User), `report` and `event` (or
    None), with their ids: a saved `Notification`, or what the deadline sweep writes in bulk.
    Keyed once per notification (dedupe_key), so a task that runs twice sends nothing more.
    """
    candidates = [n for n in notifications if n.kind in EMAIL_KINDS]
    if not candidates:
        return []
    chosen = dict(
        StaffEmailSettings.objects.filter(user_id__in={n.recipient_id for n in candidates}).values_list(
            "user_id", "kinds"
        )
    )
    now = timezone.now()
    rows = []
    # The people told of one step or event read the same text: one body for all of them.
    bodies: dict[tuple[str, int | None], str] = {}
    with translation.override(settings.LANGUAGE_CODE):
        report_path = reverse("backoffice:report", args=[CODE])
        settings_link = _absolute(reverse("backoffice:email_settings"))
        for notification in candidates:
            person = notification.recipient
            if not person.is_active or not person.email:
                continue
            kinds = chosen.get(person.pk)
            if kinds is not None and notification.kind not in kinds:
                continue
            key = (notification.text, notification.report_id)
            if key not in bodies:
                bodies[key] = _body(notification, report_path, settings_link)
            rows.append(
                {
                    "channel": "email",
                    "to_address": person.email,
                    "subject": f"[PhanAnh] {notification.text}"[:300],
                    "body": bodies[key],
                    "purpose": f"staff_{notification.kind}",
                    "report_id": notification.report_id,
                    "event_id": notification.event_id,
                    "dedupe_key": f"staff:{notification.pk}",
                    "next_attempt_at": now,
                }
            )
    return rows


def queue_staff_emails(notifications: Iterable[Notification]) -> int:
    """Queue an email for each notification its recipient wants by email; return how many."""
    notifications = list(notifications)
    reports = {n.report_id: n.report for n in notifications}
    events = {n.event_id: n.event for n in notifications}
    rows = staff_email_rows(notifications)
    for row in rows:
        queue_message(
            channel=row["channel"],
            to=row["to_address"],
            subject=row["subject"],
            body=row["body"],
            purpose=row["purpose"],
            report=reports[row["report_id"]],
            event=events[row["event_id"]],
            dedupe_key=row["dedupe_key"],
        )
    return len(rows)
