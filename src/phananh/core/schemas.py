"""API schemas every app shares, and the way a schema the API reads by hand is documented."""

from ninja import Field, Schema
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema


class ProblemOut(Schema):
    """One problem of a refused request, with its own code."""

    field: str = Field(..., description="The field it concerns, or `payload` for the request as a whole.")
    code: str
    message: str


class ErrorOut(Schema):
    """Every 4xx answer: a stable code for programs, a message for people, and per-field messages."""

    code: str = Field(..., description="Stable, for programs: e.g. `invalid_input`, `report_not_found`.")
    message: str = Field(..., description="For people, in the language asked for (Vietnamese by default).")
    fields: dict[str, list[str]] = Field(..., description="Messages by field name; empty when none applies.")
    errors: list[ProblemOut] = Field(
        default_factory=list,
        description="Each problem with its own code, when some fields were refused; absent otherwise.",
    )


def documented(model: type[Schema]) -> tuple[dict, dict]:
    """The JSON schema of a body an endpoint reads itself, and the component schemas it names.

    Pydantic names the models and enums a schema uses under its own `$defs`, which an OpenAPI
    document cannot resolve (`#/$defs/...` points at the document's root); here they are named
    as components, for the API to publish beside Ninja's own (`PhanAnhAPI.extra_schemas`).
    """
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema)
    return schema, schema.pop("$defs", {})


class ConflictOut(ErrorOut):
    """A 409: the report's status does not allow the request now."""

    status: str = Field(..., description="The report's current status.")


def rules(**codes: str) -> dict:
    """The `openapi_extra` of an operation whose input may fit its schema and still break a rule.

    Such a rule ties fields together or depends on what is stored (a unit that exists, the
    report's deadline): no JSON schema can state it, so the 422 answer names each rule's code
    in its description and, for programs, in `x-rule-codes`.
    """
    words = "; ".join(f"`{code}`: {meaning}" for code, meaning in codes.items())
    answer = {
        "description": f"Some input is missing or not valid, or breaks a rule ({words}).",
        "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="ErrorOut")}}},
        "x-rule-codes": sorted(codes),
    }
    return {"responses": {422: answer}}
