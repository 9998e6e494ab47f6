"""Administrators' API of the suggestions: training a new model on demand."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from phananh.core.errors import Conflict, Forbidden
from phananh.core.schemas import ErrorOut
from phananh.org.auth import staff_token
from phananh.org.models import Role

from . import services

router = Router(tags=["admin"], auth=staff_token)


class EvaluationOut(Schema):
    tested: int = Field(0, description="Decisions held out (the newest part): the model never saw them.")
    trained_on: int = Field(0, description="Decisions the evaluated model was trained on (the older part).")
    field_top1: float | None = None
    field_top3: float | None = None
    unit_top1: float | None = Field(None, description="At reception: the field not chosen yet.")
    unit_top3: float | None = None
    unit_for_field_top1: float | None = Field(None, description="At dispatch: the IOC's field given.")
    unit_for_field_top3: float | None = None
    urgent_recall: float | None = None
    urgent_precision: float | None = None


class TrainedOut(Schema):
    version: str
    trained_at: datetime
    examples: int = Field(..., description="Examples trained on: decisions and cold-start examples.")
    decisions: int = Field(..., description="The IOC's decisions among them.")
    evaluation: EvaluationOut = Field(
        ..., description="On a time split: trained on the older 80% of decisions, tested on the newest 20%."
    )


@router.post(
    "/train",
    response={200: TrainedOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    summary="Train the suggestions again now",
)
def train(request):
    """Huấn luyện lại: fit the field, unit and urgency suggestions on every decision so far.

    Administrators only. The new model becomes the current one on every node at once. The
    evaluation is empty while there are fewer than 10 decisions. 409 while another training runs.
    """
    user = request.auth
    if not (user.role == Role.ADMIN or user.is_superuser):
        raise Forbidden("forbidden", _("Only administrators can train the suggestions."))
    model = services.train_now()
    if model is None:
        raise Conflict("training_running", _("A training is already running; try again in a few minutes."))
    return {
        "version": model.version,
        "trained_at": model.trained_at,
        "examples": model.examples,
        "decisions": model.decisions,
        "evaluation": model.evaluation,
    }
