"""Staff API: the reports a staff member works on, their whole timeline, and the workflow's actions.

Every endpoint needs a bearer token (POST /api/v1/auth/token). What a caller sees and may do
is decided by `org.access` and the transition service, never here: this module reads the
request, calls them, and shapes the answer.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal, get_origin

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema

from phananh.core.errors import Forbidden, NotFound, ValidationFailed
from phananh.core.requests import read_body
from phananh.core.schemas import ConflictOut, ErrorOut, rules
from phananh.core.text import NOT_BLANK_PATTERN
from phananh.org.access import is_ioc, reporter_contact
from phananh.org.api import UnitRef, display_name
from phananh.org.auth import staff_token
from phananh.org.models import Unit
from phananh.reports.api import CategoryRef
from phananh.reports.files import attachment_response
from phananh.reports.models import Report
from phananh.reports.statuses import Status, Urgency, colour

from . import choices
from .actions import ACTIONS
from .api_choices import ActionRef, StaffChoice, action_refs, staff_choice
from .publishing import publication_proposal
from .schemas import ACTION_SCHEMAS, Rectangle, action_adapter
from .selectors import (
    active_dispatches,
    active_rejection_reasons,
    pending_extension_request,
    report_for_staff,
    report_steps,
    staff_attachment,
    staff_report,
    staff_reports,
    staff_timeline,
)
from .services import allowed_actions, transition
from .suggestions import SuggestionsOut, report_suggestions

logger = logging.getLogger(__name__)

router = Router(tags=["staff"], auth=staff_token)

# Fields that take several values: repeated form fields, or one comma-separated field.
LIST_FIELDS = frozenset(
    name
    for schema in ACTION_SCHEMAS.values()
    for name, info in schema.model_fields.items()
    if get_origin(info.annotation) is list
)
EXCERPT_CHARS = 200
# Statuses separated by commas, each perhaps with spaces around, empty parts ignored.
_STATUS = "|".join(Status.values)
STATUS_LIST_PATTERN = f"^ *(?:{_STATUS})? *(?:, *(?:{_STATUS})? *)*$"
LABELS = {name: spec.label for name, spec in ACTIONS.items()}


# --- answers ---------------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str


class ReportItemOut(Schema):
    tracking_code: str
    title: str
    excerpt: str = Field(..., description=f"The description, at most {EXCERPT_CHARS} characters.")
    status: str
    status_label: str
    status_colour: str
    urgency: str
    urgent_suspected: bool = Field(..., description="Words of an emergency were found at intake.")
    category: CategoryRef | None
    lead_unit: UnitRef | None
    assignee: PersonRef | None
    created_at: datetime
    deadline: datetime | None = Field(..., description="The earliest deadline of an open step.")
    overdue: bool = Field(..., description="A running (not paused) step is past its deadline.")
    channel: str
    latitude: float | None
    longitude: float | None


class ReportPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[ReportItemOut]


class AttachmentOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    url: str = Field(..., description="Staff-only download; send the bearer token.")
    thumbnail_url: str | None


class TimelineEventOut(Schema):
    id: int
    kind: str
    label: str
    at: datetime
    actor: PersonRef | None
    actor_label: str = Field(
        ..., description="Who acted when it was not a staff account: reporter, a channel."
    )
    unit: UnitRef | None
    note: str
    status_before: str
    status_after: str
    is_public: bool
    data: dict
    attachments: list[AttachmentOut]


class StepOut(Schema):
    kind: str
    label: str
    unit: UnitRef | None
    started_at: datetime
    deadline: datetime
    original_deadline: datetime
    extended: bool
    paused: bool
    finished_at: datetime | None
    on_time: bool | None
    outcome: str


class ExtensionOut(Schema):
    requested_deadline: datetime
    reason: str
    requested_by: PersonRef
    requested_at: datetime


class DispatchOut(Schema):
    from_unit: UnitRef
    to_unit: UnitRef
    role: str = Field(..., description="`lead` or `cooperating`.")
    at: datetime


class ReasonOut(Schema):
    code: str
    name: str


class ReporterOut(Schema):
    name: str
    phone: str
    email: str


class ReportDetailOut(ReportItemOut):
    description: str
    address: str
    commune: UnitRef | None
    kind: str
    wants_public: bool
    is_public: bool | None = Field(..., description="The IOC's decision at publication; null until taken.")
    merged_into: str | None = Field(..., description="Tracking code of the original report.")
    timeline: list[TimelineEventOut]
    steps: list[StepOut]
    pending_extension: ExtensionOut | None
    dispatches: list[DispatchOut] = Field(..., description="The active dispatches: who holds the report.")
    allowed_actions: list[ActionRef] = Field(..., description="What the caller may do now.")
    rejection_reasons: list[ReasonOut] = Field(..., description="Filled when the caller may reject.")
    reporter: ReporterOut | None = Field(
        ...,
        description="The reporter's contact, only on GET with `include=reporter` and when the "
        "caller may see it (each read is logged); null otherwise, and in every action's answer.",
    )
    suggestions: SuggestionsOut | None = Field(
        ...,
        description="The field, lead unit and urgency the model suggests, learned from the IOC's "
        "decisions; only suggestions: the operator decides (`suggested` in accept and dispatch).",
    )


class ReportFilters(Schema):
    status: list[str] = Field(
        default_factory=list,
        description="Repeat it, or separate statuses with commas.",
        json_schema_extra={"items": {"type": "string", "pattern": STATUS_LIST_PATTERN}},
    )
    unit: int | None = Field(None, ge=1, description="Unit id: reports led by this unit or one of its units.")
    field: str | None = Field(None, description="Field code.")
    urgency: Urgency | None = None
    overdue: bool | None = Field(
        None, description="true: a running step is past its deadline; false: none is."
    )
    q: str | None = Field(
        None,
        max_length=200,
        description="Words in the description, title, address or code; accents and case are ignored.",
    )
    review: Literal["unsatisfied"] | None = Field(
        None,
        description="`unsatisfied`: closed reports whose reporter was not satisfied, waiting for "
        "the IOC to reopen them (`reopen`) or keep them closed (`dismiss_review`).",
    )
    page: int = Field(1, ge=1, le=1_000_000, description="1 is the first page.")
    page_size: int = Field(20, ge=1, le=100)


def _person(user) -> dict | None:
    return {"id": user.pk, "name": display_name(user)} if user else None


def _unit(unit) -> dict | None:
    return {"id": unit.pk, "name": unit.name} if unit else None


def _coordinate(value) -> float | None:
    return float(value) if value is not None else None


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[: EXCERPT_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _item(report: Report, *, deadline, overdue: bool) -> dict:
    return {
        "tracking_code": report.tracking_code,
        "title": report.title,
        "excerpt": _excerpt(report.description),
        "status": report.status,
        "status_label": report.status_label,
        "status_colour": colour(report.status),
        "urgency": report.urgency,
        "urgent_suspected": report.urgent_suspected,
        "category": report.category,
        "lead_unit": _unit(report.lead_unit),
        "assignee": _person(report.assignee),
        "created_at": report.created_at,
        "deadline": deadline,
        "overdue": overdue,
        "channel": report.channel,
        "latitude": _coordinate(report.latitude),
        "longitude": _coordinate(report.longitude),
    }


def _attachment(request, attachment) -> dict:
    url = request.build_absolute_uri(reverse("api-v1:staff_attachment", args=[attachment.pk]))
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": url,
        "thumbnail_url": f"{url}?variant=thumbnail" if attachment.thumbnail else None,
    }


def _event(request, event) -> dict:
    return {
        "id": event.pk,
        "kind": event.kind,
        "label": event.get_kind_display(),
        "at": event.created_at,
        "actor": _person(event.actor),
        "actor_label": event.actor_label,
        "unit": _unit(event.unit),
        "note": event.note,
        "status_before": event.status_before,
        "status_after": event.status_after,
        "is_public": event.is_public,
        "data": event.data,
        "attachments": [_attachment(request, a) for a in event.attachments.all()],
    }


def _step(step) -> dict:
    return {
        "kind": step.kind,
        "label": step.get_kind_display(),
        "unit": _unit(step.unit),
        "started_at": step.started_at,
        "deadline": step.deadline,
        "original_deadline": step.original_deadline,
        "extended": step.extended,
        "paused": step.paused_at is not None,
        "finished_at": step.finished_at,
        "on_time": step.on_time,
        "outcome": step.outcome,
    }


def _detail(request, report: Report, *, with_reporter: bool = False) -> dict:
    """The detail answer, shared by GET and by every action (which answers the new state).

    The reporter's contact only when asked for: each read of it is logged, so an action's
    answer, which nobody asked to read it, never carries it.
    """
    user, now = request.auth, timezone.now()
    steps = list(report_steps(report))
    running = [s for s in steps if s.finished_at is None]
    allowed = allowed_actions(report=report, actor=user)
    extension = pending_extension_request(report)
    return {
        **_item(
            report,
            deadline=min((s.deadline for s in running), default=None),
            overdue=any(s.paused_at is None and s.deadline < now for s in running),
        ),
        "description": report.description,
        "address": report.address,
        "commune": _unit(report.commune),
        "kind": report.kind,
        "wants_public": report.wants_public,
        "is_public": report.is_public,
        "merged_into": report.merged_into.tracking_code if report.merged_into else None,
        "timeline": [_event(request, e) for e in staff_timeline(report)],
        "steps": [_step(s) for s in steps],
        "pending_extension": extension
        and {
            "requested_deadline": extension.requested_deadline,
            "reason": extension.reason,
            "requested_by": _person(extension.requested_by),
            "requested_at": extension.created_at,
        },
        "dispatches": [
            {"from_unit": d.from_unit, "to_unit": d.to_unit, "role": d.role, "at": d.created_at}
            for d in active_dispatches(report)
        ],
        "allowed_actions": action_refs(report, user, allowed, LABELS),
        "rejection_reasons": list(active_rejection_reasons()) if "reject" in allowed else [],
        "reporter": reporter_contact(user, report, via="api") if with_reporter else None,
        "suggestions": report_suggestions(report),
    }


def _report_or_404(user, tracking_code: str) -> Report:
    report = staff_report(user=user, tracking_code=tracking_code)
    if report is None:
        raise NotFound("report_not_found", _("No report has this tracking code."))
    return report


def _fresh_detail(request, report: Report) -> dict:
    # Read again after a write: the action changed the status, units and timeline.
    return _detail(request, report_for_staff(Report.objects.filter(pk=report.pk)))


# --- reading an action -----------------------------------------------------------------------


def _as_form(action: dict) -> dict:
    """An action's JSON schema as a form sends it: a form has no null, and a blank field is
    not given at all, so a required text must not be blank."""
    properties = {}
    for name, spec in action["properties"].items():
        options = [option for option in spec.get("anyOf", []) if option.get("type") != "null"]
        if len(options) == 1:
            spec = {**{k: v for k, v in spec.items() if k not in ("anyOf", "default")}, **options[0]}
        chosen = "pattern" in spec or "const" in spec or "enum" in spec
        if name in action.get("required", []) and spec.get("type") == "string" and not chosen:
            spec = {**spec, "pattern": NOT_BLANK_PATTERN}
        if "$ref" in spec:
            # An object (what was suggested) travels in a form as one field holding its JSON.
            spec = {"type": "string", "description": "The same object as in JSON, as JSON text."}
        properties[name] = spec
    return {**action, "title": f"{action['title']} (form)", "properties": properties}


def _action_openapi() -> tuple[dict, dict]:
    """The request body of the actions endpoint, and the schemas it refers to.

    The endpoint reads its body itself (JSON or multipart), so Ninja cannot document it from a
    parameter; the union is published as the `ActionIn` component, one schema per action.
    """
    union = action_adapter.json_schema(ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema)
    components = union.pop("$defs", {})
    components["ActionIn"] = {"title": "ActionIn", **union}
    # The reveal endpoint names its action in its address: the same schema without `action`.
    reveal = {**components["RevealContactIn"], "title": "RevealIn"}
    reveal["properties"] = {k: v for k, v in reveal["properties"].items() if k != "action"}
    reveal["required"] = [k for k in reveal.get("required", []) if k != "action"]
    components["RevealIn"] = reveal
    # As a form, each action has the same fields as in JSON, sent as text; the files beside
    # them, taken only by `submit_result` (`files_not_accepted` otherwise).
    files = {"type": "array", "items": {"type": "string", "format": "binary"}}
    form = {
        "type": "object",
        "description": "The same fields as JSON, as form fields; files only with `submit_result`.",
        "properties": {
            "photos": {**files, "description": "JPEG, PNG, WebP or HEIC; metadata is removed."},
            "documents": {**files, "description": "PDF files."},
        },
        "oneOf": [_as_form(components[schema.__name__]) for schema in ACTION_SCHEMAS.values()],
    }
    body = {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="ActionIn")}},
            "multipart/form-data": {"schema": form},
        },
    }
    return {"requestBody": body}, components


ACTION_OPENAPI, OPENAPI_SCHEMAS = _action_openapi()
# Input that fits an action's schema and is still refused: it names something that does not
# exist or may not be chosen here, or a date the report's deadlines do not allow.
ACTION_RULES = rules(
    unknown_unit="a unit id names no active unit",
    invalid_unit="the unit cannot take this role (the IOC itself, a unit that does not handle)",
    unit_outside_subtree="a unit dispatches only to its own units",
    unknown_category="`category` names no active field",
    unknown_reason="`reason` names no rejection reason",
    unknown_report="`into` names no report",
    invalid_original="`into` names this report, or one that is not open",
    invalid_handler="`handler` is not a staff member of the lead unit's subtree",
    reporter_wants_private="publishing a report whose reporter asked that it stay private",
    deadline_in_past="a deadline before now",
    deadline_not_later="a new deadline not after the current one",
    deadline_not_allowed="only the IOC sets the handling deadline",
    note_required="sending a result back needs a note",
    files_not_accepted="files with an action other than `submit_result`",
    invalid_suggested="`suggested` sent in a form is not JSON",
)
# What an action answers: the report in its new state, or why not.
ACTION_RESPONSES = {
    200: ReportDetailOut,
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ConflictOut,
    422: ErrorOut,
}


# --- endpoints -------------------------------------------------------------------------------


def _statuses(values: list[str]) -> list[str]:
    statuses = [part.strip(" ") for value in values for part in value.split(",") if part.strip(" ")]
    unknown = sorted(set(statuses) - set(Status.values))
    if unknown:
        raise ValidationFailed(
            "invalid_input",
            _("Some information is missing or not valid."),
            fields={"status": [_("Unknown status: %(values)s.") % {"values": ", ".join(unknown)}]},
        )
    return statuses


@router.get(
    "/reports",
    response={200: ReportPageOut, 401: ErrorOut, 422: ErrorOut},
    summary="Reports the caller may see",
    openapi_extra=rules(unknown_unit="`unit` names no unit"),
)
def list_reports(request, filters: Query[ReportFilters]):
    """Danh sách phản ánh: newest first, within the caller's scope (unit subtree and fields).

    No personal data of reporters is listed.
    """
    scope_unit = None
    if filters.unit is not None:
        scope_unit = Unit.objects.filter(pk=filters.unit).first()
        if scope_unit is None:
            message = _("There is no such unit.")
            raise ValidationFailed("unknown_unit", message, fields={"unit": [message]})
    reports = staff_reports(
        user=request.auth,
        now=timezone.now(),
        statuses=_statuses(filters.status),
        unit=scope_unit,
        category=filters.field,
        urgency=filters.urgency,
        overdue=filters.overdue,
        text=(filters.q or "").strip(),
    )
    if filters.review == "unsatisfied":
        reports = reports.filter(status=Status.CLOSED, review_requested_at__isnull=False)
    page, page_size = filters.page, filters.page_size
    start = (page - 1) * page_size
    return {
        "count": reports.count(),
        "page": page,
        "page_size": page_size,
        "results": [
            _item(r, deadline=r.deadline, overdue=r.overdue) for r in reports[start : start + page_size]
        ],
    }


@router.get(
    "/reports/{tracking_code}",
    response={200: ReportDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="A report with its whole timeline",
)
def report_detail(request, tracking_code: str, include: Literal["reporter"] | None = None):
    """Chi tiết phản ánh: every event, step and active dispatch, and what the caller may do now.

    Each of `allowed_actions` carries the choices its fields need (units, staff, fields,
    reasons, or a link to them) and the unit the routing rules suggest.
    `include=reporter` asks for the reporter's contact: filled only for the IOC, or for a unit
    the IOC revealed it to, and each answer that contains it is logged as a read of personal
    data. 404 outside the caller's scope.
    """
    report = _report_or_404(request.auth, tracking_code)
    return _detail(request, report, with_reporter=include == "reporter")


class SpanOut(Schema):
    kind: str = Field(..., description="phone, id_number, email, plate, bank_account, address or name.")
    start: int = Field(..., description="Offset of the first character in the text.")
    end: int = Field(..., description="Offset after the last character.")
    text: str
    replacement: str = Field(..., description="What the form puts in its place, e.g. `[số điện thoại]`.")
    label: str


class PublicTextOut(Schema):
    key: str = Field(
        ...,
        description="title, description, address, result, or question-<event id>: where to send it "
        "back in `redacted` (questions under `redacted.questions`).",
    )
    label: str
    original: str = Field(..., description="As written: for staff only.")
    proposed: str = Field(..., description="What the public copy starts from.")
    spans: list[SpanOut] = Field(..., description="What looks like personal data in `proposed`.")


class PublicPhotoOut(Schema):
    id: int
    stage: Literal["before", "after"]
    public: bool = Field(..., description="Proposed: published or kept private.")
    rectangles: list[Rectangle] = Field(..., description="Blacked out on the public copy so far.")
    url: str = Field(..., description="The original, to draw on (staff only).")
    width: int | None
    height: int | None


class PublicationOut(Schema):
    tracking_code: str
    texts: list[PublicTextOut]
    photos: list[PublicPhotoOut]


@router.get(
    "/reports/{tracking_code}/publication",
    response={200: PublicationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="The public copy proposed for publication",
)
def publication(request, tracking_code: str):
    """Bản công khai: the texts the public would read, with what looks like personal data, and
    the photos that may be published. IOC operators only (those who publish).

    Send the texts back edited in the `publish` action's `redacted`, and the photos' choices in
    its `public_photos`; the action checks the texts again (422 `personal_data_remaining` unless
    `confirm_personal_data`).
    """
    report = _report_or_404(request.auth, tracking_code)
    if not is_ioc(request.auth):
        raise Forbidden("forbidden", _("Your role cannot take this action."))
    proposal = publication_proposal(report)
    return {
        "tracking_code": report.tracking_code,
        "texts": [
            {
                "key": t.key,
                "label": t.label,
                "original": t.original,
                "proposed": t.proposed,
                "spans": [s.as_dict() for s in t.spans],
            }
            for t in proposal.texts
        ],
        "photos": [
            {
                "id": p.attachment.pk,
                "stage": p.stage,
                "public": p.public,
                "rectangles": p.rectangles,
                "url": request.build_absolute_uri(reverse("api-v1:staff_attachment", args=[p.attachment.pk])),
                "width": p.attachment.width,
                "height": p.attachment.height,
            }
            for p in proposal.photos
        ],
    }


@router.post(
    "/reports/{tracking_code}/actions",
    response={**ACTION_RESPONSES, 413: ErrorOut},
    summary="Take a workflow action",
    openapi_extra={**ACTION_OPENAPI, **ACTION_RULES},
)
def take_action(request, tracking_code: str):
    """Xử lý: `{"action": NAME, ...}` with the fields of that action (see `ActionIn`).

    Send JSON, or multipart/form-data with the same fields and files in `photos` and
    `documents` (only for `submit_result`). Answers the report as GET does, in its new state.
    404 outside the caller's scope; 403 when the caller's role or relation to the report does
    not allow the action; 409 when the report's status does not (the body has `status`);
    422 for a missing or invalid field, or an unknown action.
    """
    user = request.auth
    report = _report_or_404(user, tracking_code)
    raw, photo_files, document_files = read_body(request, list_fields=LIST_FIELDS)
    action = raw.pop("action", "")
    transition(
        report=report,
        actor=user,
        action=action if isinstance(action, str) else "",
        data=raw,
        photos=photo_files,
        documents=document_files,
    )
    return _fresh_detail(request, report)


@router.post(
    "/reports/{tracking_code}/reveal",
    response=ACTION_RESPONSES,
    summary="Reveal the reporter's contact to a unit",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="RevealIn")}}},
        },
        **rules(unknown_unit="`unit` names no active unit"),
    },
)
def reveal_contact(request, tracking_code: str):
    """Cho đơn vị xem thông tin người phản ánh: IOC operators only, with a reason; logged.

    Staff of the unit and of its own units then see `reporter` on this report.
    """
    user = request.auth
    report = _report_or_404(user, tracking_code)
    raw, _photos, _documents = read_body(request)
    # The same action as `{"action": "reveal_contact", ...}` on /actions, validated there.
    transition(report=report, actor=user, action="reveal_contact", data=raw)
    return _fresh_detail(request, report)


@router.get(
    "/users",
    response={200: list[StaffChoice], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Staff an assignment can name",
    openapi_extra=rules(unknown_unit="`unit` names no unit"),
)
def list_staff(request, unit: int | None = Query(None, ge=1)):
    """Cán bộ: the active handlers, focal points and leaders of a unit and of its own units.

    `unit` defaults to the caller's unit. The IOC may look at any unit; a unit only at its own
    subtree (403 otherwise). Names are written family name first.
    """
    user = request.auth
    target = user.unit if unit is None else Unit.objects.filter(pk=unit).first()
    if target is None:
        message = _("There is no such unit.")
        raise ValidationFailed("unknown_unit", message, fields={"unit": [message]})
    if not choices.may_name_staff_of(user, target):
        raise Forbidden("forbidden", _("You do not act for this unit."))
    return [staff_choice(person) for person in choices.assignable_staff(target)]


@router.get(
    "/attachments/{attachment_id}",
    url_name="staff_attachment",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="Download a photo or document of a report",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file (photos are stored without their metadata).",
                "content": {
                    "image/*": {"schema": {"type": "string", "format": "binary"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                },
            },
            302: {
                "description": "Where files are kept in object storage: a signed URL of the file, "
                "valid a few minutes; follow it without the Authorization header.",
                "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
            },
        }
    },
)
def download_attachment(request, attachment_id: int, variant: Literal["original", "thumbnail"] = "original"):
    """Tệp đính kèm: the original file, or `variant=thumbnail` for a photo; 404 outside the scope."""
    attachment = staff_attachment(user=request.auth, attachment_id=attachment_id)
    if attachment is None:
        raise NotFound("attachment_not_found", _("There is no such file."))
    try:
        return attachment_response(attachment, thumbnail=variant == "thumbnail")
    except Http404 as exc:
        logger.error("attachment %s: its file is missing from storage", attachment.pk)
        raise NotFound("attachment_not_found", _("There is no such file.")) from exc
