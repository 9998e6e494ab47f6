"""Intake pages: the citizen sends a report and gets its tracking code."""

from __future__ import annotations

import math
import uuid

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from phananh.citizens.services import report_link
from phananh.core.errors import ApplicationError, Conflict
from phananh.core.geo import in_vietnam
from phananh.org.selectors import commune_at, communes
from phananh.reports.consent import CURRENT_CONSENT_VERSION, consent_text
from phananh.reports.files import read_uploads
from phananh.reports.intake import validate_submission
from phananh.reports.models import Attachment, Category, Channel, ReportKind
from phananh.reports.questions import error_links, posted_answers, question_groups
from phananh.reports.selectors import active_categories, report_by_tracking_code
from phananh.reports.statuses import colour
from phananh.workflow.models import EventKind
from phananh.workflow.submission import Idempotency, report_submit

from .account import signed_in_citizen
from .nearby import UNPUBLISHED_CELL, NearbyReport, reports_near
from .selectors import excerpt, public_photos

_SESSION_SECRETS = "submitted_secrets"
# Two lines on a phone: enough to recognise the same problem.
NEARBY_EXCERPT_CHARS = 110

# The intake form's fields in the order of the page, with the words of their labels: the
# message above a form sent back names the fields to correct, and links to each.
FIELD_LABELS = {
    "kind": pgettext_lazy("intake field", "Kind of report"),
    "description": gettext_lazy("Description"),
    "title": pgettext_lazy("intake field", "Title"),
    "category": gettext_lazy("Field"),
    "photos": gettext_lazy("Photos"),
    "documents": pgettext_lazy("intake field", "Documents"),
    "latitude": gettext_lazy("Latitude"),
    "longitude": gettext_lazy("Longitude"),
    "address": gettext_lazy("Address or landmark"),
    "commune": gettext_lazy("Commune or ward"),
    "anonymous": pgettext_lazy("intake field", "Anonymous"),
    "reporter_name": gettext_lazy("Full name"),
    "reporter_phone": gettext_lazy("Phone"),
    "reporter_email": gettext_lazy("Email"),
    "contact_channel": gettext_lazy("Get messages by"),
    "notifications_opt_out": gettext_lazy("Do not send me messages"),
    "public": gettext_lazy("Publication"),
    "consent": pgettext_lazy("intake field", "Consent"),
}


def form_context(values: dict, errors: dict, message: str = "", *, post=None) -> dict:
    return {
        # Every field's extra questions; the chosen field's are shown (portal/questions.js).
        "question_groups": question_groups(post, values.get("category") or "", errors),
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
        "nearby_url": reverse("pwa:nearby"),
        # The side of the cell unpublished nearby reports are counted over (0.01°: 1.1 km).
        "nearby_cell_km": round(float(UNPUBLISHED_CELL) * 111.2, 1),
        "commune_url": reverse("pwa:commune"),
        # Reports kept on the phone while offline are sent later through the API, as the app.
        "outbox_endpoint": reverse("api-v1:submit_report"),
        # The consent text shown, and its version, sent with the form and kept on the report.
        "consent_version": CURRENT_CONSENT_VERSION,
        "consent_text": consent_text(CURRENT_CONSENT_VERSION),
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
        citizen = signed_in_citizen(request)
        if citizen is not None:
            # The account's contact, to keep or change; the report is then linked to the account.
            values.update(reporter_name=citizen.name, reporter_phone=citizen.phone or "")
            values.update(reporter_email=citizen.email or "")
            values["contact_channel"] = "sms" if citizen.phone else "email"
        return render(request, "portal/submit.html", form_context(values, {}))

    values = {
        key: request.POST.get(key)
        for key in request.POST
        if key != "csrfmiddlewaretoken" and not key.startswith("answers.")
    }
    values["answers"] = posted_answers(request.POST, values.get("category") or "")
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
        context = form_context(values, exc.fields, exc.message, post=request.POST)
        flagged = [(name, label) for name, label in FIELD_LABELS.items() if name in exc.fields]
        chosen = values.get("category") or ""
        # The questions stand right after the field on the page, and so in the message.
        above = list(FIELD_LABELS)[: list(FIELD_LABELS).index("category") + 1]
        at = sum(1 for name, _label in flagged if name in above)
        flagged[at:at] = error_links(context["question_groups"], chosen)
        context["error_fields"] = flagged
        # Focus goes to it: `autofocus` on the page, or the intake script after a fetch.
        context["first_error"] = flagged[0][0] if flagged else ""
        # A page posted without JavaScript loses the chosen files; the script keeps them.
        context["photos_dropped"] = bool(request.FILES)
        return render(request, "portal/submit.html", context, status=exc.status)
    citizen = signed_in_citizen(request)
    if citizen is not None:
        report_link(citizen=citizen, report=result.report)
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


def _place(params, problems: dict[str, list[str]]) -> dict[str, float]:
    """The place of a query (`lat`, `lon`); what is wrong with it goes into `problems`."""
    place: dict[str, float] = {}
    for name, bound in (("lat", 90), ("lon", 180)):
        text = (params.get(name) or "").strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # "21,8537": the Vietnamese decimal comma
        if not text:
            problems[name] = [_("This field is required.")]
            continue
        try:
            value = float(text)
        except ValueError:
            problems[name] = [_("This must be a number.")]
            continue
        if not math.isfinite(value) or abs(value) > bound:
            problems[name] = [_("Not valid.")]
            continue
        place[name] = value
    if len(place) == 2 and not in_vietnam(place["lat"], place["lon"]):
        problems["lat"] = [_("This place is outside Vietnam.")]
    return place


def _invalid(problems: dict[str, list[str]]) -> ApplicationError:
    message = _("Some information is missing or not valid.")
    return ApplicationError("invalid_parameters", message, fields=problems)


def _nearby_query(params) -> tuple[float, float, Category]:
    problems: dict[str, list[str]] = {}
    place = _place(params, problems)
    code = (params.get("category") or "").strip()
    category = active_categories().filter(code=code[:60]).first() if code else None
    if not code:
        problems["category"] = [_("This field is required.")]
    elif category is None:
        problems["category"] = [_("Not valid.")]
    if problems:
        raise _invalid(problems)
    return place["lat"], place["lon"], category


def _follow_url(tracking_code: str) -> str | None:
    """Where to follow a report by email; None until the tracking pages offer it."""
    try:
        return reverse("portal:follow", args=[tracking_code])
    except NoReverseMatch:
        return None


def _first_photos(reports) -> dict[int, Attachment]:
    """The first photo sent with each published report: what the problem looked like."""
    first: dict[int, Attachment] = {}
    ids = [report.pk for report in reports]
    for photo in public_photos().filter(report_id__in=ids, event__kind=EventKind.SUBMITTED):
        first.setdefault(photo.report_id, photo)
    return first


def _nearby_item(item: NearbyReport, photo: Attachment | None) -> dict:
    # A published report: its published text, redacted by the IOC, its first public photo and
    # its public place, as on its public page. The distance is to that place, rounded: "about
    # 40 m" is what a person needs.
    report = item.report
    code = report.tracking_code
    return {
        "tracking_code": code,
        "category": report.category.name,
        "status": report.status,
        "status_label": report.status_label,
        "status_colour": colour(report.status),
        "distance_m": max(10, round(item.distance_m / 10) * 10),
        "latitude": item.latitude,
        "longitude": item.longitude,
        "created_at": report.created_at.isoformat(),
        "created_on": date_format(localtime(report.created_at), "d/m/Y"),
        "tracking_url": reverse("portal:public_report", args=[code]),
        "follow_url": _follow_url(code),
        "excerpt": excerpt(report, NEARBY_EXCERPT_CHARS),
        "photo_url": reverse("portal:public_thumb", args=[code, photo.pk]) if photo else None,
    }


@require_GET
def nearby(request):
    """Possible duplicates of the report being written: open reports of its field close by.

    Published ones are listed; the others are only counted, over a cell of a coarse grid (see
    `portal.nearby`): their place is nobody's to learn before the IOC publishes them."""
    try:
        latitude, longitude, category = _nearby_query(request.GET)
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    radius = settings.PHANANH_NEARBY_RADIUS_M
    found = reports_near(latitude=latitude, longitude=longitude, category=category, radius_m=radius)
    photos = _first_photos(item.report for item in found.published)
    cell = found.cell
    response = JsonResponse(
        {
            "radius_m": radius,
            "reports": [_nearby_item(item, photos.get(item.report.pk)) for item in found.published],
            "unpublished": {
                "count": found.unpublished,
                "cell": {
                    "south": float(cell.south),
                    "west": float(cell.west),
                    "north": float(cell.north),
                    "east": float(cell.east),
                },
            },
        }
    )
    # The answer changes with every new report; neither the browser nor the app keeps it.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def commune_of_place(request):
    """The commune or ward of a place tapped on the intake map or found by the phone's GPS."""
    problems: dict[str, list[str]] = {}
    place = _place(request.GET, problems)
    if problems:
        error = _invalid(problems)
        return JsonResponse(error.as_dict(), status=error.status)
    unit = commune_at(
        latitude=place["lat"],
        longitude=place["lon"],
        max_centre_distance_m=settings.PHANANH_COMMUNE_CENTRE_MAX_M,
    )
    # The same words as the intake form's list of communes.
    found = {"id": unit.pk, "name": unit.area_name or unit.name} if unit else None
    return JsonResponse({"commune": found}, json_dumps_params={"ensure_ascii": False})
