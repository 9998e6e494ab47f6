"""The JSON API, versioned under /api/v1/: each app's Ninja router, and one error format.

Every error answers `{"code": "...", "message": "...", "fields": {...}}` with a 4xx status;
`code` is stable for programs, `message` is for people (Vietnamese by default).
"""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from phananh.core.errors import ApplicationError
from phananh.org.api import router as auth_router
from phananh.portal.api import router as public_router
from phananh.portal.reporter_api import router as reporter_router
from phananh.reports.api import router as reports_router
from phananh.stats.api import router as stats_router
from phananh.workflow.api import OPENAPI_SCHEMAS as WORKFLOW_SCHEMAS
from phananh.workflow.api import router as staff_router


class PhanAnhAPI(NinjaAPI):
    """NinjaAPI that also publishes schemas an operation names only in its `openapi_extra`.

    The workflow's action endpoint reads JSON or multipart itself, so Ninja does not see its
    body model; the actions' discriminated union (`ActionIn`) is added to the components here.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_schemas: dict[str, dict] = {}

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"]["schemas"].update(self.extra_schemas)
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
api.extra_schemas.update(WORKFLOW_SCHEMAS)


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
    return error_response(request, exc.status_code, "http_error", str(exc))
