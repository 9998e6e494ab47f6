"""The payload of each workflow action: one schema per action, shared by the API and the pages.

The API takes `{"action": NAME, ...}`; `action` picks the schema (a discriminated union), so
every field of every action is documented in the OpenAPI.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import TypeAdapter

from phananh.reports.statuses import Urgency

Note = Annotated[str, Field("", max_length=5000, description="Free text written on the timeline.")]
Required = Annotated[str, Field(..., min_length=1, max_length=5000)]


class AcceptIn(Schema):
    """Tiếp nhận: classify the report; with `lead_unit`, dispatch it at once."""

    action: Literal["accept"]
    category: str = Field(..., description="Field code (GET /api/v1/categories).")
    urgency: Urgency = Field(Urgency.NORMAL, description="normal, complex or urgent (short deadlines).")
    lead_unit: int | None = Field(None, description="Unit id: dispatch to this unit in the same step.")
    cooperating_units: list[int] = Field(default_factory=list, description="Unit ids that cooperate.")
    note: Note


class RejectIn(Schema):
    """Không tiếp nhận: refuse with a reason from the list administrators manage."""

    action: Literal["reject"]
    reason: str = Field(..., description="Rejection reason code (see the report's `rejection_reasons`).")
    note: Note


class MergeIn(Schema):
    """Gộp: this report duplicates another; its reporter then follows the original."""

    action: Literal["merge"]
    into: str = Field(..., description="Tracking code of the original report.")
    note: Note


class RequestInfoIn(Schema):
    """Yêu cầu bổ sung: ask the reporter; every running deadline pauses until they answer."""

    action: Literal["request_info"]
    question: Required


class DispatchIn(Schema):
    """Chuyển xử lý: the IOC to any unit, or a unit further down its own subtree."""

    action: Literal["dispatch"]
    unit: int = Field(..., description="Id of the lead unit.")
    cooperating_units: list[int] = Field(default_factory=list, description="Ids of cooperating units.")
    deadline: datetime | None = Field(None, description="Handling deadline; default from the deadline rules.")
    note: Note


class ReturnIn(Schema):
    """Chuyển trả: not this unit's matter; back to whoever dispatched it."""

    action: Literal["return"]
    reason: Required
    suggested_unit: int | None = Field(None, description="Id of the unit that should handle it.")


class AssignIn(Schema):
    """Phân công: give the report to a handler inside the unit."""

    action: Literal["assign"]
    handler: int = Field(..., description="Id of a staff account of the lead unit's subtree.")
    note: Note


class RequestExtensionIn(Schema):
    """Xin gia hạn: ask the dispatcher for a later handling deadline."""

    action: Literal["request_extension"]
    deadline: datetime = Field(..., description="The new deadline asked for.")
    reason: Required


class DecideExtensionIn(Schema):
    """Duyệt gia hạn: grant (possibly another date) or refuse the pending request."""

    action: Literal["decide_extension"]
    approve: bool
    deadline: datetime | None = Field(None, description="Grant this date instead of the one asked for.")
    note: Note


class SubmitResultIn(Schema):
    """Báo cáo kết quả: what was done; photos and documents go as multipart files."""

    action: Literal["submit_result"]
    result: Required


class ApproveResultIn(Schema):
    """Lãnh đạo duyệt: approve the unit's result, or send it back to the handler (note needed)."""

    action: Literal["approve_result"]
    approve: bool = True
    note: Note


class VerifyIn(Schema):
    """Kiểm tra kết quả: the IOC accepts the result."""

    action: Literal["verify"]
    note: Note


class ReworkIn(Schema):
    """Yêu cầu xử lý lại: the IOC sends the result back to the unit."""

    action: Literal["rework"]
    reason: Required


class PublishIn(Schema):
    """Công khai: publish on the portal without personal data, or keep it private."""

    action: Literal["publish"]
    public: bool = True
    note: Note


class CloseIn(Schema):
    """Đóng: nothing more happens unless it is reopened."""

    action: Literal["close"]
    note: Note


class ReopenIn(Schema):
    """Mở lại: after an unsatisfied rating, or a mistake."""

    action: Literal["reopen"]
    reason: Required


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
    | ReopenIn,
    Field(discriminator="action"),
]
action_adapter = TypeAdapter(ActionIn)
