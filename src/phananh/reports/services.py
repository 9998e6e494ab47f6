"""Writes on reports: intake from any channel."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from phananh.core.errors import ApplicationError, Conflict, PayloadTooLarge, ValidationFailed
from phananh.core.geo import in_vietnam
from phananh.workflow.services import record_submission

from .codes import hash_secret, new_secret, new_tracking_code
from .images import ProcessedPhoto, process_photo
from .intake import Submission, problems_error
from .models import Attachment, AttachmentKind, IdempotencyRecord, Report

logger = logging.getLogger(__name__)


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
class Submitted:
    report: Report
    # The secret in clear, for the one answer that hands it to the reporter; None on a replay.
    secret: str | None
    response: dict | None = None
    replayed: bool = False


@dataclass(frozen=True)
class Idempotency:
    """An Idempotency-Key and how to build the answer that is stored and replayed for it."""

    key: str
    render: Callable[[Report, str], dict]


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


def _process_files(photos: Sequence[Upload], documents: Sequence[Upload]):
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
    return processed, [_check_document(d) for d in documents]


def _fingerprint(submission: Submission, photos: Sequence[Upload], documents: Sequence[Upload]) -> str:
    payload = submission.fingerprint_fields()
    payload["photos"] = [hashlib.sha256(p.data).hexdigest() for p in photos]
    payload["documents"] = [hashlib.sha256(d.data).hexdigest() for d in documents]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _replay(key: str, fingerprint: str) -> Submitted | None:
    record = IdempotencyRecord.objects.select_related("report").filter(key=key).first()
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise Conflict(
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a different submission."),
        )
    return Submitted(report=record.report, secret=None, response=record.response, replayed=True)


def _unique_tracking_code() -> str:
    for _attempt in range(10):
        code = new_tracking_code()
        if not Report.objects.filter(tracking_code=code).exists():
            return code
    raise RuntimeError("could not draw a free tracking code")


def _save_file(content: bytes, extension: str, written: list[str]) -> str:
    """Write a file under a random name (never the client's) and remember it for clean-up."""
    path = f"reports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"
    name = default_storage.save(path, ContentFile(content))
    written.append(name)
    return name


def report_submit(
    *,
    submission: Submission,
    photos: Sequence[Upload] = (),
    documents: Sequence[Upload] = (),
    actor=None,
    idempotency: Idempotency | None = None,
) -> Submitted:
    """Mới gửi: store a new report with its files and the first event of its timeline.

    All files are checked and cleaned before the first write; the report, its files and
    its first event are saved together or not at all (files written before a failure are
    removed). With an Idempotency-Key, a resend gets the first answer back.
    """
    fingerprint = _fingerprint(submission, photos, documents)
    if idempotency and (replay := _replay(idempotency.key, fingerprint)):
        return replay
    processed, docs = _process_files(photos, documents)
    location_source = "reporter" if submission.latitude is not None else ""
    if submission.latitude is None:
        gps = next((p.gps for p in processed if p.gps and in_vietnam(*p.gps)), None)
        if gps:
            submission.latitude, submission.longitude = (Decimal(f"{v:.6f}") for v in gps)
            location_source = "photo"

    written: list[str] = []
    try:
        with transaction.atomic():
            result = _create(submission, processed, docs, actor, location_source, written)
            if idempotency:
                result.response = idempotency.render(result.report, result.secret)
                IdempotencyRecord.objects.create(
                    key=idempotency.key,
                    request_hash=fingerprint,
                    report=result.report,
                    response=result.response,
                )
    except BaseException as exc:
        for name in written:
            default_storage.delete(name)
        if idempotency and isinstance(exc, IntegrityError):
            # Another request with the same key won the race: answer with its result.
            replay = _replay(idempotency.key, fingerprint)
            if replay:
                return replay
        raise
    logger.info("report %s submitted via %s", result.report.tracking_code, submission.channel)
    return result


def _create(submission, processed: list[ProcessedPhoto], docs, actor, location_source, written) -> Submitted:
    secret = new_secret()
    report = Report.objects.create(
        tracking_code=_unique_tracking_code(),
        secret_hash=hash_secret(secret),
        consent_at=timezone.now(),
        created_by=actor,
        location_source=location_source,
        **vars(submission),
    )
    event = record_submission(report=report, actor=actor)
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
        for photo in processed
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
        for doc in docs
    ]
    Attachment.objects.bulk_create(attachments)
    return Submitted(report=report, secret=secret)


def idempotency_records_prune() -> int:
    """Forget Idempotency-Keys older than the replay window (a periodic task)."""
    cutoff = timezone.now() - timedelta(hours=settings.PHANANH_IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
