"""Intake pages: the citizen sends a report and gets its tracking code."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from phananh.core.errors import ApplicationError, Conflict
from phananh.org.selectors import communes
from phananh.reports.files import read_uploads
from phananh.reports.intake import validate_submission
from phananh.reports.models import Channel, ReportKind
from phananh.reports.selectors import active_categories, report_by_tracking_code
from phananh.reports.services import Idempotency, report_submit

_SESSION_SECRETS = "submitted_secrets"


def _form_context(values: dict, errors: dict, message: str = "") -> dict:
    return {
        "values": values,
        "errors": errors,
        "error_message": message,
        "categories": active_categories(),
        "communes": communes(),
        "kinds": ReportKind.choices,
        "map_center": settings.PHANANH_MAP_CENTER,
        "tile_url": settings.PHANANH_TILE_URL,
        "max_photos": settings.PHANANH_MAX_PHOTOS,
        "max_photo_mb": settings.PHANANH_MAX_PHOTO_BYTES // (1024 * 1024),
        "max_description": settings.PHANANH_MAX_DESCRIPTION_CHARS,
        "hotline": settings.PHANANH_HOTLINE,
    }


def _submit_once(key: str, submission, photos, documents):
    """A double tap on "send" gives one report: the form's hidden key makes the resend a replay.

    A key already used for different content means the form was changed and sent again
    (after Back, say): that is a new report, so it goes with a fresh key.
    """
    if not key:
        return report_submit(submission=submission, photos=photos, documents=documents)

    def answer(report, secret):
        return {"tracking_code": report.tracking_code, "secret": secret}

    try:
        return report_submit(
            submission=submission,
            photos=photos,
            documents=documents,
            idempotency=Idempotency(f"web:{key[:64]}", answer),
        )
    except Conflict:
        return report_submit(
            submission=submission,
            photos=photos,
            documents=documents,
            idempotency=Idempotency(f"web:{uuid.uuid4().hex}", answer),
        )


@require_http_methods(["GET", "POST"])
def submit(request):
    """Gửi phản ánh: the mobile-first intake form."""
    if request.method == "GET":
        values = {"idempotency_key": uuid.uuid4().hex, "public": "on", "kind": ReportKind.FIELD}
        return render(request, "portal/submit.html", _form_context(values, {}))

    values = {key: request.POST.get(key) for key in request.POST if key != "csrfmiddlewaretoken"}
    # Unticked checkboxes are absent from a form: absent means "no" here.
    for box in ("anonymous", "public", "consent"):
        values.setdefault(box, "off")
    try:
        submission = validate_submission(values, channel=Channel.WEB)
        photos = read_uploads(
            request.FILES.getlist("photos"), field="photos", limit_bytes=settings.PHANANH_MAX_PHOTO_BYTES
        )
        documents = read_uploads(
            request.FILES.getlist("documents"),
            field="documents",
            limit_bytes=settings.PHANANH_MAX_DOCUMENT_BYTES,
        )
        result = _submit_once(values.get("idempotency_key") or "", submission, photos, documents)
    except ApplicationError as exc:
        context = _form_context(values, exc.fields, exc.message)
        context["photos_dropped"] = bool(request.FILES)
        return render(request, "portal/submit.html", context, status=exc.status)
    secret = result.secret or (result.response or {}).get("secret", "")
    request.session.setdefault(_SESSION_SECRETS, {})[result.report.tracking_code] = secret
    request.session.modified = True
    return redirect("portal:submitted", tracking_code=result.report.tracking_code)


def submitted(request, tracking_code: str):
    """The confirmation: the tracking code, and the private link, shown to this browser only."""
    report = report_by_tracking_code(tracking_code)
    secret = request.session.get(_SESSION_SECRETS, {}).get(tracking_code)
    if report is None or secret is None:
        raise Http404
    track_url = request.build_absolute_uri(reverse("portal:track", args=[report.tracking_code]))
    return render(
        request,
        "portal/submitted.html",
        {
            "report": report,
            "track_url": track_url,
            "private_url": f"{track_url}?secret={secret}",
            "hotline": settings.PHANANH_HOTLINE,
        },
    )
