"""The payload of each workflow action: one schema per action, shared by the API and the pages.

The API takes `{"action": NAME, ...}`; `action` picks the schema (a discriminated union), so
every field of every action is documented in the OpenAPI.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, ClassVar, Literal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, TypeAdapter, ValidationInfo

from phananh.core.text import NOT_BLANK_PATTERN, clean_text
from phananh.core.validation import problem
from phananh.reports.models import RatingValue
from phananh.reports.statuses import Urgency


def _clean(value):
    # What people type is cleaned the same way at every door: NFC, no control characters.
    return clean_text(value) if isinstance(value, str) else value


def _within_limit(value: str, info: ValidationInfo) -> str:
    # The reporter's texts share the intake's limit, which a deployment sets.
    limit = settings.PHANANH_MAX_DESCRIPTION_CHARS
    if len(value) > limit:
        raise problem(
            f"{info.field_name}_too_long",
            _("At most %(limit)d characters (now %(count)d).") % {"limit": limit, "count": len(value)},
        )
    return value


# Titles are English; the pages translate them (gettext_noop puts them in the catalogue).
Note = Annotated[
    str,
    BeforeValidator(_clean),
    Field("", max_length=5000, title=gettext_noop("Note"), description="Free text written on the timeline."),
]
# Required text: blank once cleaned is missing, and the schema says so with its pattern.
NOT_BLANK = {"pattern": NOT_BLANK_PATTERN}
Required = Annotated[
    str, BeforeValidator(_clean), Field(..., min_length=1, max_length=5000, json_schema_extra=NOT_BLANK)
]
ReporterText = Annotated[str, BeforeValidator(_clean), AfterValidator(_within_limit)]


def _from_form(value):
    # A form posts what was suggested as one hidden input holding JSON; the API sends an object.
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise problem("invalid_suggested", _("What was suggested cannot be read.")) from None
    return value


class SuggestedIn(Schema):
    """Gợi ý đã hiển thị: what the operator was offered, so that the event records whether it was taken."""

    version: str = Field(..., min_length=1, max_length=40, description="`suggestions.model.version`.")
    category: list[Annotated[str, Field(max_length=60)]] = Field(
        default_factory=list, max_length=3, description="Field codes suggested, best first."
    )
    urgency: list[Urgency] = Field(default_factory=list, max_length=3, description="Urgencies, best first.")
    unit: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list, max_length=3, description="Lead unit ids suggested, best first."
    )


Suggested = Annotated[
    SuggestedIn | None,
    BeforeValidator(_from_form),
    Field(
        None,
        title=gettext_noop("Suggested"),
        description="The suggestions shown (the report's `suggestions`): recorded on the event with "
        "whether the choice was one of them and its rank.",
    ),
]


class ActionSchema(Schema):
    """The payload of one action. `required_messages`: what a person is told when a field is
    missing or empty, where the action says more than "this field is required"; the error's
    code is then `<field>_required`."""

    required_messages: ClassVar[dict] = {}


class AcceptIn(ActionSchema):
    """Tiếp nhận: classify the report; with `lead_unit`, dispatch it at once."""

    action: Literal["accept"]
    category: str = Field(
        ..., title=gettext_noop("Field"), description="Field code (GET /api/v1/categories)."
    )
    urgency: Urgency = Field(
        Urgency.NORMAL,
        title=gettext_noop("Urgency"),
        description="normal, complex or urgent (short deadlines).",
    )
    lead_unit: int | None = Field(
        None, title=gettext_noop("Lead unit"), description="Unit id: dispatch to this unit in the same step."
    )
    cooperating_units: list[int] = Field(
        default_factory=list, title=gettext_noop("Cooperating units"), description="Unit ids that cooperate."
    )
    note: Note
    suggested: Suggested


class RejectIn(ActionSchema):
    """Không tiếp nhận: refuse with a reason from the list administrators manage."""

    action: Literal["reject"]
    reason: str = Field(
        ...,
        title=gettext_noop("Reason"),
        description="Rejection reason code (see the report's `rejection_reasons`).",
    )
    note: Note


class MergeIn(ActionSchema):
    """Gộp: this report duplicates another; its reporter then follows the original."""

    action: Literal["merge"]
    into: str = Field(
        ...,
        title=gettext_noop("Tracking code of the original report"),
        description="Tracking code of the original report.",
    )
    note: Note


class RequestInfoIn(ActionSchema):
    """Yêu cầu bổ sung: ask the reporter; every running deadline pauses until they answer."""

    action: Literal["request_info"]
    question: Required = Field(title=gettext_noop("Question to the reporter"))


class DispatchIn(ActionSchema):
    """Chuyển xử lý: the IOC to any unit, or a unit further down its own subtree."""

    action: Literal["dispatch"]
    unit: int = Field(..., title=gettext_noop("Lead unit"), description="Id of the lead unit.")
    cooperating_units: list[int] = Field(
        default_factory=list, title=gettext_noop("Cooperating units"), description="Ids of cooperating units."
    )
    deadline: datetime | None = Field(
        None,
        title=gettext_noop("Handling deadline"),
        description="Handling deadline; default from the deadline rules.",
    )
    note: Note
    suggested: Suggested


class ReturnIn(ActionSchema):
    """Chuyển trả: not this unit's matter; back to whoever dispatched it."""

    action: Literal["return"]
    reason: Required = Field(title=gettext_noop("Why is this not your unit's matter?"))
    suggested_unit: int | None = Field(
        None, title=gettext_noop("Suggested unit"), description="Id of the unit that should handle it."
    )


class AssignIn(ActionSchema):
    """Phân công: give the report to a handler inside the unit."""

    action: Literal["assign"]
    handler: int = Field(
        ..., title=gettext_noop("Handler"), description="Id of a staff account of the lead unit's subtree."
    )
    note: Note


class RequestExtensionIn(ActionSchema):
    """Xin gia hạn: ask the dispatcher for a later handling deadline."""

    action: Literal["request_extension"]
    deadline: datetime = Field(
        ..., title=gettext_noop("New deadline"), description="The new deadline asked for."
    )
    reason: Required = Field(title=gettext_noop("Reason"))


class DecideExtensionIn(ActionSchema):
    """Duyệt gia hạn: grant (possibly another date) or refuse the pending request."""

    action: Literal["decide_extension"]
    approve: bool = Field(title=gettext_noop("Decision"))
    deadline: datetime | None = Field(
        None,
        title=gettext_noop("Grant another date"),
        description="Grant this date instead of the one asked for.",
    )
    note: Note


class SubmitResultIn(ActionSchema):
    """Báo cáo kết quả: what was done; photos and documents go as multipart files."""

    action: Literal["submit_result"]
    result: Required = Field(title=gettext_noop("What was done"))


class ApproveResultIn(ActionSchema):
    """Lãnh đạo duyệt: approve the unit's result, or send it back to the handler (note needed)."""

    action: Literal["approve_result"]
    approve: bool = Field(True, title=gettext_noop("Decision"))
    note: Note


class VerifyIn(ActionSchema):
    """Kiểm tra kết quả: the IOC accepts the result."""

    action: Literal["verify"]
    note: Note


class ReworkIn(ActionSchema):
    """Yêu cầu xử lý lại: the IOC sends the result back to the unit."""

    action: Literal["rework"]
    reason: Required = Field(title=gettext_noop("What must be done again"))


PublicText = Annotated[str, BeforeValidator(_clean), Field(max_length=5000)]


class RedactedTexts(Schema):
    """The public copy of the report's texts; a text left out keeps what is proposed (the copy
    published before, else the original)."""

    title: PublicText | None = Field(None, max_length=200, description="The title as published.")
    description: PublicText | None = Field(None, description="The description as published.")
    address: PublicText | None = Field(None, max_length=300, description="The address as published.")
    result: PublicText | None = Field(None, description="The handling unit's result as published.")
    questions: dict[int, PublicText] = Field(
        default_factory=dict,
        description="Questions asked of the reporter, as the public timeline shows them: event id → text.",
    )


class Rectangle(Schema):
    """A rectangle blacked out on the public copy of a photo, in fractions of its width and height."""

    x: float = Field(..., ge=0, le=1, description="Left edge, 0 to 1.")
    y: float = Field(..., ge=0, le=1, description="Top edge, 0 to 1.")
    width: float = Field(..., gt=0, le=1)
    height: float = Field(..., gt=0, le=1)


class PhotoChoice(Schema):
    """Whether one photo is published, and what is blacked out on its public copy."""

    id: int = Field(..., description="The attachment's id.")
    public: bool = Field(True, description="false: the photo stays private.")
    rectangles: list[Rectangle] = Field(default_factory=list, max_length=50)


class PublishIn(ActionSchema):
    """Công khai: publish on the portal without personal data, or keep it private.

    What is published is a copy: `redacted` texts and `public_photos` (see GET
    /reports/{code}/publication for what is proposed and what looks like personal data). The
    server looks for personal data in the texts again; if some is left, publishing needs
    `confirm_personal_data` (422 `personal_data_remaining` otherwise).
    """

    action: Literal["publish"]
    public: bool = Field(True, title=gettext_noop("Publication"))
    note: Note
    redacted: RedactedTexts | None = Field(
        None,
        title=gettext_noop("What the public will read"),
        description="The texts as the public will read them.",
    )
    public_photos: list[PhotoChoice] | None = Field(
        None,
        title=gettext_noop("Photos the public will see"),
        description="Each photo that may be published; one left out keeps what is proposed.",
    )
    confirm_personal_data: bool = Field(
        False,
        title=gettext_noop("I have checked: what is still highlighted is not personal data"),
        description="Publish although the texts still hold what looks like personal data.",
    )


class CloseIn(ActionSchema):
    """Đóng: nothing more happens unless it is reopened."""

    action: Literal["close"]
    note: Note


class ReopenIn(ActionSchema):
    """Mở lại: after an unsatisfied rating, or a mistake."""

    action: Literal["reopen"]
    reason: Required = Field(title=gettext_noop("Reason"))


class RevealContactIn(ActionSchema):
    """Cho đơn vị xem thông tin người phản ánh: the IOC lets one unit see the reporter's contact."""

    action: Literal["reveal_contact"]
    unit: int = Field(
        ..., title=gettext_noop("Unit"), description="Id of the unit that may see the reporter's contact."
    )
    reason: Required = Field(title=gettext_noop("Reason"))

    required_messages: ClassVar[dict] = {"reason": gettext_lazy("Give a reason.")}


class ProvideInfoIn(ActionSchema):
    """Bổ sung thông tin: the reporter answers the question asked; the deadlines run again."""

    action: Literal["provide_info"]
    text: ReporterText = Field(
        ...,
        min_length=1,
        json_schema_extra=NOT_BLANK,
        title=gettext_noop("Your answer"),
        description="The answer (at most 5,000 characters).",
    )

    required_messages: ClassVar[dict] = {"text": gettext_lazy("Write your answer.")}


class RateIn(ActionSchema):
    """Đánh giá: the reporter rates the result, once for each closure; the comment stays internal."""

    action: Literal["rate"]
    value: RatingValue = Field(
        ...,
        title=gettext_noop("Rating"),
        description="`satisfied` (Hài lòng), `acceptable` (Chấp nhận) or `unsatisfied` (Không hài lòng).",
    )
    comment: ReporterText = Field(
        "", title=gettext_noop("Comment (optional)"), description="Read by the IOC, never published."
    )


class DismissReviewIn(ActionSchema):
    """Giữ nguyên kết quả: after an unsatisfied rating, the IOC keeps the report closed and says why."""

    action: Literal["dismiss_review"]
    note: Required = Field(title=gettext_noop("Why does the report stay closed?"))

    required_messages: ClassVar[dict] = {"note": gettext_lazy("Say why the report stays closed.")}


ACTION_SCHEMAS = {
    schema.model_fields["action"].annotation.__args__[0]: schema
    for schema in (
        AcceptIn,
        RejectIn,
        MergeIn,
        RequestInfoIn,
        DispatchIn,
        ReturnIn,
        AssignIn,
        RequestExtensionIn,
        DecideExtensionIn,
        SubmitResultIn,
        ApproveResultIn,
        VerifyIn,
        ReworkIn,
        PublishIn,
        CloseIn,
        ReopenIn,
        RevealContactIn,
        ProvideInfoIn,
        RateIn,
        DismissReviewIn,
    )
}

ActionIn = Annotated[
    AcceptIn
    | RejectIn
    | MergeIn
    | RequestInfoIn
    | DispatchIn
    | ReturnIn
    | AssignIn
    | RequestExtensionIn
    | DecideExtensionIn
    | SubmitResultIn
    | ApproveResultIn
    | VerifyIn
    | ReworkIn
    | PublishIn
    | CloseIn
    | ReopenIn
    | RevealContactIn
    | ProvideInfoIn
    | RateIn
    | DismissReviewIn,
    Field(discriminator="action"),
]
action_adapter = TypeAdapter(ActionIn)
