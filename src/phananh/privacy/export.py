"""Tải dữ liệu của tôi: everything the system holds of a reporter about their report.

One report, the one whose secret was given: a secret opens its own report and nothing else,
so a reporter with several reports downloads each. The export is a ZIP with `du-lieu.json`
(the document below), the reporter's own photos and documents under `tep/` (as stored: photos
re-encoded without their metadata, PDFs as sent) and `doc-truoc.txt`, which says what is inside.

The document (`FORMAT`, version `FORMAT_VERSION`; a change that removes or renames a key makes
a new version, a new key does not):
- `report`: what was sent (type, title, description, field, the answers to its questions, place,
  channel, time), its status, and whether it may be or is published;
- `reporter`: the contact given and the choice of messages (empty once erased), and `consent`:
  when, which version of which text, and when it was withdrawn;
- `timeline`: the steps as the tracking page shows them (never a staff member's note), with the
  `result` sent to the reporter and their `ratings` (comments included);
- `files`: each of the reporter's files: its path in the ZIP, kind, type, size, SHA-256, and the
  step it came with (the submission or an answer: `step`, `step_at`);
- `messages`: the messages sent to the reporter (email, SMS, Zalo): to whom, what, when, how it went.
Other people's data is never in it: not the staff's names or notes, not the followers, not the
reports merged into this one.
"""

from __future__ import annotations

import json
import logging
import shutil
import zipfile
from tempfile import SpooledTemporaryFile

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from phananh.core.errors import Forbidden
from phananh.notify.models import Delivery
from phananh.notify.reporters import deliveries_to_reporters
from phananh.org.access import Reporter
from phananh.reports.consent import consent_text
from phananh.reports.models import Attachment, Report
from phananh.reports.questions import answered
from phananh.reports.statuses import Status
from phananh.workflow.models import EventKind
from phananh.workflow.public import REPORTER_EVENT_KINDS, public_timeline
from phananh.workflow.services import record_event

logger = logging.getLogger(__name__)

FORMAT = "phananh.reporter-data"
FORMAT_VERSION = 1
DOCUMENT_NAME = "du-lieu.json"
README_NAME = "doc-truoc.txt"
FILES_FOLDER = "tep"
# Kept in memory up to this size, then in a temporary file: a report may carry 100 MB of photos.
_IN_MEMORY_BYTES = 8 * 1024 * 1024


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def _degrees(value) -> float | None:
    return float(value) if value is not None else None


def reporter_files(report: Report) -> list[Attachment]:
    """The reporter's own photos and documents: those of the steps that are theirs."""
    return list(
        report.attachments.filter(Q(event__kind__in=REPORTER_EVENT_KINDS) | Q(event__isnull=True))
        .select_related("event")
        .order_by("created_at", "id")
    )


def _file_path(index: int, attachment: Attachment) -> str:
    extension = attachment.file.name.rsplit(".", 1)[-1].lower() if "." in attachment.file.name else "bin"
    return f"{FILES_FOLDER}/{index:02d}-{attachment.kind}.{extension}"


def _report_part(report: Report) -> dict:
    return {
        "tracking_code": report.tracking_code,
        "kind": report.kind,
        "kind_label": str(report.get_kind_display()),
        "title": report.title,
        "description": report.description,
        "category": {"code": report.category.code, "name": report.category.name} if report.category else None,
        "address": report.address,
        "commune": report.commune.name if report.commune else None,
        "latitude": _degrees(report.latitude),
        "longitude": _degrees(report.longitude),
        "location_source": report.location_source,
        "channel": report.channel,
        "created_at": _when(report.created_at),
        "status": report.status,
        "status_label": report.status_label,
        "wants_public": report.wants_public,
        "published": report.is_public is True,
        "answers": [{"question": question, "answer": answer} for question, answer in answered(report)],
    }


def _reporter_part(report: Report) -> dict:
    return {
        "name": report.reporter_name,
        "phone": report.reporter_phone,
        "email": report.reporter_email,
        "zalo_user_id": report.zalo_user_id,
        "anonymous": report.is_anonymous,
        "contact_channel": report.contact_channel,
        "no_messages": report.notifications_opt_out,
        "personal_data_erased_at": _when(report.personal_data_erased_at),
    }


def _result(report: Report) -> dict | None:
    """The verified result, as the tracking page shows it to the reporter."""
    if report.status not in (Status.RESOLVED, Status.CLOSED):
        return None
    event = report.events.filter(kind=EventKind.RESULT_SUBMITTED).order_by("-created_at", "-id").first()
    return {"at": _when(event.created_at), "text": event.note} if event else None


def _messages(report: Report) -> list[dict]:
    ids = deliveries_to_reporters([report])[report.pk]
    return [
        {
            "channel": delivery.channel,
            "to": delivery.to_address,
            "subject": delivery.subject,
            "body": delivery.body,
            "purpose": delivery.purpose,
            "status": delivery.status,
            "created_at": _when(delivery.created_at),
            "sent_at": _when(delivery.sent_at),
        }
        for delivery in Delivery.objects.filter(pk__in=ids).order_by("created_at", "id")
    ]


def reporter_data(report: Report) -> tuple[dict, list[tuple[str, Attachment]]]:
    """The document, and the files that go with it (their paths in the ZIP)."""
    report = Report.objects.select_related("category", "commune").get(pk=report.pk)
    files = [(_file_path(i, a), a) for i, a in enumerate(reporter_files(report), start=1)]
    timeline = [
        {
            "kind": step.kind,
            "label": step.label,
            "at": _when(step.at),
            "status": step.status,
            "note": step.note,
        }
        for step in public_timeline(report, for_reporter=True)
    ]
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": _when(timezone.now()),
        "report": _report_part(report),
        "reporter": _reporter_part(report),
        "consent": {
            "given_at": _when(report.consent_at),
            "version": report.consent_version,
            "text": consent_text(report.consent_version),
            "withdrawn_at": _when(report.consent_withdrawn_at),
        },
        "timeline": timeline,
        "result": _result(report),
        "ratings": [
            {
                "closure": rating.closure,
                "value": rating.value,
                "value_label": str(rating.get_value_display()),
                "comment": rating.comment,
                "at": _when(rating.created_at),
            }
            for rating in report.ratings.order_by("created_at", "id")
        ],
        "files": [
            {
                "path": path,
                "kind": attachment.kind,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                # The step of the timeline the file came with: its kind and time.
                "step": attachment.event.kind if attachment.event else EventKind.SUBMITTED,
                "step_at": _when(attachment.event.created_at if attachment.event else report.created_at),
            }
            for path, attachment in files
        ],
        "messages": _messages(report),
    }
    return document, files


def _readme(document: dict) -> str:
    code = document["report"]["tracking_code"]
    return "\n".join(
        [
            _("Your data about report %(code)s, exported at %(at)s.")
            % {"code": code, "at": document["exported_at"]},
            "",
            _(
                "%(name)s: the report as you sent it, its progress as you see it, your contact details and "
                "consent, and the messages sent to you (format %(format)s, version %(version)s)."
            )
            % {"name": DOCUMENT_NAME, "format": FORMAT, "version": FORMAT_VERSION},
            _("%(folder)s/: your photos and documents, as stored (photos without their hidden data).")
            % {"folder": FILES_FOLDER},
            "",
        ]
    )


def reporter_data_zip(document: dict, files: list[tuple[str, Attachment]]) -> SpooledTemporaryFile:
    """The ZIP of the document and the files, rewound, to be sent.

    A file the storage has lost is not in the ZIP, and the document says so (`"missing": true`)
    rather than the whole download failing.
    """
    archive = SpooledTemporaryFile(max_size=_IN_MEMORY_BYTES)  # noqa: SIM115 (the response closes it)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(README_NAME, _readme(document))
        for (path, attachment), entry in zip(files, document["files"], strict=True):
            try:
                source = attachment.file.open("rb")
            except OSError:
                logger.warning(
                    "report %s: file of attachment %s missing",
                    document["report"]["tracking_code"],
                    attachment.pk,
                )
                entry["missing"] = True
                continue
            # Photos and PDFs are compressed already: stored as they are (ZipInfo's default).
            info = zipfile.ZipInfo(path, date_time=timezone.localtime(attachment.created_at).timetuple()[:6])
            with source, zipped.open(info, "w") as target:
                shutil.copyfileobj(source, target)
        zipped.writestr(DOCUMENT_NAME, json.dumps(document, ensure_ascii=False, indent=2))
    archive.seek(0)
    return archive


def data_export(*, report: Report, reporter: Reporter, via: str, as_zip: bool = True):
    """The reporter's data (the document, or the ZIP), written on the timeline as an event.

    `reporter` was proved by the report's secret (or its private link); `via` says where they
    asked ("page" or "api").
    """
    if reporter.report_id != report.pk:
        raise Forbidden("invalid_secret", _("The secret does not match this report."))
    document, files = reporter_data(report)
    result = reporter_data_zip(document, files) if as_zip else document
    record_event(
        report=report,
        actor=reporter,
        kind=EventKind.DATA_EXPORTED,
        data={"via": via, "format": "zip" if as_zip else "json", "files": len(files)},
    )
    return result
