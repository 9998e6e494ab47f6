"""The cluster's own database, seen from inside the project: run as `python -m tests.cluster.dbtool`.

`prepare` shortens the reception step so that the deadline sweeper's reminders fall within
the test; `snapshot` prints, as JSON, every row the test's checks read. It runs in a process
of its own with the cluster's environment, so the test reads the same database, storage
settings and models as the nodes, without pytest-django's test database in the way.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal


def prepare() -> dict:
    from phananh.org.models import Unit
    from phananh.workflow.models import DeadlineRule, StepKind

    # Every reception rule, and one for every urgency and field, at three minutes of wall clock:
    # with PHANANH_REMINDER_SHARE=0.2 a report nobody accepted is reminded 36 s after it came.
    DeadlineRule.objects.filter(step=StepKind.RECEPTION).update(amount=Decimal("0.05"), unit="hours")
    DeadlineRule.objects.create(step=StepKind.RECEPTION, amount=Decimal("0.05"), unit="hours")
    return {"lead_unit": Unit.objects.get(code="so-xay-dung").pk, "category": "ha-tang-do-thi"}


def snapshot() -> dict:
    from django.core.files.storage import default_storage

    from phananh.notify.models import Delivery, Notification
    from phananh.reports.models import Attachment, IdempotencyRecord, Report
    from phananh.workflow.models import Event, EventKind, Step

    reports = [
        {"code": code, "title": title, "status": status, "email": email, "anonymous": anonymous}
        for code, title, status, email, anonymous in Report.objects.values_list(
            "tracking_code", "title", "status", "reporter_email", "is_anonymous"
        )
    ]
    return {
        "storage": {
            "backend": f"{type(default_storage).__module__}.{type(default_storage).__name__}",
            "bucket": getattr(default_storage, "bucket_name", None),
            "location": getattr(default_storage, "location", ""),
        },
        "reports": reports,
        "keys": dict(IdempotencyRecord.objects.values_list("key", "report__tracking_code")),
        "attachments": [
            {"code": code, "kind": kind, "file": file, "thumbnail": thumbnail}
            for code, kind, file, thumbnail in Attachment.objects.values_list(
                "report__tracking_code", "kind", "file", "thumbnail"
            )
        ],
        "dispatches": [
            {"code": code, "event": pk}
            for pk, code in Event.objects.filter(kind=EventKind.DISPATCHED).values_list(
                "pk", "report__tracking_code"
            )
        ],
        "notifications": [
            {"id": pk, "recipient": who, "email": email, "code": code, "kind": kind, "event": event}
            for pk, who, email, code, kind, event in Notification.objects.values_list(
                "pk", "recipient__username", "recipient__email", "report__tracking_code", "kind", "event_id"
            )
        ],
        # Email only: the demo's reporters who gave only a phone get SMS, for which the cluster
        # has no gateway (those rows die as "not configured", which the test expects).
        "deliveries": [
            {**row, "key": row.pop("dedupe_key"), "code": row.pop("report__tracking_code")}
            for row in Delivery.objects.filter(channel="email").values(
                "id", "status", "attempts", "purpose", "report__tracking_code", "dedupe_key", "last_error"
            )
        ],
        "other_channel_titles": list(
            Delivery.objects.exclude(channel="email").values_list("report__title", flat=True)
        ),
        "steps": [
            {
                "code": step.report.tracking_code,
                "kind": step.kind,
                "started": step.started_at.isoformat(),
                "deadline": step.deadline.isoformat(),
                "finished": step.finished_at is not None,
                "paused": step.paused_at is not None,
                "reminded": step.reminded_at is not None,
                "escalated": step.escalated_at is not None,
            }
            for step in Step.objects.select_related("report")
        ],
    }


def main() -> None:
    import django

    django.setup()
    command = sys.argv[1]
    answer = {"prepare": prepare, "snapshot": snapshot}[command]()
    json.dump(answer, sys.stdout, default=str)


if __name__ == "__main__":
    main()
