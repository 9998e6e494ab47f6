"""What the report page shows: facts, photos, contact, steps with deadlines, the timeline, forms.

`panel_context` builds the context of the report panel, the part of the page an htmx request
gets back after an action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from phananh.org.access import can_see, is_ioc, reporter_contact, visible_reports
from phananh.org.models import ContactReveal, Unit, User
from phananh.reports.models import Attachment, AttachmentKind, Category, Channel, Report
from phananh.reports.questions import answered
from phananh.reports.selectors import report_by_tracking_code
from phananh.reports.statuses import Urgency, colour
from phananh.triage.duplicates import Candidate, candidates_for
from phananh.workflow.actions import pending_extension
from phananh.workflow.models import DispatchRole, EventKind, RejectionReason
from phananh.workflow.services import allowed_actions

from .forms import ActionForm, action_forms


def visible_report(user, tracking_code: str) -> Report:
    """The report with this code if this person may see it; 404 otherwise, whether it exists or not."""
    report = report_by_tracking_code(tracking_code)
    if report is None or not can_see(user, report):
        raise Http404
    return Report.objects.select_related("category", "commune", "lead_unit", "assignee", "merged_into").get(
        pk=report.pk
    )


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "H:i d/m/Y") if moment else ""


def person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


@dataclass
class TimelineEntry:
    event: object
    actor: str
    details: list[tuple[str, str]] = field(default_factory=list)
    attachments: list = field(default_factory=list)


def _actor(event) -> str:
    if event.actor_id:
        return person(event.actor)
    if event.actor_label == "reporter":
        return _("The reporter")
    if event.actor_label == "system":
        return _("The system")
    if event.actor_label in Channel.values:
        return str(Channel(event.actor_label).label)
    return event.actor_label


@dataclass
class Names:
    """What the events' data name by id or code, read once for the whole timeline."""

    units: dict
    users: dict
    categories: dict
    reasons: dict

    def unit(self, pk) -> str:
        return self.units[pk].name if pk in self.units else ""

    def person(self, pk) -> str:
        return person(self.users.get(pk))


def _names(events) -> Names:
    unit_ids, user_ids = set(), set()
    for event in events:
        data = event.data
        unit_ids.update(data.get(key) for key in ("to_unit", "suggested_unit", "unit"))
        unit_ids.update(data.get("cooperating_units") or [])
        user_ids.update(data.get(key) for key in ("assignee", "requested_by"))
    return Names(
        units=Unit.objects.in_bulk([pk for pk in unit_ids if pk]),
        users=User.objects.in_bulk([pk for pk in user_ids if pk]),
        categories=dict(Category.objects.values_list("code", "name")),
        reasons=dict(RejectionReason.objects.values_list("code", "name")),
    )


# --- the facts of each kind of event: (data, names) → [(label, value)] ----------------------------


def _accepted(data, names):
    details = [(_("Field"), names.categories.get(data.get("category"), data.get("category", "")))]
    if data.get("urgency") in Urgency.values:
        details.append((_("Urgency"), str(Urgency(data["urgency"]).label)))
    return details


def _rejected(data, names):
    return [(_("Reason"), names.reasons.get(data.get("reason"), data.get("reason", "")))]


def _dispatched(data, names):
    details = [(_("Lead unit"), names.unit(data.get("to_unit")))]
    if data.get("cooperating_units"):
        details.append(
            (_("Cooperating units"), ", ".join(names.unit(pk) for pk in data["cooperating_units"]))
        )
    if data.get("deadline"):
        details.append((_("Deadline"), _when(_parse(data["deadline"]))))
    return details


def _returned(data, names):
    details = [(_("Returned to"), names.unit(data.get("to_unit")))]
    if data.get("suggested_unit"):
        details.append((_("Suggested unit"), names.unit(data["suggested_unit"])))
    return details


def _extension_requested(data, names):
    return [(_("Deadline asked for"), _when(_parse(data["deadline"])))] if data.get("deadline") else []


def _extension_decided(data, names):
    details = [(_("Decision"), _("Granted") if data.get("approved") else _("Refused"))]
    if data.get("deadline"):
        details.append((_("New deadline"), _when(_parse(data["deadline"]))))
    return details


# Partner systems by the name their events carry (`data["system"]`).
PARTNER_SYSTEMS = {"petition": _lazy("National petition system")}


def _partner_sent(data, names):
    what = _("Result") if data.get("what") == "result" else _("Report")
    system = data.get("system", "")
    return [(_("Partner system"), str(PARTNER_SYSTEMS.get(system, system))), (_("What"), what)] + (
        [(_("Partner's id"), data["upstream_id"])] if data.get("upstream_id") else []
    )


def _partner_update(data, names):
    system = data.get("system", "")
    details = [(_("Partner system"), data.get("client_name") or str(PARTNER_SYSTEMS.get(system, system)))]
    if data.get("status"):
        details.append((_("State there"), data["status"]))
    if data.get("description"):
        details.append((_("Text"), data["description"]))
    return details


DETAILS = {
    EventKind.PARTNER_SENT: _partner_sent,
    EventKind.PARTNER_UPDATE: _partner_update,
    EventKind.ACCEPTED: _accepted,
    EventKind.REJECTED: _rejected,
    EventKind.MERGED: lambda data, names: [(_("Merged into"), data.get("into", ""))],
    EventKind.DUPLICATE_MERGED: lambda data, names: [(_("Duplicate"), data.get("duplicate", ""))],
    EventKind.DISPATCHED: _dispatched,
    EventKind.RETURNED: _returned,
    EventKind.ASSIGNED: lambda data, names: [(_("Handler"), names.person(data.get("assignee")))],
    EventKind.EXTENSION_REQUESTED: _extension_requested,
    EventKind.EXTENSION_DECIDED: _extension_decided,
    EventKind.CONTACT_REVEALED: lambda data, names: [(_("Unit"), names.unit(data.get("unit")))],
}


def _entry(event, names: Names) -> TimelineEntry:
    details = DETAILS[event.kind](event.data, names) if event.kind in DETAILS else []
    # The reporter's own files are shown with the report; later ones (the result's) with their event.
    attachments = [] if event.kind == EventKind.SUBMITTED else list(event.attachments.all())
    return TimelineEntry(event, _actor(event), details, attachments)


def timeline(report: Report) -> list[TimelineEntry]:
    """Every event, oldest first, with its facts in words (units and people by name)."""
    events = list(report.events.select_related("actor", "unit").prefetch_related("attachments"))
    names = _names(events)
    return [_entry(event, names) for event in events]


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass
class StepRow:
    step: object
    state: str  # running, paused, overdue, on_time, late
    state_label: str


def steps(report: Report) -> list[StepRow]:
    now = timezone.now()
    rows = []
    for step in report.steps.select_related("unit").order_by("started_at", "id"):
        if step.finished_at is None:
            if step.paused_at is not None:
                state, label = "paused", _("Paused: waiting for the reporter")
            elif step.deadline < now:
                state, label = "overdue", _("Overdue")
            else:
                state, label = "running", _("Running")
        elif step.on_time:
            state, label = "on_time", _("Done on time")
        else:
            state, label = "late", _("Done late")
        rows.append(StepRow(step, state, label))
    return rows


def _before_after(report: Report, submitted_files) -> tuple[list, list]:
    """The reporter's photos, and the photos of the latest result submitted."""
    result = report.events.filter(kind=EventKind.RESULT_SUBMITTED).order_by("-created_at", "-id").first()
    after = list(result.attachments.filter(kind=AttachmentKind.PHOTO)) if result else []
    return list(submitted_files.filter(kind=AttachmentKind.PHOTO).order_by("id")), after


@dataclass(frozen=True)
class DuplicateRow:
    """A likely duplicate as the reception panel shows it."""

    candidate: Candidate
    photo: Attachment | None
    distance_m: int | None  # rounded to 10 m


def likely_duplicates(user, report: Report) -> list[DuplicateRow]:
    """Có thể trùng: the reports this one may repeat, best first, each with its first photo."""
    found = candidates_for(report)
    visible = set(
        visible_reports(user, Report.objects.filter(pk__in=[c.report.pk for c in found])).values_list(
            "pk", flat=True
        )
    )
    found = [c for c in found if c.report.pk in visible]
    photos: dict[int, Attachment] = {}
    for photo in Attachment.objects.filter(
        Q(event__kind=EventKind.SUBMITTED) | Q(event__isnull=True),
        report_id__in=[c.report.pk for c in found],
        kind=AttachmentKind.PHOTO,
    ).order_by("id"):
        photos.setdefault(photo.report_id, photo)
    return [
        DuplicateRow(
            c,
            photos.get(c.report.pk),
            None if c.distance_m is None else max(10, round(c.distance_m / 10) * 10),
        )
        for c in found
    ]


# Actions whose form sits in its own card of the panel rather than under "What you can do".
PLACED_ELSEWHERE = ("reveal_contact", "dismiss_review")


def _form(forms: list[ActionForm], action: str) -> ActionForm | None:
    return next((f for f in forms if f.action == action), None)


def panel_context(
    user, report: Report, *, failed: str = "", values=None, errors=None, message: str = "", level: str = ""
) -> dict:
    """The context of `backoffice/_panel.html`; `failed` names the action whose form had errors."""
    allowed = allowed_actions(report=report, actor=user)
    contact = reporter_contact(user, report, via="page")
    ioc = is_ioc(user)
    # The reporter's own files; those of later events (the result's photos) sit on the timeline.
    submitted_files = report.attachments.filter(Q(event__kind=EventKind.SUBMITTED) | Q(event__isnull=True))
    forms = action_forms(report, user, allowed, failed=failed, values=values, errors=errors)
    before, after = _before_after(report, submitted_files) if "verify" in allowed else ([], [])
    cooperating = Unit.objects.filter(
        dispatches_received__report=report,
        dispatches_received__active=True,
        dispatches_received__role=DispatchRole.COOPERATING,
    ).distinct()
    return {
        "report": report,
        "status_colour": colour(report.status),
        "is_urgent": report.urgency == Urgency.URGENT,
        "attachments": submitted_files.order_by("id"),
        "contact": contact,
        "cooperating_units": cooperating,
        # Verifying compares the photos sent with the report to those of the result.
        "before_photos": before,
        "after_photos": after,
        "timeline": timeline(report),
        "steps": steps(report),
        "pending_extension": pending_extension(report),
        # The reveal and the review have their forms beside the contact and the ratings.
        "forms": [f for f in forms if f.action not in PLACED_ELSEWHERE],
        "reveal_form": _form(forms, "reveal_contact"),
        "review_form": _form(forms, "dismiss_review"),
        "reveals": ContactReveal.objects.filter(report=report).select_related("unit", "by") if ioc else [],
        "ratings": report.ratings.all(),
        "tile_url": settings.PHANANH_TILE_URL,
        "panel_message": message,
        "panel_level": level,
        "allowed": allowed,
        # What the public reads (or read) of the report, beside what was written.
        "has_public_copy": bool(report.public_description),
        # At reception, the reports this one may repeat, each with one click to merge into it.
        "duplicates": likely_duplicates(user, report) if "merge" in allowed else [],
        "duplicate_radius": settings.PHANANH_DUPLICATE_RADIUS_M,
        # The answers to the field's extra questions, in words.
        "answers": answered(report),
    }
