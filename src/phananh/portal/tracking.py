"""The tracking page: anyone follows a report by its code; its reporter also acts on it.

Anyone with the code sees the status and the public timeline, and the unit's result once it
is verified and published. The reporter proves who they are once with the private link
(`?secret=...`, or `?token=...` from the link in a message): the code is then remembered in
their session and they are sent to the clean address, so that the proof does not stay in the
address bar, the history or a screenshot. They then also see their own description, place and
photos, the result before publication, answer a request for information and rate the result
once it is sent to them. Opening the private link again proves it again when the session is gone.

Followers by email (`/theo-doi/...`) ask, confirm and unsubscribe here too; what that means
lives in `notify.followers`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from phananh.citizens.services import owns
from phananh.core.errors import ApplicationError, PayloadTooLarge, ValidationFailed
from phananh.core.net import client_address
from phananh.notify import followers as follow
from phananh.org.access import Reporter
from phananh.privacy.erasure import personal_data_erase
from phananh.privacy.export import data_export
from phananh.reports.codes import prove_reporter
from phananh.reports.files import attachment_response
from phananh.reports.models import AttachmentKind, RatingValue, Report
from phananh.reports.photo_redaction import public_photo_response
from phananh.reports.selectors import report_by_tracking_code
from phananh.reports.statuses import Status, colour
from phananh.workflow.closing import auto_close_deadline, result_sent_at
from phananh.workflow.models import EventKind
from phananh.workflow.public import REPORTER_EVENT_KINDS, public_timeline
from phananh.workflow.selectors import current_rating
from phananh.workflow.services import transition

from .account import CITIZEN

# Codes of the reports whose secret this browser proved.
_SESSION_REPORTS = "reporter_of"
# A session remembers at most this many reports (someone who reports often, on a shared phone).
_SESSION_LIMIT = 50
VERIFIED_STATUSES = (Status.RESOLVED, Status.CLOSED)


# The tag of the "not found" message that the home page shows next to its look-up box.
LOOKUP_TAG = "lookup"


def lookup(request):
    """Tra cứu: a code as people type it (`pa26pkum4x`) leads to its page; an unknown one back
    to the box, with what was typed and the message beside it."""
    code = (request.GET.get("ma") or "").strip()[:40]
    if not code:
        return redirect("portal:home")
    report = report_by_tracking_code(code)
    if report is None:
        message = _("No report has the tracking code “%(code)s”.") % {"code": code}
        messages.error(request, message, extra_tags=LOOKUP_TAG)
        return redirect(f"{reverse('portal:home')}?{urlencode({'ma': code})}#tra-cuu")
    return redirect("portal:track", tracking_code=report.tracking_code)


# --- who is looking ------------------------------------------------------------------------


def _report(tracking_code: str) -> Report:
    report = report_by_tracking_code(tracking_code)
    if report is None:
        raise Http404
    return report


def _is_reporter(request, report: Report) -> bool:
    # A report of the signed-in citizen's account needs no secret: it was proved when linked.
    if report.tracking_code in request.session.get(_SESSION_REPORTS, []):
        return True
    return owns(request.session.get(CITIZEN), report)


def _remember_reporter(request, report: Report) -> None:
    codes = [c for c in request.session.get(_SESSION_REPORTS, []) if c != report.tracking_code]
    # A new session key with the new right, as at a sign-in.
    request.session.cycle_key()
    request.session[_SESSION_REPORTS] = [*codes, report.tracking_code][-_SESSION_LIMIT:]


# --- what the page shows -------------------------------------------------------------------


def _photos(event) -> list:
    return [a for a in event.attachments.all() if a.kind == AttachmentKind.PHOTO]


def _result_event(report: Report, reporter: bool):
    """The verified result, to everyone once it is published, to the reporter at once."""
    if report.status not in VERIFIED_STATUSES or not (reporter or report.is_public):
        return None
    return (
        report.events.filter(kind=EventKind.RESULT_SUBMITTED)
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")
        .first()
    )


def _question(report: Report) -> str:
    asked = report.events.filter(kind=EventKind.INFO_REQUESTED).order_by("-created_at", "-id").first()
    if asked is None:
        return ""
    return (asked.data or {}).get("public_note") or asked.note


def _own_report(report: Report) -> dict:
    """What the reporter sent, for the reporter only: words, place and photos."""
    sent = report.events.filter(kind=EventKind.SUBMITTED).prefetch_related("attachments").first()
    return {
        "description": report.description,
        "address": report.address,
        "commune": report.commune.name if report.commune_id else "",
        "latitude": report.latitude,
        "longitude": report.longitude,
        "photos": _photos(sent) if sent else [],
    }


def _rating_context(report: Report) -> dict:
    """Whether the reporter may rate now, the rating given, and when the report closes unrated."""
    sent_at = result_sent_at(report)
    rating = current_rating(report)
    return {
        "rating": rating,
        "can_rate": rating is None and (report.status == Status.CLOSED or sent_at is not None),
        "auto_close_at": auto_close_deadline(sent_at) if sent_at else None,
        "rating_choices": RatingValue.choices,
    }


def _result_shown(result, report: Report, reporter: bool) -> tuple[str, list]:
    """The result's words and photos: as the unit sent them to the reporter, the public copy
    (the IOC's redacted text, the photos it published) to anyone else."""
    if result is None:
        return "", []
    if reporter:
        return result.note, _photos(result)
    return report.public_result, [p for p in _photos(result) if p.public_file]


def _render(request, report: Report, *, status: int = 200, **extra):
    reporter = _is_reporter(request, report) and not extra.get("wrong_secret")
    result = _result_event(report, reporter)
    result_text, result_photos = _result_shown(result, report, reporter)
    context = {
        "report": report,
        "status_colour": colour(report.status),
        "timeline": public_timeline(report, for_reporter=reporter),
        "photo_count": report.attachments.filter(kind=AttachmentKind.PHOTO).count(),
        "result": result,
        "result_text": result_text,
        "result_photos": result_photos,
        "reporter": reporter,
        "followable": follow.can_be_followed(report),
        "errors": {},
        "values": {},
        **extra,
    }
    if reporter:
        context["question"] = _question(report) if report.status == Status.INFO_REQUESTED else ""
        context["own"] = _own_report(report)
        context.update(_rating_context(report))
        context["max_photos"] = settings.PHANANH_MAX_PHOTOS
    response = render(request, "portal/track.html", context, status=status)
    return no_store(response) if reporter or extra.get("wrong_secret") else response


# --- the page and the reporter's forms -----------------------------------------------------


@require_safe
def track(request, tracking_code: str):
    """Tra cứu: status and public timeline; more for the reporter. No personal data is shown."""
    report = _report(tracking_code)
    if "secret" in request.GET or "token" in request.GET:
        # The secret (the link of the success page) or a token (the link of a message): either
        # proves the reporter; a forged, expired or mistyped one gets the same answer as a wrong secret.
        if prove_reporter(report, request.GET.get("secret"), token=request.GET.get("token")):
            _remember_reporter(request, report)
            return redirect("portal:track", tracking_code=report.tracking_code)
        return _render(
            request,
            report,
            status=403,
            wrong_secret=True,
            message=_(
                "This private link is not valid. Open the link you received when you sent the report, "
                "and check that it was copied in full."
            ),
        )
    if tracking_code != report.tracking_code:
        # Typed as people type it (pa26pkum4x): the page's own address, to keep and share.
        return redirect("portal:track", tracking_code=report.tracking_code)
    return _render(request, report)


def _reporter_only(request, report: Report):
    """The page again, with what to do, when this browser has not proved it is the reporter."""
    return _render(
        request,
        report,
        status=403,
        message=_("To do this, open the private link you received when you sent the report."),
    )


@require_POST
def answer(request, tracking_code: str):
    """Bổ sung: the reporter answers the question asked, with text and photos."""
    report = _report(tracking_code)
    if not _is_reporter(request, report):
        return _reporter_only(request, report)
    try:
        try:
            files = request.FILES.getlist("photos")
        except TooManyFilesSent as exc:
            message = _("At most %(n)d photos.") % {"n": settings.PHANANH_MAX_PHOTOS}
            raise ValidationFailed("too_many_photos", message, fields={"photos": [message]}) from exc
        except RequestDataTooBig as exc:
            raise PayloadTooLarge("request_too_large", _("The request is too large.")) from exc
        transition(
            report=report,
            actor=Reporter(report_id=report.pk),
            action="provide_info",
            data={"text": request.POST.get("text", "")},
            photos=files,
        )
    except ApplicationError as exc:
        return _render(
            request,
            report,
            status=exc.status,
            errors=exc.fields,
            values={"text": request.POST.get("text", "")},
            message=exc.message,
            photos_dropped=bool(request.FILES),
        )
    messages.success(request, _("Thank you. Your answer was sent to the operations centre."))
    return redirect("portal:track", tracking_code=report.tracking_code)


@require_POST
def rate_result(request, tracking_code: str):
    """Đánh giá: the reporter rates the result sent to them, which closes the report."""
    report = _report(tracking_code)
    if not _is_reporter(request, report):
        return _reporter_only(request, report)
    try:
        transition(
            report=report,
            actor=Reporter(report_id=report.pk),
            action="rate",
            data={"value": request.POST.get("value", ""), "comment": request.POST.get("comment", "")},
        )
    except ApplicationError as exc:
        return _render(
            request,
            report,
            status=exc.status,
            errors=exc.fields,
            values={"value": request.POST.get("value", ""), "comment": request.POST.get("comment", "")},
            message=exc.message,
        )
    messages.success(request, _("Thank you for rating the result."))
    return redirect("portal:track", tracking_code=report.tracking_code)


@require_safe
def photo(request, tracking_code: str, attachment_id: int, thumbnail: bool = False):
    """A photo of the page: the published result's public copy to anyone, the reporter's own and
    the result's originals to the reporter. Served here, never from MEDIA_URL, so that each
    request is checked."""
    report = _report(tracking_code)
    attachment = report.attachments.filter(pk=attachment_id, kind=AttachmentKind.PHOTO).first()
    if attachment is None:
        raise Http404
    reporter = _is_reporter(request, report)
    result = _result_event(report, reporter)
    shown = {result.pk} if result else set()
    if reporter:
        shown |= set(report.events.filter(kind__in=REPORTER_EVENT_KINDS).values_list("pk", flat=True))
    if attachment.event_id not in shown:
        raise Http404
    if not reporter:
        return public_photo_response(attachment, thumbnail=thumbnail)
    return attachment_response(attachment, thumbnail=thumbnail)


# --- the reporter's data -------------------------------------------------------------------


def no_store(response):
    """What only the reporter may see is kept by no cache, shared or not."""
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_POST
def download_data(request, tracking_code: str):
    """Tải dữ liệu: the reporter's data about this report, as a ZIP (a POST: it is logged)."""
    report = _report(tracking_code)
    if not _is_reporter(request, report):
        return _reporter_only(request, report)
    archive = data_export(report=report, reporter=Reporter(report_id=report.pk), via="page")
    response = FileResponse(
        archive, as_attachment=True, filename=f"{report.tracking_code}.zip", content_type="application/zip"
    )
    return no_store(response)


@require_http_methods(["GET", "POST"])
def erase_data(request, tracking_code: str):
    """Rút lại đồng ý và xóa dữ liệu: what is erased and what stays, then, confirmed, the erasure."""
    report = _report(tracking_code)
    if not _is_reporter(request, report):
        return _reporter_only(request, report)
    context = {"report": report, "error": ""}
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            context["error"] = _("Tick the box to confirm that you want your data erased.")
            return no_store(render(request, "portal/erase_data.html", context, status=422))
        personal_data_erase(report=report, reporter=Reporter(report_id=report.pk), via="page")
        messages.success(
            request,
            _(
                "Your consent is withdrawn and your personal data erased. The report goes on being "
                "handled; no message will be sent to you any more."
            ),
        )
        return redirect("portal:track", tracking_code=report.tracking_code)
    return no_store(render(request, "portal/erase_data.html", context))


# --- following by email --------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def follow_report(request, tracking_code: str):
    """Theo dõi: ask for news of a report by email; the same answer whoever already follows."""
    report = _report(tracking_code)
    if request.method == "GET":
        return render(request, "portal/follow/ask.html", {"report": report})
    try:
        follow.follow_request(
            report=report,
            email=request.POST.get("email", ""),
            client=client_address(request),
            language=translation.get_language() or "",
        )
    except ApplicationError as exc:
        context = {
            "report": report,
            "follow_errors": exc.fields,
            "follow_email": request.POST.get("email", "")[:254],
            "message": exc.message,
        }
        return render(request, "portal/follow/ask.html", context, status=exc.status)
    context = {"report": report, "days": follow.CONFIRM_MAX_AGE.days}
    return render(request, "portal/follow/requested.html", context)


def _invalid_link(request, exc: ApplicationError):
    return render(request, "portal/follow/invalid.html", {"message": exc.message}, status=exc.status)


@require_GET
def follow_confirm(request, token: str):
    """The link of the confirmation message: the address starts to receive news."""
    try:
        follower = follow.follow_confirm(token=token)
    except follow.InvalidLink as exc:
        return _invalid_link(request, exc)
    context = {"report": follower.report, "unsubscribe_token": follow.unsubscribe_token(follower)}
    return render(request, "portal/follow/confirmed.html", context)


# Mail programs post here without a CSRF token for their own "unsubscribe" button (RFC 8058);
# the signed token in the address is what authorises the request.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unfollow(request, token: str):
    """Hủy theo dõi: GET asks to confirm (link checkers open links), POST stops the messages."""
    try:
        if request.method == "GET":
            follower = follow.follower_for_unsubscribe(token)
            context = {"follower": follower, "report": follower.report, "token": token}
            return render(request, "portal/follow/unsubscribe.html", context)
        follower = follow.unfollow(token=token)
    except follow.InvalidLink as exc:
        return _invalid_link(request, exc)
    return render(request, "portal/follow/unsubscribed.html", {"report": follower.report})
