"""Mới gửi: a new report from any channel (the page, the API, Zalo, the hotline, Open311).

The submission was validated by `reports.intake` (one schema for every channel); this stores
it with its files and hands it to the transition service for its first event.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from phananh.core.errors import Conflict
from phananh.core.geo import in_vietnam
from phananh.reports.codes import hash_secret, new_secret, new_tracking_code, secret_matches
from phananh.reports.files import PreparedFiles, Upload, delete_files, prepare_files
from phananh.reports.intake import Submission
from phananh.reports.models import IdempotencyRecord, Report
from phananh.reports.search import search_document
from phananh.reports.statuses import Urgency

from .services import looks_urgent, record_submission

logger = logging.getLogger(__name__)


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


def _fingerprint(submission: Submission, photos: Sequence[Upload], documents: Sequence[Upload]) -> str:
    payload = submission.fingerprint_fields()
    payload["photos"] = [hashlib.sha256(p.data).hexdigest() for p in photos]
    payload["documents"] = [hashlib.sha256(d.data).hexdigest() for d in documents]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _replay_window_start():
    return timezone.now() - timedelta(hours=settings.PHANANH_IDEMPOTENCY_TTL_HOURS)


def _secret_for(key: str, fingerprint: str) -> str:
    """The reporter's secret of a submission sent with an Idempotency-Key.

    Derived (an HMAC under the deployment's SECRET_KEY) from the key and the fingerprint of the
    request's content, so that a resend of the same request can be answered the same secret
    without any copy of it being kept: the report keeps its hash, the remembered answer has no
    secret at all. A resend with the same key and other content is refused before this is asked.
    """
    return salted_hmac("phananh.idempotent-secret", f"{key}\n{fingerprint}", algorithm="sha256").hexdigest()[
        :32
    ]


def _replay(key: str, fingerprint: str) -> Submitted | None:
    """The first answer again, for a resend within the replay window; None when the key is new.

    A key older than the window is forgotten here (the periodic prune also does it), so that
    the resend is a new report rather than an answer from days ago.
    """
    record = IdempotencyRecord.objects.select_related("report").filter(key=key).first()
    if record is None:
        return None
    if record.created_at < _replay_window_start():
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return None
    if record.request_hash != fingerprint:
        raise Conflict(
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a different submission."),
        )
    response = dict(record.response)
    secret = _secret_for(key, fingerprint)
    if secret_matches(secret, record.report.secret_hash):
        response["secret"] = secret
    else:
        # The secret was changed since (or SECRET_KEY was): the resend learns the code only.
        secret = None
        response["secret"] = None
    return Submitted(report=record.report, secret=secret, response=response, replayed=True)


# A code drawn twice in a year is refused by the unique constraint and another is drawn: with
# 887 million codes a year, ten refusals in a row mean something else is wrong.
_CODE_DRAWS = 10


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
    files = prepare_files(photos, documents)
    location_source = "reporter" if submission.latitude is not None else ""
    if submission.latitude is None:
        gps = next((p.gps for p in files.photos if p.gps and in_vietnam(*p.gps)), None)
        if gps:
            submission.latitude, submission.longitude = (Decimal(f"{v:.6f}") for v in gps)
            location_source = "photo"

    # One transaction: the report, its first step and event, its files' rows, the Idempotency-Key
    # and the tasks that follow (see core.tasks.enqueue_on_commit). The tracking code is not
    # looked up first: the unique constraint refuses a code already used, and the transaction
    # (rolled back whole, or to its savepoint inside a caller's) is run again with another.
    for _draw in range(_CODE_DRAWS):
        tracking_code = new_tracking_code()
        written: list[str] = []
        secret = _secret_for(idempotency.key, fingerprint) if idempotency else new_secret()
        try:
            with transaction.atomic():
                result = _create(submission, tracking_code, secret, files, actor, location_source, written)
                if idempotency:
                    result.response = idempotency.render(result.report, result.secret)
                    # Remembered without the secret: a replay derives it again (_secret_for).
                    IdempotencyRecord.objects.create(
                        key=idempotency.key,
                        request_hash=fingerprint,
                        report=result.report,
                        response={**result.response, "secret": None},
                    )
        except BaseException as exc:
            delete_files(written)
            if isinstance(exc, IntegrityError):
                if Report.objects.filter(tracking_code=tracking_code).exists():
                    continue  # the code was another report's: draw again
                if idempotency and (replay := _replay(idempotency.key, fingerprint)):
                    return replay  # another request with the same key won the race
            raise
        logger.info("report %s submitted via %s", tracking_code, submission.channel)
        return result
    raise RuntimeError(f"no free tracking code in {_CODE_DRAWS} draws")


def _create(
    submission, tracking_code: str, secret: str, files: PreparedFiles, actor, location_source, written
) -> Submitted:
    # Judged before the INSERT, so that the report is written once, with its urgency.
    urgent = looks_urgent(f"{submission.title} {submission.description}")
    report = Report.objects.create(
        tracking_code=tracking_code,
        search_text=search_document(
            tracking_code=tracking_code,
            title=submission.title,
            description=submission.description,
            address=submission.address,
        ),
        secret_hash=hash_secret(secret),
        consent_at=timezone.now(),
        created_by=actor,
        location_source=location_source,
        urgent_suspected=urgent,
        urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
        **vars(submission),
    )
    record_submission(report=report, actor=actor, files=files, written=written)
    return Submitted(report=report, secret=secret)


def idempotency_records_prune() -> int:
    """Forget Idempotency-Keys older than the replay window (a periodic task)."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=_replay_window_start()).delete()
    return deleted
