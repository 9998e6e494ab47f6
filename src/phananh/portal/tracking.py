"""The reporter follows a report by its tracking code."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from phananh.reports.selectors import report_by_tracking_code
from phananh.workflow.selectors import public_timeline
from phananh.workflow.statuses import colour


def lookup(request):
    code = (request.GET.get("ma") or "").strip()
    if not code:
        return redirect("portal:home")
    report = report_by_tracking_code(code)
    if report is None:
        messages.error(request, _("No report has the tracking code “%(code)s”.") % {"code": code[:40]})
        return redirect("portal:home")
    return redirect("portal:track", tracking_code=report.tracking_code)


def track(request, tracking_code: str):
    """Tra cứu: status and public timeline. No personal data is shown here."""
    report = report_by_tracking_code(tracking_code)
    if report is None:
        raise Http404
    return render(
        request,
        "portal/track.html",
        {
            "report": report,
            "status_colour": colour(report.status),
            "timeline": public_timeline(report),
            "photo_count": report.attachments.filter(kind="photo").count(),
        },
    )
