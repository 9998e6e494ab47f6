"""The reporter's API: submit a report from an app or another system, follow it by its tracking
code, and, with the report's secret, answer a question, rate the result, download their data
and have it erased."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from phananh.core.errors import Forbidden, NotFound, ValidationFailed
from phananh.core.requests import read_body
from phananh.core.schemas import ConflictOut, ErrorOut, documented, rules
from phananh.core.text import NOT_BLANK_PATTERN
from phananh.org.access import Reporter
from phananh.privacy.erasure import personal_data_erase
from phananh.privacy.export import FORMAT, FORMAT_VERSION, data_export
from phananh.reports.api import CategoryRef
from phananh.reports.codes import prove_reporter
from phananh.reports.files import read_uploads
from phananh.reports.intake import FALSE_WORDS, TRUE_WORDS, ReportIn, validate_submission
from phananh.reports.models import Channel, RatingValue, Report
from phananh.reports.selectors import report_by_tracking_code
from phananh.reports.statuses import colour
from phananh.workflow.public import public_timeline
from phananh.workflow.selectors import current_rating
from phananh.workflow.services import transition
from phananh.workflow.submission import Idempotency, report_submit

router = Router(tags=["reports"])

# Channels a client of the public API may name; the others belong to their own adapters.
API_CHANNELS = (Channel.API, Channel.APP)


class SubmittedOut(Schema):
    tracking_code: str = Field(..., examples=["PA-26-7K3Q9M"])
    secret: str = Field(..., description="Keep it: it lets the reporter add information and rate the result.")
    status: str
    status_label: str
    created_at: datetime
    tracking_url: str
    photos: int
    documents: int
    latitude: float | None
    longitude: float | None
    location_source: str = Field(..., description="`reporter`, `photo` (from the photo's GPS) or empty.")


class EventOut(Schema):
    kind: str
    label: str
    at: datetime
    status: str
    note: str = Field(
        "",
        description="What the public may read of the step: the question asked, the reason for a "
        "rejection, the rating given. Empty for most steps.",
    )


class TrackingOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    status_colour: str
    kind: str
    category: CategoryRef | None
    created_at: datetime
    timeline: list[EventOut]


# The body of POST /reports is documented from ReportIn, the schema that validates it: as JSON
# the way Ninja documents any schema, as a form with the same fields as text, plus the files.
_REPORT_IN_SCHEMA, OPENAPI_SCHEMAS = documented(ReportIn)
_REPORT_IN_FIELDS = _REPORT_IN_SCHEMA["properties"]
# What this door allows of the fields every door shares: its own channels, no Zalo messages,
# and the consent given.
_REPORT_IN_FIELDS["channel"]["enum"] = ["", *API_CHANNELS]
_REPORT_IN_FIELDS["contact_channel"]["enum"] = ["", "email", "sms"]
_REPORT_IN_FIELDS["consent"]["enum"] = [True]
_REPORT_IN_FIELDS["description"]["pattern"] = NOT_BLANK_PATTERN
# Degrees as text: a decimal point or the Vietnamese decimal comma; empty is no place.
_DEGREES_PATTERN = "^$|^ *[-+]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+) *$"
for _name in ("latitude", "longitude"):
    _REPORT_IN_FIELDS[_name]["anyOf"][1]["pattern"] = _DEGREES_PATTERN


def _form_field(name: str, json_property: dict) -> dict:
    """A field of ReportIn as a form sends it: text, with the same description and choices."""
    kept = ("description", "enum", "maxLength", "pattern")
    field = {"type": "string", **{key: value for key, value in json_property.items() if key in kept}}
    kinds = {option.get("type") for option in json_property.get("anyOf", [json_property])}
    if "boolean" in kinds:  # a box: what browsers and form libraries send for it
        field["enum"] = list(TRUE_WORDS) if name == "consent" else [*TRUE_WORDS, *FALSE_WORDS]
    elif "number" in kinds:
        field["pattern"] = _DEGREES_PATTERN
    elif "integer" in kinds:
        field["pattern"] = "^[0-9]+$"
    if name not in _REPORT_IN_SCHEMA["required"]:  # a blank field is one not given
        if "enum" in field and "" not in field["enum"]:
            field["enum"] = [*field["enum"], ""]
        if "pattern" in field:
            field["pattern"] = f"^\\s*$|{field['pattern']}"
    return field


_MULTIPART_SCHEMA = {
    "type": "object",
    "required": list(_REPORT_IN_SCHEMA["required"]),
    "properties": {
        **{name: _form_field(name, _REPORT_IN_FIELDS[name]) for name in ReportIn.model_fields},
        "photos": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "JPEG, PNG, WebP or HEIC; metadata is removed.",
        },
        "documents": {"type": "array", "items": {"type": "string", "format": "binary"}, "description": "PDF"},
    },
}


def _idempotency_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200 or not key.isprintable():
        raise ValidationFailed(
            "invalid_idempotency_key",
            _("The Idempotency-Key header must be at most 200 printable characters."),
            fields={"Idempotency-Key": [_("Not valid.")]},
        )
    return key


def submitted_answer(request, report: Report, secret: str, *, photos: int, documents: int) -> dict:
    """The 201 answer of a submission; stored as is for an Idempotency-Key replay.

    `photos` and `documents` are the files the request carried: the report stores every one of
    them or is not stored at all, so they are not counted again in the database.
    """
    return {
        "tracking_code": report.tracking_code,
        "secret": secret,
        "status": report.status,
        "status_label": str(report.status_label),
        "created_at": report.created_at.isoformat(),
        "tracking_url": request.build_absolute_uri(reverse("portal:track", args=[report.tracking_code])),
        "photos": photos,
        "documents": documents,
        "latitude": float(report.latitude) if report.latitude is not None else None,
        "longitude": float(report.longitude) if report.longitude is not None else None,
        "location_source": report.location_source,
    }


@router.post(
    "/reports",
    response={201: SubmittedOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut, 400: ErrorOut},
    summary="Submit a report",
    openapi_extra={
        **rules(
            contact_required="neither a phone nor an email, and not anonymous",
            invalid_phone="`reporter_phone` is not a Vietnamese phone number",
            invalid_email="`reporter_email` is not an email address",
            email_required="`contact_channel` is `email` without `reporter_email`",
            phone_required="`contact_channel` is `sms` without `reporter_phone`",
            coordinate_missing="a latitude without a longitude, or the other way round",
            location_outside_vietnam="the place is outside Vietnam",
            unknown_category="`category` names no active field",
            unknown_commune="`commune` names no active commune or ward",
            description_too_long="the description is longer than the province allows",
            coordinate_out_of_range="a latitude or longitude given as text beyond ±90 or ±180",
            invalid_idempotency_key="the Idempotency-Key header has characters that cannot be printed",
            unsupported_file_type="a file that is not a photo (JPEG, PNG, WebP, HEIC) or a PDF",
            corrupt_image="a photo that cannot be read",
            too_many_photos="more photos than the province allows",
            too_many_documents="more documents than the province allows",
            answer_required="a required question of the field (GET /categories) is not answered",
            invalid_answer="an answer that is not of its question's kind or not one of its choices",
            unknown_question="an answer to a question the field does not ask",
            too_many_answers="more than 50 answers",
            invalid_answers="in a form, `answers` that is not the JSON text of an object",
        ),
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _REPORT_IN_SCHEMA},
                "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
            },
        },
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
                "description": "A resend with the same key gets the first answer instead of a new report.",
            }
        ],
    },
)
def submit_report(request):
    """Gửi phản ánh: JSON without files, or multipart/form-data with files in `photos`."""
    raw, photo_files, document_files = read_body(request)
    key = _idempotency_key(request)
    submission = validate_submission(raw, channel=Channel.API, allowed_channels=API_CHANNELS)
    photos = read_uploads(photo_files, field="photos", limit_bytes=settings.PHANANH_MAX_PHOTO_BYTES)
    documents = read_uploads(
        document_files, field="documents", limit_bytes=settings.PHANANH_MAX_DOCUMENT_BYTES
    )
    counts = {"photos": len(photos), "documents": len(documents)}
    idempotency = Idempotency(key, lambda r, s: submitted_answer(request, r, s, **counts)) if key else None
    result = report_submit(submission=submission, photos=photos, documents=documents, idempotency=idempotency)
    return Status(201, result.response or submitted_answer(request, result.report, result.secret, **counts))


@router.get("/reports/{tracking_code}", response={200: TrackingOut, 404: ErrorOut}, summary="Follow a report")
def track_report(request, tracking_code: str):
    """Tra cứu: the status and the public steps of a report. No personal data."""
    report = report_by_tracking_code(tracking_code)
    if report is None:
        raise NotFound("report_not_found", _("No report has this tracking code."))
    return {
        "tracking_code": report.tracking_code,
        "status": report.status,
        "status_label": report.status_label,
        "status_colour": colour(report.status),
        "kind": report.kind,
        "category": report.category,
        "created_at": report.created_at,
        "timeline": [vars(step) for step in public_timeline(report)],
    }


class InfoIn(Schema):
    """The reporter's answer to a request for more information."""

    secret: str = Field(..., description="The secret given when the report was submitted.")
    text: str = Field(
        ...,
        description="The answer (at most 5,000 characters).",
        json_schema_extra={"pattern": NOT_BLANK_PATTERN},
    )


_INFO_IN_SCHEMA, _INFO_PARTS = documented(InfoIn)
OPENAPI_SCHEMAS.update(_INFO_PARTS)


class InfoOut(Schema):
    tracking_code: str
    status: str
    status_label: str


def _as_reporter(tracking_code: str, secret) -> tuple[Report, Reporter]:
    """The report and its reporter as an actor, proved by the secret: 404, then 403."""
    report = report_by_tracking_code(tracking_code)
    if report is None:
        raise NotFound("report_not_found", _("No report has this tracking code."))
    reporter = prove_reporter(report, secret)
    if reporter is None:
        raise Forbidden("invalid_secret", _("The secret does not match this report."))
    return report, reporter


@router.post(
    "/reports/{tracking_code}/info",
    response={
        200: InfoOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ConflictOut,
        413: ErrorOut,
        422: ErrorOut,
    },
    summary="Answer a request for more information (reporter)",
    openapi_extra={
        **rules(
            text_too_long="the answer is longer than the province allows",
            unsupported_file_type="a file that is not a photo (JPEG, PNG, WebP, HEIC) or a PDF",
            corrupt_image="a photo that cannot be read",
            too_many_photos="more photos than the province allows",
            too_many_documents="more documents than the province allows",
            answer_required="a required question of the field (GET /categories) is not answered",
            invalid_answer="an answer that is not of its question's kind or not one of its choices",
            unknown_question="an answer to a question the field does not ask",
            too_many_answers="more than 50 answers",
            invalid_answers="in a form, `answers` that is not the JSON text of an object",
        ),
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _INFO_IN_SCHEMA},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["secret", "text"],
                        "properties": {
                            "secret": {"type": "string"},
                            "text": {"type": "string", "pattern": NOT_BLANK_PATTERN},
                            "photos": {"type": "array", "items": {"type": "string", "format": "binary"}},
                            "documents": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        },
                    }
                },
            },
        },
    },
)
def provide_info(request, tracking_code: str):
    """Bổ sung thông tin: with the report's secret; the deadlines run again from now."""
    raw, photo_files, document_files = read_body(request)
    report, reporter = _as_reporter(tracking_code, raw.get("secret"))
    transition(
        report=report,
        actor=reporter,
        action="provide_info",
        data={"text": raw.get("text")},
        photos=photo_files,
        documents=document_files,
    )
    return {
        "tracking_code": report.tracking_code,
        "status": report.status,
        "status_label": report.status_label,
    }


class RatingIn(Schema):
    """The reporter's rating of the result sent to them (or of a closed report not rated yet)."""

    secret: str = Field(..., description="The secret given when the report was submitted.")
    value: str = Field(
        ...,
        description="`satisfied` (Hài lòng), `acceptable` (Chấp nhận) or `unsatisfied` (Không hài lòng).",
        json_schema_extra={"enum": list(RatingValue.values)},
    )
    comment: str = Field(
        "", description="Optional, at most 5,000 characters; read by the IOC, never published."
    )


class RatingOut(Schema):
    value: str
    value_label: str
    closure: int = Field(..., description="1 for the first closure, 2 after a reopening and a second one...")


@router.post(
    "/reports/{tracking_code}/rating",
    response={201: RatingOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut, 422: ErrorOut},
    summary="Rate the result (reporter)",
    openapi_extra=rules(comment_too_long="the comment is longer than the province allows"),
)
def rate_report(request, tracking_code: str, payload: RatingIn):
    """Đánh giá: once for each closure, with the report's secret.

    Possible once the verified result is sent to the reporter (the IOC published it or kept it
    private): the rating closes the report. A closed report without a rating for its closure
    (closed by the IOC, or by itself after `PHANANH_AUTO_CLOSE_DAYS`) may be rated too.
    409 `result_not_sent` before that (with the report's `status`); 409 `already_rated` when
    this closure was rated; 422 `invalid_rating` for an unknown value; 403 `invalid_secret`.
    An unsatisfied rating asks the IOC to review the report.
    """
    report, reporter = _as_reporter(tracking_code, payload.secret)
    transition(
        report=report,
        actor=reporter,
        action="rate",
        data={"value": payload.value, "comment": payload.comment},
    )
    rating = current_rating(report)
    return Status(
        201, {"value": rating.value, "value_label": rating.get_value_display(), "closure": rating.closure}
    )


# --- the reporter's data -------------------------------------------------------------------


class DataIn(Schema):
    secret: str = Field(..., description="The secret given when the report was submitted.")
    format: Literal["zip", "json"] = Field(
        "zip",
        description="`zip`: the document with the reporter's photos and documents; `json`: the document.",
    )


class DataAnswerOut(Schema):
    question: str
    answer: str


class DataReportOut(Schema):
    tracking_code: str
    kind: str
    kind_label: str
    title: str
    description: str
    category: CategoryRef | None
    address: str
    commune: str | None
    latitude: float | None
    longitude: float | None
    location_source: str
    channel: str
    created_at: datetime
    status: str
    status_label: str
    wants_public: bool
    published: bool
    answers: list[DataAnswerOut] = Field(..., description="The answers to the field's extra questions.")


class DataReporterOut(Schema):
    name: str
    phone: str
    email: str
    zalo_user_id: str
    anonymous: bool
    contact_channel: str
    no_messages: bool
    personal_data_erased_at: datetime | None


class DataConsentOut(Schema):
    given_at: datetime
    version: str
    text: str = Field(..., description="The text of that version, in the language asked.")
    withdrawn_at: datetime | None


class DataStepOut(Schema):
    kind: str
    label: str
    at: datetime
    status: str
    note: str = Field(..., description="The public note, or the reporter's own answer.")


class DataResultOut(Schema):
    at: datetime
    text: str


class DataRatingOut(Schema):
    closure: int
    value: str
    value_label: str
    comment: str
    at: datetime


class DataFileOut(Schema):
    path: str = Field(..., description="Where the file is in the ZIP.")
    kind: str = Field(..., description="`photo` or `document`.")
    content_type: str
    size: int
    sha256: str
    step: str = Field(..., description="The step the file came with: `submitted` or `info_provided`.")
    step_at: datetime


class DataMessageOut(Schema):
    channel: str
    to: str = Field(..., description="Empty once the personal data was erased, like `subject` and `body`.")
    subject: str
    body: str
    purpose: str
    status: str
    created_at: datetime
    sent_at: datetime | None


class ReporterDataOut(Schema):
    format: str = Field(..., examples=[FORMAT])
    format_version: int = Field(..., examples=[FORMAT_VERSION])
    exported_at: datetime
    report: DataReportOut
    reporter: DataReporterOut
    consent: DataConsentOut
    timeline: list[DataStepOut]
    result: DataResultOut | None
    ratings: list[DataRatingOut]
    files: list[DataFileOut]
    messages: list[DataMessageOut]


@router.post(
    "/reports/{tracking_code}/data",
    response={200: ReporterDataOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Download the reporter's data (reporter)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The ZIP (`format=zip`) or the JSON document (`format=json`).",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_reporter_data(request, tracking_code: str, payload: DataIn):
    """Tải dữ liệu: everything kept about the reporter for this report, with the report's secret.

    The ZIP holds `du-lieu.json` (the JSON document, format `phananh.reporter-data` version 1),
    the reporter's photos and documents under `tep/` and `doc-truoc.txt`. This report only: each
    report has its own secret. 403 `invalid_secret`; 404 `report_not_found`. Each download is a
    step on the report's internal timeline.
    """
    report, reporter = _as_reporter(tracking_code, payload.secret)
    result = data_export(report=report, reporter=reporter, via="api", as_zip=payload.format == "zip")
    if payload.format == "json":
        return result
    response = FileResponse(
        result, as_attachment=True, filename=f"{report.tracking_code}.zip", content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


class ErasureIn(Schema):
    secret: str = Field(..., description="The secret given when the report was submitted.")
    confirm: bool = Field(
        False, description="Must be true: the reporter confirmed, after being told it cannot be undone."
    )


class ErasureOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    erased_now: bool = Field(..., description="False when the data had been erased before (nothing changed).")
    personal_data_erased_at: datetime
    consent_withdrawn_at: datetime | None = Field(
        ..., description="Empty when the retention period, not the reporter, erased the data."
    )


@router.post(
    "/reports/{tracking_code}/erasure",
    response={200: ErasureOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Withdraw consent and erase the reporter's personal data (reporter)",
)
def erase_reporter_data(request, tracking_code: str, payload: ErasureIn):
    """Rút lại đồng ý: the reporter's name, phone, email and Zalo id are erased everywhere.

    The report goes on being handled without a contact: no message is sent any more. Its content
    and what was published stay; the statistics do not change. Asking again answers the same,
    with `erased_now` false. 403 `invalid_secret`; 404 `report_not_found`; 422
    `confirmation_required` without `"confirm": true`.
    """
    report, reporter = _as_reporter(tracking_code, payload.secret)
    if not payload.confirm:
        message = _("Confirm that the personal data is to be erased: it cannot be undone.")
        raise ValidationFailed("confirmation_required", message, fields={"confirm": [message]})
    erased_now = personal_data_erase(report=report, reporter=reporter, via="api")
    return {
        "tracking_code": report.tracking_code,
        "status": report.status,
        "status_label": report.status_label,
        "erased_now": erased_now,
        "personal_data_erased_at": report.personal_data_erased_at,
        "consent_withdrawn_at": report.consent_withdrawn_at,
    }
