"""Xóa dữ liệu cá nhân: the reporter withdraws consent, and their personal data is erased.

What a reporter's personal data is, and where it is kept, in one place:
- on the report: name, phone, email and Zalo id (blanked; with the choice of channel, and no
  message goes out any more);
- in the messages sent to them (`Delivery`): the address and the text (blanked; the row stays,
  saying that a message of this purpose went through this channel then; one not sent yet never
  goes);
- in the follower records: their email following their own report (deleted), and their report
  following the one it was merged into (stopped);
- the link of the report to the reporter's account, if they had one (deleted; the account
  itself, a proved phone number or email address, stays until its owner deletes it);
- in the Idempotency-Key records of the submission, whose request hash was made from it (deleted);
- quoted in free text, theirs or the staff's: the report's title, description and address, the
  timeline's notes, the rating comments, the extension requests, the reasons a contact was
  revealed, the texts of other messages about the report (replaced, see `scrub`);
- in the call centre's log (`calls.Call`): the number of the calls linked to the report, when it
  is the reporter's (blanked; the call stays, counted), and the agents' notes (replaced, as above);
- the log of staff reading their contact (`PersonalDataAccess`) keeps only who read, when, how:
  the staff side; it holds nothing of the reporter.
No IP address of a reporter is stored in the database (the follow form's rate limit keeps a
hash of it in the cache for an hour; the web server's log keeps it, with no report, 14 days).

What stays: the report's content and files (the case goes on being handled, and what is public
was redacted by the IOC before publishing), its timeline and statistics. Every erasure is an
event on the report that says which kinds of data were erased and how many records, never what
they held; `retention` erases the same things the same way, in batches.
"""

from __future__ import annotations

import operator
from collections import Counter
from datetime import datetime
from functools import reduce

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from phananh.calls.models import Call
from phananh.citizens.services import report_unlink
from phananh.core.errors import Forbidden
from phananh.notify.delivery import forget_recipients
from phananh.notify.models import Delivery
from phananh.notify.reporters import deliveries_to_reporters
from phananh.org.access import Reporter, System
from phananh.org.models import ContactReveal
from phananh.reports.models import Follower, IdempotencyRecord, Rating, Report
from phananh.reports.search import search_document
from phananh.workflow.models import Event, EventKind, ExtensionRequest
from phananh.workflow.services import amend_reports

from .scrub import identifiers_pattern, scrubbed

# The report's fields that hold the reporter's personal data.
PERSONAL_FIELDS = ("reporter_name", "reporter_phone", "reporter_email", "zalo_user_id")
# Free texts that may quote the reporter, by model, with the report their rows belong to.
QUOTING_TEXTS = (
    (Event, ("note", "data")),
    (Rating, ("comment",)),
    (ExtensionRequest, ("reason", "decision_note")),
    (ContactReveal, ("reason",)),
    (Delivery, ("subject", "body")),
    (Call, ("note",)),
)
_REPORT_TEXTS = ("title", "description", "address")


def erased_values(now: datetime) -> dict:
    """What a report holds once its reporter's personal data is erased: nobody to write to."""
    return {
        **dict.fromkeys(PERSONAL_FIELDS, ""),
        "contact_channel": "",
        "notifications_opt_out": True,
        "personal_data_erased_at": now,
    }


def erase_related(ids: list[int], now: datetime) -> dict[int, dict]:
    """Erase the personal data of these reports' reporters everywhere but on the reports' own
    contact fields (the caller blanks those, after this has read them); each report's event data.

    Made for batches: a few statements for the whole batch, whatever its size, and free text
    read only for the reports whose reporter left something to look for.
    """
    reports = list(
        Report.objects.filter(pk__in=ids).only("pk", "tracking_code", *PERSONAL_FIELDS, *_REPORT_TEXTS)
    )
    patterns = {
        report.pk: pattern
        for report in reports
        if (
            pattern := identifiers_pattern(
                name=report.reporter_name,
                phone=report.reporter_phone,
                email=report.reporter_email,
                zalo_user_id=report.zalo_user_id,
            )
        )
    }
    messages = deliveries_to_reporters(reports)
    forget_recipients([pk for found in messages.values() for pk in found])
    followers = _stop_following(reports, now)
    zalo_user_ids = [r.zalo_user_id for r in reports if r.zalo_user_id]
    for hook in settings.PHANANH_ERASURE_HOOKS:  # the apps above that keep personal data too
        import_string(hook)(report_ids=ids, zalo_user_ids=zalo_user_ids)
    IdempotencyRecord.objects.filter(report_id__in=ids).delete()
    _forget_numbers(reports)
    # The report leaves the reporter's account: the account would name them.
    report_unlink(ids)
    texts = _scrub_reports(reports, patterns) + _scrub_quotes(patterns)
    return {
        report.pk: {
            "erased": [name for name in PERSONAL_FIELDS if getattr(report, name)],
            "messages": len(messages[report.pk]),
            "followers": followers[report.pk],
            "texts": texts[report.pk],
        }
        for report in reports
    }


def _forget_numbers(reports: list[Report]) -> None:
    """Blank the reporter's number on the calls linked to their report (one statement)."""
    linked = [Q(report_id=r.pk, number=r.reporter_phone) for r in reports if r.reporter_phone]
    if linked:
        Call.objects.filter(reduce(operator.or_, linked)).update(number="")


def _stop_following(reports: list[Report], now: datetime) -> Counter:
    """The reporter's email following their own report goes; their report, merged into another,
    stops following it (its messages went to their address)."""
    emails = {r.pk: r.reporter_email.lower() for r in reports if r.reporter_email}
    own = Follower.objects.filter(report_id__in=list(emails), via_report=None).values_list(
        "pk", "report_id", "email"
    )
    mine = [(pk, report_id) for pk, report_id, email in own if email.lower() == emails[report_id]]
    Follower.objects.filter(pk__in=[pk for pk, _report in mine]).delete()
    counts = Counter(report_id for _pk, report_id in mine)
    through = Follower.objects.filter(via_report__in=[r.pk for r in reports], unsubscribed_at=None)
    counts.update(through.values_list("via_report_id", flat=True))
    through.update(unsubscribed_at=now)
    return counts


def _scrub_reports(reports: list[Report], patterns: dict) -> Counter:
    changed, counts = [], Counter()
    for report in reports:
        before = [getattr(report, name) for name in _REPORT_TEXTS]
        after = [scrubbed(text, patterns.get(report.pk)) for text in before]
        if after != before:
            for name, text in zip(_REPORT_TEXTS, after, strict=True):
                setattr(report, name, text)
            report.search_text = search_document(
                tracking_code=report.tracking_code,
                title=report.title,
                description=report.description,
                address=report.address,
            )
            changed.append(report)
            counts[report.pk] += 1
    Report.objects.bulk_update(changed, [*_REPORT_TEXTS, "search_text"], batch_size=500)
    return counts


def _scrub_quotes(patterns: dict) -> Counter:
    counts = Counter()
    for model, fields in QUOTING_TEXTS:
        rows = model.objects.filter(report_id__in=list(patterns)).only("pk", "report", *fields)
        changed = []
        for row in rows.iterator(chunk_size=2000):
            pattern = patterns[row.report_id]
            dirty = False
            for name in fields:
                value = getattr(row, name)
                clean = scrubbed(value, pattern)
                if clean != value:
                    setattr(row, name, clean)
                    dirty = True
            if dirty:
                changed.append(row)
                counts[row.report_id] += 1
        # bulk_update, not save(): an event is otherwise never changed (Event.save refuses), and
        # this erasure is the one exception the law makes to that.
        model.objects.bulk_update(changed, list(fields), batch_size=500)
    return counts


def personal_data_erase(*, report: Report, reporter: Reporter | System, via: str) -> bool:
    """Rút lại sự đồng ý: the reporter of `report` withdraws consent; their data is erased.

    `reporter` was proved by the report's secret (or its private link); `via` says where they
    asked ("page" or "api"). `System` erases at a request the operations team received and
    checked another way (`manage.py erase_personal_data`, "operations"). The report goes on
    through the workflow without a contact. True when erased now; False when it had been erased
    already (nothing changes).
    """
    if isinstance(reporter, Reporter) and reporter.report_id != report.pk:
        raise Forbidden("invalid_secret", _("The secret does not match this report."))
    now = timezone.now()

    def erase(ids: list[int]) -> dict[int, dict]:
        return {pk: {**data, "via": via} for pk, data in erase_related(ids, now).items()}

    events = amend_reports(
        reports=Report.objects.filter(pk=report.pk, personal_data_erased_at=None),
        actor=reporter,
        kind=EventKind.PERSONAL_DATA_ERASED,
        changes={**erased_values(now), "consent_withdrawn_at": now},
        limit=1,
        also=erase,
    )
    report.refresh_from_db()
    return bool(events)
