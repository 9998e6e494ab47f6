"""Open311 GeoReport v2 at /open311/v2/: the fields as services, reports as service requests.

Every answer is JSON or XML by the extension of the address (`requests.json`, `requests.xml`);
lists are bare arrays, errors too (`[{"code": 400, "description": "..."}]`). See docs/open311.md.
"""

from __future__ import annotations

import functools
import logging

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from phananh.core.errors import ApplicationError
from phananh.reports.models import Category, QuestionKind

from . import params, selectors
from .render import FORMATS, Open311Error, error_response, respond
from .submission import request_submit, update_submit

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Open311's data types for each kind of question.
DATATYPES = {
    QuestionKind.TEXT: "text",
    QuestionKind.NUMBER: "number",
    QuestionKind.SINGLE: "singlevaluelist",
    QuestionKind.MULTIPLE: "multivaluelist",
}


def _status(error: ApplicationError) -> int:
    # A wrong input is the specification's 400 whatever our own API would answer (422).
    return 400 if error.status == 422 else error.status


def open311(*methods: str):
    """A GeoReport v2 view: its format from the address, its errors in the spec's shape."""

    def decorate(view):
        @csrf_exempt  # called by other systems with an api_key, never by a browser's session
        @functools.wraps(view)
        def wrapped(request, fmt: str, *args, **kwargs):
            try:
                if fmt not in FORMATS:
                    raise Open311Error(404, _("Use the extension .json or .xml."))
                if request.method not in methods:
                    raise Open311Error(405, _("This method is not allowed here."))
                params.check_jurisdiction(request.GET if request.method == "GET" else request.POST)
                return view(request, fmt, *args, **kwargs)
            except Open311Error as error:
                return error_response(fmt, error)
            except ApplicationError as error:
                descriptions = [f"{e['field']}: {e['message']}" for e in error.errors] or [error.message]
                return error_response(
                    fmt, Open311Error(_status(error), descriptions[0], more=descriptions[1:])
                )

        return wrapped

    return decorate


def _requests_response(fmt: str, items: list[dict]) -> HttpResponse:
    return respond(fmt, items, root="service_requests", item="request")


@open311("GET")
def discovery(request, fmt: str):
    base = request.build_absolute_uri(reverse("open311:discovery", args=["json"])).rsplit("/", 1)[0] + "/"
    return respond(
        fmt,
        {
            "changeset": "2026-12-01T00:00:00+07:00",
            "contact": request.build_absolute_uri("/"),
            "key_service": _("API keys are issued by the province's operations centre (IOC)."),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": "2026-12-01T00:00:00+07:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
        root="discovery",
        item=None,
    )


def _service(category: Category, has_questions: bool) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": has_questions,
        "type": "realtime",
        "keywords": "",
        "group": "",
    }


@open311("GET")
def services(request, fmt: str):
    categories = Category.objects.filter(is_active=True).order_by("sort_order", "name")
    asking = set(
        Category.objects.filter(is_active=True, questions__is_active=True).values_list("pk", flat=True)
    )
    items = [_service(category, category.pk in asking) for category in categories]
    return respond(fmt, items, root="services", item="service")


@open311("GET")
def service_definition(request, fmt: str, service_code: str):
    category = Category.objects.filter(code=service_code, is_active=True).first()
    if category is None:
        raise Open311Error(404, _("There is no such service_code."))
    attributes = []
    for order, question in enumerate(
        category.questions.filter(is_active=True).order_by("sort_order", "id"), 1
    ):
        attribute = {
            "variable": True,
            "code": question.code,
            "datatype": DATATYPES[question.kind],
            "required": question.required,
            "datatype_description": question.help_text,
            "order": order,
            "description": question.label,
        }
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            attribute["values"] = [{"key": key, "name": name} for key, name in question.options()]
        attributes.append(attribute)
    definition = {"service_code": category.code, "attributes": attributes}
    return respond(fmt, definition, root="service_definition", item=None)


@open311("GET", "POST")
def service_requests(request, fmt: str):
    if request.method == "POST":
        report = request_submit(request)
        answer = [{"service_request_id": report.tracking_code, "service_notice": "", "account_id": None}]
        return _requests_response(fmt, answer)
    query = request.GET
    client = params.client(query, required=False)
    reports = selectors.visible_reports(client)
    codes = params.ids(query)
    if codes is not None:  # the ids override every other parameter (the specification)
        reports = reports.filter(tracking_code__in=codes)
    else:
        start, end = params.window(query)
        reports = reports.filter(created_at__gte=start, created_at__lte=end)
        if service_codes := [c.strip() for c in query.get("service_code", "").split(",") if c.strip()]:
            known = set(Category.objects.filter(code__in=service_codes).values_list("code", flat=True))
            if unknown := [c for c in service_codes if c not in known]:
                raise params.bad(
                    "service_code", _("There is no such service_code: %(code)s.") % {"code": unknown[0]}
                )
            reports = reports.filter(category__code__in=service_codes)
        if chosen := params.statuses(query):
            allowed = {s for name in chosen for s in selectors.statuses_for(name)}
            reports = reports.filter(status__in=allowed)
    found = selectors.with_details(reports.order_by("-created_at", "-id"))[: params.PAGE_CAP]
    return _requests_response(fmt, selectors.request_items(request, found))


def _one_report(request, code: str):
    client = params.client(request.GET, required=False)
    tracking_code = params.normalise_tracking_code(code)
    report = None
    if tracking_code:
        found = selectors.visible_reports(client).filter(tracking_code=tracking_code)
        report = selectors.with_details(found).first()
    if report is None:
        raise Open311Error(404, _("There is no such service_request_id."))
    return report


@open311("GET")
def service_request(request, fmt: str, service_request_id: str):
    report = _one_report(request, service_request_id)
    return _requests_response(fmt, selectors.request_items(request, [report]))


@open311("GET")
def token(request, fmt: str, token: str):
    """Our ids are given at once: a token is the tracking code itself (docs/open311.md)."""
    report = _one_report(request, token)
    return _requests_response(fmt, [{"service_request_id": report.tracking_code, "token": token}])


@open311("GET", "POST")
def service_request_updates(request, fmt: str):
    if request.method == "POST":
        update_id = update_submit(request)
        answer = [{"update_id": update_id}]
        return respond(fmt, answer, root="service_request_updates", item="request_update")
    query = request.GET
    client = params.client(query, required=False)
    reports = selectors.visible_reports(client)
    codes = params.ids(query)
    if codes is not None:
        reports = reports.filter(tracking_code__in=codes)
    start, end = params.window(query)
    events = selectors.public_updates(reports, start=start, end=end, limit=params.PAGE_CAP)
    photos = selectors.first_public_photos(request, list({e.report_id: e.report for e in events}.values()))
    items = [selectors.update_item(event, photos.get(event.report_id)) for event in events]
    return respond(fmt, items, root="service_request_updates", item="request_update")
