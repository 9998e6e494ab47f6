"""The JSON API, versioned under /api/v1/: each app's Ninja router, and one error format.

Every error answers `{"code": "...", "message": "...", "fields": {...}}` with a 4xx status;
`code` is stable for programs, `message` is for people (Vietnamese by default). The statuses
any operation may answer (an unreadable body, invalid input, no token, a body too large) are
documented on every operation here, once, beside those the operation declares itself.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from phananh.calls.api import OPENAPI_SCHEMAS as CALLS_SCHEMAS
from phananh.calls.api import router as calls_router
from phananh.core.errors import ApplicationError
from phananh.core.schemas import ErrorOut, documented
from phananh.org.api import router as auth_router
from phananh.portal.api import router as public_router
from phananh.portal.reporter_api import OPENAPI_SCHEMAS as REPORTER_SCHEMAS
from phananh.portal.reporter_api import router as reporter_router
from phananh.reports.api import router as reports_router
from phananh.stats.api import router as stats_router
from phananh.triage.api import router as triage_router
from phananh.workflow.api import OPENAPI_SCHEMAS as WORKFLOW_SCHEMAS
from phananh.workflow.api import router as staff_router

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
# What any operation may answer besides its own answers, and when.
COMMON_ANSWERS = {
    400: (
        "body",
        "The body cannot be read: not JSON (`malformed_json`) or a broken form (`malformed_request`).",
    ),
    401: (
        "security",
        "No bearer token, or one that was revoked or whose account cannot act (`unauthorised`).",
    ),
    413: ("always", "The request is larger than the server accepts (`request_too_large`)."),
    422: ("input", "Some input is missing or not valid: `fields` and `errors` say which."),
}


def _takes_input(operation: dict) -> bool:
    # A text path parameter always reads; a number, a query parameter or a body may be refused.
    parameters = operation.get("parameters", [])
    return "requestBody" in operation or any(
        p["in"] != "path" or p.get("schema", {}).get("type") != "string" for p in parameters
    )


def add_common_answers(operation: dict) -> None:
    """Document on one operation the error answers that do not depend on the operation."""
    applies = {
        "always": True,
        "body": "requestBody" in operation,
        "security": bool(operation.get("security")),
        "input": _takes_input(operation),
    }
    responses = operation.setdefault("responses", {})
    for status, (when, description) in COMMON_ANSWERS.items():
        if applies[when] and status not in responses and str(status) not in responses:
            responses[status] = {
                "description": description,
                "content": {"application/json": {"schema": ERROR_REF}},
            }


class PhanAnhAPI(NinjaAPI):
    """NinjaAPI that documents the common error answers on every operation, and publishes the
    schemas an operation names only in its `openapi_extra`.

    The workflow's action endpoint reads JSON or multipart itself, so Ninja does not see its
    body model; the actions' discriminated union (`ActionIn`) is added to the components here.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_schemas: dict[str, dict] = {}

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema["components"]["schemas"]
        components.update(self.extra_schemas)
        error, parts = documented(ErrorOut)
        for name, part in {**parts, "ErrorOut": error}.items():
            components.setdefault(name, part)
        for operations in schema["paths"].values():
            for operation in operations.values():
                add_common_answers(operation)
        return schema


api = PhanAnhAPI(
    title="PhanAnh API",
    version="1",
    description=(
        "Tiếp nhận và xử lý phản ánh, kiến nghị — API phiên bản 1. "
        "Receiving and processing citizens' reports — version 1."
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", reports_router)
api.add_router("/", reporter_router)
api.add_router("/auth", auth_router)
api.add_router("/staff", staff_router)
api.add_router("/stats", stats_router)
api.add_router("/", public_router)
api.add_router("/", calls_router)
api.add_router("/admin/triage", triage_router)
api.extra_schemas.update(WORKFLOW_SCHEMAS)
api.extra_schemas.update(REPORTER_SCHEMAS)
api.extra_schemas.update(CALLS_SCHEMAS)


def error_response(request, status: int, code: str, message: str, fields=None, errors=None):
    body = {"code": code, "message": str(message), "fields": fields or {}}
    if errors:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(loc) or "request", []).append(err.get("msg", ""))
    return error_response(
        request, 422, "invalid_input", _("Some information is missing or not valid."), fields
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(AuthenticationError)
def unauthorised(request, exc):
    return error_response(request, 401, "unauthorised", _("Sign in first."))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    if exc.status_code == 400:  # Ninja could not parse the body of an operation it reads itself
        return error_response(request, 400, "malformed_json", _("The body is not valid JSON."))
    return error_response(request, exc.status_code, "http_error", str(exc))
