"""The report page and its actions.

One view serves the whole page or, for an htmx request, only the report panel. Every action
posts to `report_action`, which reads the form and calls the transition service; what is
allowed and what happens is decided there, never here. An error re-renders the panel with the
message next to its field, with the error's status (422, 409, 403...).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phananh.core.errors import ApplicationError
from phananh.org.access import can_see, is_ioc
from phananh.org.models import Unit
from phananh.reports.redaction import find_personal_data
from phananh.workflow import services
from phananh.workflow.actions import ACTIONS

from ..decorators import is_htmx, staff_required
from ..forms import read_action
from ..panel import panel_context, visible_report

# The header the page's script looks for before it swaps an error answer into the page.
PANEL_HEADER = "X-Report-Panel"


def _render(request, report, *, status: int = 200, **panel) -> HttpResponse:
    context = panel_context(request.user, report, **panel)
    if is_htmx(request):
        response = render(request, "backoffice/_panel.html", context, status=status)
        response[PANEL_HEADER] = "1"
        return response
    return render(request, "backoffice/report.html", context, status=status)


def _after_success(request, report, message: str) -> HttpResponse:
    """Plain POST: redirect (and the message waits in the session). htmx: the new panel."""
    if not can_see(request.user, report):
        # The action took the report out of this person's sight: back to their list.
        messages.success(request, message)
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("backoffice:home")
            return response
        return redirect("backoffice:home")
    if is_htmx(request):
        return _render(
            request, visible_report(request.user, report.tracking_code), message=message, level="ok"
        )
    messages.success(request, message)
    return redirect("backoffice:report", tracking_code=report.tracking_code)


def _failed(request, tracking_code: str, exc: ApplicationError, failed: str, post) -> HttpResponse:
    # Read again: after a 409 the page must show the status the report has now.
    report = visible_report(request.user, tracking_code)
    # Each field's message sits next to its input; above the form, one line says so.
    message = _("Some information is missing or not valid.") if exc.fields else exc.message
    return _render(
        request,
        report,
        status=exc.status,
        failed=failed,
        values=post,
        errors=exc.fields,
        message=message,
        level="error",
    )


@staff_required
@require_GET
def report_detail(request, tracking_code: str):
    """Trang phản ánh: everything about one report, and the forms of what this person may do now."""
    return _render(request, visible_report(request.user, tracking_code))


def _seen_version(report, posted: str) -> None:
    # The version the person saw when the page was drawn: if someone acted since, the
    # service's compare-and-swap refuses with a 409 instead of acting on a page out of date.
    if posted.isdigit():
        report.version = int(posted)


# What the page says after an action succeeds, when it says more than "Done: <action>.".
def _revealed(event) -> str:
    unit = Unit.objects.get(pk=event.data["unit"])
    return _("The reporter's contact details were revealed to %(unit)s.") % {"unit": unit.name}


DONE_MESSAGES = {
    "reveal_contact": _revealed,
    "dismiss_review": lambda event: _("The report stays closed."),
}


def _done(action: str, event) -> str:
    if action in DONE_MESSAGES:
        return DONE_MESSAGES[action](event)
    return _("Done: %(action)s.") % {"action": ACTIONS[action].label}


def _take(request, report, action: str, post) -> HttpResponse:
    """Hand the posted form to the transition service; an error re-renders the panel."""
    posted = read_action(action, post=post, files=request.FILES)
    _seen_version(report, post.get("version", ""))
    try:
        event = services.transition(
            report=report,
            actor=request.user,
            action=action,
            data=posted.data,
            photos=posted.photos,
            documents=posted.documents,
        )
    except ApplicationError as exc:
        return _failed(request, report.tracking_code, exc, action, post)
    return _after_success(request, report, _done(action, event))


@staff_required
@require_http_methods(["GET", "POST"])
def report_action(request, tracking_code: str, action: str):
    if action not in ACTIONS:
        raise Http404
    report = visible_report(request.user, tracking_code)
    if request.method == "GET":
        return redirect("backoffice:report", tracking_code=report.tracking_code)
    return _take(request, report, action, request.POST)


# A check of the public copy reads at most this many texts of this many characters.
CHECK_TEXTS, CHECK_CHARS = 60, 5000


@staff_required
@require_POST
def publish_check(request, tracking_code: str):
    """Kiểm tra bản công khai: what still looks like personal data in the texts being edited.

    The publish form's script asks as the operator edits ({"texts": {key: text}}), so that the
    highlights follow the text; the publication itself checks again on the server.
    """
    report = visible_report(request.user, tracking_code)
    if not is_ioc(request.user):
        return JsonResponse(
            {"code": "forbidden", "message": _("Your role cannot take this action.")}, status=403
        )
    try:
        texts = json.loads(request.body or b"{}").get("texts", {})
    except (ValueError, AttributeError):
        texts = None
    if not isinstance(texts, dict) or len(texts) > CHECK_TEXTS:
        message = _("Some information is missing or not valid.")
        return JsonResponse({"code": "invalid_input", "message": message}, status=422)
    spans = {
        str(key): [s.as_dict() for s in find_personal_data(text[:CHECK_CHARS])]
        for key, text in texts.items()
        if isinstance(text, str)
    }
    response = JsonResponse({"tracking_code": report.tracking_code, "spans": spans})
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def contact_reveal(request, tracking_code: str):
    """The earlier address of `reveal_contact`: to the lead unit unless the form names a unit."""
    report = visible_report(request.user, tracking_code)
    post = request.POST.copy()
    if not post.get("unit") and report.lead_unit_id:
        post["unit"] = str(report.lead_unit_id)
    return _take(request, report, "reveal_contact", post)


@staff_required
@require_POST
def review_dismiss(request, tracking_code: str):
    """The earlier address of `dismiss_review`."""
    return _take(request, visible_report(request.user, tracking_code), "dismiss_review", request.POST)
