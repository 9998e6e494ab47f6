"""Files attached to reports: read, checked and cleaned before anything is written."""

from __future__ import annotations

import hashlib
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from phananh.core.errors import ApplicationError, PayloadTooLarge, ValidationFailed
from phananh.core.validation import problems_error

from .images import ProcessedPhoto, process_photo
from .models import Attachment, AttachmentKind


@dataclass(frozen=True)
class Upload:
    """A file as received: its bytes and the name the client gave (kept for nothing but errors)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class _Document:
    data: bytes
    extension: str
    content_type: str


@dataclass
class PreparedFiles:
    """Photos cleaned and documents checked, ready to be stored."""

    photos: list[ProcessedPhoto] = field(default_factory=list)
    documents: list[_Document] = field(default_factory=list)


def read_uploads(files: Sequence, *, field: str, limit_bytes: int) -> list[Upload]:
    """Read uploaded files, refusing an oversized one before reading it into memory."""
    uploads = []
    for f in files:
        if f.size is not None and f.size > limit_bytes:
            raise PayloadTooLarge(
                "file_too_large",
                _("Each file may be at most %(mb)d MB.") % {"mb": limit_bytes // (1024 * 1024)},
                fields={field: [_("“%(name)s” is too large.") % {"name": f.name}]},
            )
        uploads.append(Upload(name=str(f.name or ""), data=f.read()))
    return uploads


def received_files(photos: Sequence = (), documents: Sequence = ()) -> tuple[list[Upload], list[Upload]]:
    """Photos and documents as `Upload`s, whether they came read already or as uploaded files."""

    def read(files, name, limit):
        waiting = [f for f in files if not isinstance(f, Upload)]
        uploads = iter(read_uploads(waiting, field=name, limit_bytes=limit))
        return [f if isinstance(f, Upload) else next(uploads) for f in files]

    return (
        read(photos, "photos", settings.PHANANH_MAX_PHOTO_BYTES),
        read(documents, "documents", settings.PHANANH_MAX_DOCUMENT_BYTES),
    )


def _check_document(upload: Upload) -> _Document:
    # Documents are PDF only, recognised by content; anything else must be sent as a photo.
    if len(upload.data) > settings.PHANANH_MAX_DOCUMENT_BYTES:
        raise PayloadTooLarge(
            "file_too_large",
            _("Each document may be at most %(mb)d MB.")
            % {"mb": settings.PHANANH_MAX_DOCUMENT_BYTES // (1024 * 1024)},
            fields={"documents": [_("“%(name)s” is too large.") % {"name": upload.name}]},
        )
    if not upload.data.startswith(b"%PDF-"):
        raise ValidationFailed(
            "unsupported_file_type",
            _("Documents must be PDF files."),
            fields={"documents": [_("“%(name)s” is not a PDF file.") % {"name": upload.name}]},
        )
    return _Document(upload.data, "pdf", "application/pdf")


def prepare_files(photos: Sequence[Upload] = (), documents: Sequence[Upload] = ()) -> PreparedFiles:
    """Check counts, clean every photo and check every document; raise before any write."""
    problems = []
    if len(photos) > settings.PHANANH_MAX_PHOTOS:
        problems.append(
            ("photos", "too_many_photos", _("At most %(n)d photos.") % {"n": settings.PHANANH_MAX_PHOTOS})
        )
    if len(documents) > settings.PHANANH_MAX_DOCUMENTS:
        problems.append(
            (
                "documents",
                "too_many_documents",
                _("At most %(n)d documents.") % {"n": settings.PHANANH_MAX_DOCUMENTS},
            )
        )
    if problems:
        raise problems_error(problems)
    processed = []
    for upload in photos:
        try:
            processed.append(process_photo(upload.data, field="photos"))
        except ApplicationError as exc:
            exc.fields = {"photos": [f"{upload.name}: {exc.message}" if upload.name else exc.message]}
            raise
    return PreparedFiles(processed, [_check_document(d) for d in documents])


def _save_file(content: bytes, extension: str, written: list[str]) -> str:
    """Write a file under a random name (never the client's) and remember it for clean-up."""
    path = f"reports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"
    name = default_storage.save(path, ContentFile(content))
    written.append(name)
    return name


def store_files(*, report, event, files: PreparedFiles, written: list[str]) -> list[Attachment]:
    """Write the files and their rows; `written` collects names for clean-up if the caller fails."""
    attachments = [
        Attachment(
            report=report,
            event=event,
            kind=AttachmentKind.PHOTO,
            file=_save_file(photo.content, photo.extension, written),
            thumbnail=_save_file(photo.thumbnail, "jpg", written),
            content_type=photo.content_type,
            size=len(photo.content),
            width=photo.width,
            height=photo.height,
            sha256=hashlib.sha256(photo.content).hexdigest(),
        )
        for photo in files.photos
    ]
    attachments += [
        Attachment(
            report=report,
            event=event,
            kind=AttachmentKind.DOCUMENT,
            file=_save_file(doc.data, doc.extension, written),
            content_type=doc.content_type,
            size=len(doc.data),
            sha256=hashlib.sha256(doc.data).hexdigest(),
        )
        for doc in files.documents
    ]
    return Attachment.objects.bulk_create(attachments)


def delete_files(names: Sequence[str]) -> None:
    for name in names:
        default_storage.delete(name)


def attachment_response(attachment: Attachment, *, thumbnail: bool = False, public: bool = False):
    """The file (or its thumbnail) as a download named after the report; Http404 when missing.

    Whoever calls this has already decided that the person may see the file. A public file may
    sit in shared caches for an hour; any other only in the person's own browser.
    """
    from django.http import Http404

    stored = attachment.thumbnail if thumbnail else attachment.file
    if not stored:
        raise Http404
    extension = stored.name.rsplit(".", 1)[-1]
    return stored_file_response(
        stored,
        filename=f"{attachment.report.tracking_code}-{attachment.pk}.{extension}",
        content_type="image/jpeg" if thumbnail else attachment.content_type,
        cache_control=f"{'public' if public else 'private'}, max-age=3600",
    )


def stored_file_response(stored, *, filename: str, content_type: str, cache_control: str, inline=True):
    """A stored file (a `FieldFile`) sent the cheapest way the deployment has; Http404 when missing.

    On object storage, a redirect to a signed URL that expires; behind nginx with
    PHANANH_X_ACCEL_PREFIX, an empty answer that nginx fills from the disk; otherwise the app
    streams the file itself. `inline=False` asks the browser to save it rather than show it.
    """
    from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
    from django.utils.http import content_disposition_header

    disposition = content_disposition_header(not inline, filename)

    if _signs_urls(stored.storage):
        # No HEAD request to see whether the object exists: a missing one is the store's 404.
        url = stored.storage.url(
            stored.name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
                "ResponseCacheControl": cache_control,
            },
        )
        response = HttpResponseRedirect(url)
        # The redirect must not outlive its URL, and no shared cache may hand it to another.
        response["Cache-Control"] = f"private, max-age={max(settings.PHANANH_S3_URL_SECONDS // 2, 0)}"
        return response

    if settings.PHANANH_X_ACCEL_PREFIX:
        if not stored.storage.exists(stored.name):
            raise Http404
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PHANANH_X_ACCEL_PREFIX.rstrip("/") + "/" + quote(stored.name)
        response["Content-Disposition"] = disposition
        response["Cache-Control"] = cache_control
        return response

    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, filename=filename, as_attachment=not inline)
    response["Cache-Control"] = cache_control
    return response


def _signs_urls(storage) -> bool:
    """Whether the storage hands out signed, expiring URLs (private S3-compatible buckets)."""
    if "storages.backends.s3" not in sys.modules:
        # Not configured, hence never loaded: no reason to load boto3 on a file-system node.
        return False
    from storages.backends.s3 import S3Storage

    return isinstance(storage, S3Storage) and storage.querystring_auth
