"""Tổng đài: the call-centre agent's page, the call log, and verification calls.

The agent's page looks a caller up by number (their earlier reports and calls) or a report by
its tracking code, shows the calls ringing now (asked every few seconds), and takes a report
for the caller in one form that the keyboard alone fills.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phananh.calls.models import Call, CallOutcome, Direction
from phananh.calls.selectors import call_log, caller_history, live_calls
from phananh.calls.services import call_record, call_update, hotline_report_submit, verification_call_start
from phananh.core.errors import ValidationFailed
from phananh.org.access import CONTACT_ROLES
from phananh.reports.codes import normalise_tracking_code
from phananh.reports.intake import normalise_phone
from phananh.reports.models import Category, Report, ReportKind
from phananh.reports.questions import posted_answers, question_groups

from ..decorators import staff_required
from ..panel import visible_report

# The form's fields, in the order the Tab key walks them.
REPORT_FIELDS = ("reporter_phone", "reporter_name", "description", "address", "category", "kind", "title")


def _agent_only(view):
    """The call centre's pages: the IOC's staff who see reporters' contacts (agents, operators)."""

    @staff_required
    def wrapper(request, *args, **kwargs):
        if request.user.role not in CONTACT_ROLES:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _lookup(query: str) -> dict:
    """A tracking code finds its report; anything else is read as a caller's number."""
    query = query.strip()
    if not query:
        return {}
    code = normalise_tracking_code(query)
    if code:
        return {"found_report": Report.objects.filter(tracking_code=code).first(), "looked_for_code": code}
    if normalise_phone(query) is None:
        return {"lookup_error": _("Enter a phone number (e.g. 0912 345 678) or a tracking code (PA-26-…).")}
    return {"history": caller_history(query)}


def _page(request, *, form=None, errors=None, created=None, status=200, post=None):
    query = request.GET.get("q", "")
    lookup = _lookup(query)
    number = lookup["history"].number if "history" in lookup else ""
    form = form or {"reporter_phone": number, "kind": ReportKind.FIELD, "call": request.GET.get("call", "")}
    context = {
        "query": query,
        **lookup,
        "form": form,
        "errors": errors or {},
        "created": created,
        "categories": Category.objects.filter(is_active=True).order_by("name"),
        # The chosen field's extra questions (reports/questions.js shows them).
        "question_groups": question_groups(post, form.get("category") or "", errors or {}),
        "kinds": ReportKind.choices,
        "live": live_calls(request.user),
        "poll_seconds": settings.PHANANH_CALLS_POLL_SECONDS,
    }
    return render(request, "backoffice/calls.html", context, status=status)


@_agent_only
@require_GET
def calls_page(request):
    """Trang tổng đài viên: look a caller up, see who is calling, take a report."""
    return _page(request)


@_agent_only
@require_GET
def calls_live(request):
    """The calls ringing now, with each caller's history: the part the page asks for again."""
    live = [(call, caller_history(call.number)) for call in live_calls(request.user)]
    return render(request, "backoffice/_calls_live.html", {"live_history": live})


@_agent_only
@require_POST
def calls_report(request):
    """Tạo phản ánh qua tổng đài: the report the agent typed for the caller."""
    raw = {name: request.POST.get(name, "") for name in REPORT_FIELDS}
    # A box left unticked is not sent at all: it says "no", not "not answered".
    raw["consent"] = "true" if request.POST.get("consent") else "false"
    raw["public"] = "true" if request.POST.get("public") else "false"
    raw["category"] = raw["category"] or None
    raw["answers"] = posted_answers(request.POST, raw["category"] or "")
    form = {**raw, "call": request.POST.get("call", "")}
    call = None
    if (call_id := form["call"]).isdigit():
        call = Call.objects.filter(pk=int(call_id)).first()
    try:
        submitted = hotline_report_submit(agent=request.user, raw=raw, call=call)
    except ValidationFailed as exc:
        return _page(request, form=form, errors=exc.fields, status=422, post=request.POST)
    return _page(request, created=submitted)


def _outcomes():
    return CallOutcome.objects.filter(is_active=True)


def _call_form(post) -> tuple[dict, dict]:
    """The fields of a call the agent logs or completes: clean values, or messages by field."""
    errors: dict[str, list[str]] = {}
    values: dict = {"note": post.get("note", "").strip()[:2000]}
    minutes = post.get("duration_minutes", "").strip().replace(",", ".")
    values["duration_seconds"] = None
    if minutes:
        try:
            values["duration_seconds"] = round(float(minutes) * 60)
        except ValueError:
            errors["duration_minutes"] = [_("Enter the duration in minutes, e.g. 2 or 2.5.")]
        else:
            if not 0 <= values["duration_seconds"] <= 24 * 3600:
                errors["duration_minutes"] = [_("Enter the duration in minutes, e.g. 2 or 2.5.")]
    values["outcome"] = None
    if outcome := post.get("outcome", ""):
        values["outcome"] = _outcomes().filter(pk=outcome).first() if outcome.isdigit() else None
        if values["outcome"] is None:
            errors["outcome"] = [_("Choose an outcome from the list.")]
    return values, errors


@_agent_only
@require_http_methods(["GET", "POST"])
def call_list(request):
    """Nhật ký cuộc gọi: every call, newest first; an agent logs here a call the switchboard did not."""
    direction = request.GET.get("direction", "")
    if direction not in Direction.values:
        direction = ""
    number = request.GET.get("number", "")
    errors, posted = {}, {}
    if request.method == "POST":
        posted = request.POST
        values, errors = _call_form(request.POST)
        new_direction = request.POST.get("direction", "")
        if new_direction not in Direction.values:
            errors["direction"] = [_("Choose inbound or outbound.")]
        if not normalise_phone(request.POST.get("number", "")):
            errors["number"] = [_("Enter a Vietnamese phone number, e.g. 0912 345 678.")]
        report = None
        if code := request.POST.get("report", "").strip():
            report = Report.objects.filter(tracking_code=normalise_tracking_code(code) or "").first()
            if report is None:
                errors["report"] = [_("No report has this tracking code.")]
        if not errors:
            call = call_record(
                agent=request.user,
                direction=new_direction,
                number=request.POST["number"],
                report=report,
                **values,
            )
            return redirect("backoffice:call", call_id=call.pk)
    page = Paginator(call_log(direction=direction, number=number), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "direction": direction,
        "number": number,
        "directions": Direction.choices,
        "outcomes": _outcomes(),
        "errors": errors,
        "posted": posted,
    }
    return render(request, "backoffice/call_list.html", context, status=422 if errors else 200)


@_agent_only
@require_http_methods(["GET", "POST"])
def call_detail(request, call_id: int):
    """One call: the number to dial (tel:), and its outcome, length and note once it is over."""
    call = get_object_or_404(Call.objects.select_related("agent", "outcome", "report"), pk=call_id)
    errors = {}
    if request.method == "POST":
        values, errors = _call_form(request.POST)
        if not errors:
            call_update(call=call, **values)
            return redirect("backoffice:calls_log")
    if request.method == "POST":
        form_values = request.POST
    else:
        minutes = call.duration_seconds / 60 if call.duration_seconds is not None else ""
        form_values = {
            "duration_minutes": f"{minutes:g}" if minutes != "" else "",
            "outcome": call.outcome_id or "",
            "note": call.note,
        }
    context = {"call": call, "outcomes": _outcomes(), "errors": errors, "form_values": form_values}
    return render(request, "backoffice/call.html", context, status=422 if errors else 200)


@_agent_only
@require_POST
def call_verify(request, tracking_code: str):
    """Gọi xác minh: log an outbound call to the report's reporter and open it to dial."""
    report = visible_report(request.user, tracking_code)
    if not report.reporter_phone:
        raise PermissionDenied
    call = verification_call_start(agent=request.user, report=report)
    return redirect("backoffice:call", call_id=call.pk)
