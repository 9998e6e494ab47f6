"""The statuses of a report, each with what it means, its label and its colour.

Every page and API answer takes labels and colours from here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    # Sent through a channel; the IOC has not looked at it yet (mới gửi).
    SUBMITTED = "submitted", _("Submitted")
    # Waiting for the reporter to add information; the clock is paused (chờ bổ sung).
    INFO_REQUESTED = "info_requested", _("Waiting for more information")
    # Not admissible: out of area, duplicate, out of scope... (không đủ điều kiện tiếp nhận).
    REJECTED = "rejected", _("Rejected")
    # Merged into another report about the same matter (trùng, đã gộp).
    MERGED = "merged", _("Merged into another report")
    # Accepted and classified by the IOC, not yet dispatched (đã tiếp nhận).
    ACCEPTED = "accepted", _("Accepted")
    # Dispatched to a lead unit, which has not assigned it yet (đã chuyển xử lý).
    DISPATCHED = "dispatched", _("Dispatched")
    # A handler inside the unit is working on it (đang xử lý).
    IN_PROGRESS = "in_progress", _("In progress")
    # Sent back to the IOC by a unit that is not competent (chuyển trả).
    RETURNED = "returned", _("Returned")
    # The handler submitted a result; the unit leader has to approve it (chờ duyệt).
    RESULT_SUBMITTED = "result_submitted", _("Result waiting for approval")
    # The unit leader approved the result; the IOC has to verify it (chờ kiểm tra).
    RESULT_APPROVED = "result_approved", _("Result waiting for verification")
    # The IOC verified the result (đã xử lý).
    RESOLVED = "resolved", _("Resolved")
    # Closed: nothing more happens unless it is reopened (đã đóng).
    CLOSED = "closed", _("Closed")


# Statuses in which a report is still being worked on (for "open" counts and duplicates).
OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.INFO_REQUESTED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.RETURNED,
        Status.RESULT_SUBMITTED,
        Status.RESULT_APPROVED,
    }
)
# Statuses in which a unit holds the report (it is in the unit's inbox).
AT_UNIT_STATUSES = frozenset({Status.DISPATCHED, Status.IN_PROGRESS, Status.RESULT_SUBMITTED})


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    COMPLEX = "complex", _("Complex")
    # Fire, accident, theft, public order: the IOC on duty is alerted at once (khẩn cấp).
    URGENT = "urgent", _("Urgent")


COLOURS = {
    Status.SUBMITTED: "#1d4ed8",
    Status.INFO_REQUESTED: "#b45309",
    Status.REJECTED: "#6b7280",
    Status.MERGED: "#6b7280",
    Status.ACCEPTED: "#0e7490",
    Status.DISPATCHED: "#0e7490",
    Status.IN_PROGRESS: "#c2410c",
    Status.RETURNED: "#b91c1c",
    Status.RESULT_SUBMITTED: "#7c3aed",
    Status.RESULT_APPROVED: "#7c3aed",
    Status.RESOLVED: "#15803d",
    Status.CLOSED: "#374151",
}


def colour(status: str) -> str:
    return COLOURS.get(status, "#374151")
