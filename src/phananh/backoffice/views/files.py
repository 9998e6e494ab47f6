"""Photos and documents of a report, served only to staff who may see the report (never via MEDIA_URL)."""

from __future__ import annotations

from django.http import Http404
from django.views.decorators.http import require_GET

from phananh.org.access import can_see
from phananh.reports.files import attachment_response
from phananh.reports.models import Attachment

from ..decorators import staff_required


def _attachment(user, attachment_id: int) -> Attachment:
    attachment = Attachment.objects.select_related("report").filter(pk=attachment_id).first()
    # The same 404 whether the file does not exist or belongs to a report out of sight.
    if attachment is None or not can_see(user, attachment.report):
        raise Http404
    return attachment


@staff_required
@require_GET
def attachment_file(request, attachment_id: int):
    return attachment_response(_attachment(request.user, attachment_id))


@staff_required
@require_GET
def attachment_thumbnail(request, attachment_id: int):
    return attachment_response(_attachment(request.user, attachment_id), thumbnail=True)
