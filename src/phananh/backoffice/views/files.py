"""Photos and documents of a report, served only to staff who may see the report (never via MEDIA_URL)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from phananh.org.access import can_see
from phananh.reports.models import Attachment

from ..decorators import staff_required


def _attachment(user, attachment_id: int) -> Attachment:
    attachment = Attachment.objects.select_related("report").filter(pk=attachment_id).first()
    # The same 404 whether the file does not exist or belongs to a report out of sight.
    if attachment is None or not can_see(user, attachment.report):
        raise Http404
    return attachment


def _serve(stored, content_type: str, filename: str) -> FileResponse:
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, filename=filename)
    # Personal pictures: kept by this browser only, never by a shared cache.
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_required
@require_GET
def attachment_file(request, attachment_id: int):
    attachment = _attachment(request.user, attachment_id)
    extension = attachment.file.name.rsplit(".", 1)[-1]
    filename = f"{attachment.report.tracking_code}-{attachment.pk}.{extension}"
    return _serve(attachment.file, attachment.content_type, filename)


@staff_required
@require_GET
def attachment_thumbnail(request, attachment_id: int):
    attachment = _attachment(request.user, attachment_id)
    if not attachment.thumbnail:
        raise Http404
    filename = f"{attachment.report.tracking_code}-{attachment.pk}-thumb.jpg"
    return _serve(attachment.thumbnail, "image/jpeg", filename)
